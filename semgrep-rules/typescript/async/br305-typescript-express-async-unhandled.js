// express-async-errors: only the code after the import is patched (a block
// stands for a module here, so that one file holds both cases)
const express = require('express');
const app = express();

{
  require('express-async-errors');

  // ok: br305-typescript-express-async-unhandled
  app.get('/patched/:id', async (req, res) => {
    res.json(await load(req.params.id));
  });
}

// ruleid: br305-typescript-express-async-unhandled
app.get('/unpatched/:id', async (req, res) => {
  res.json(await load(req.params.id));
});

async function load(id) {
  return { id };
}
