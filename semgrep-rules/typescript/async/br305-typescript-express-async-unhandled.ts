import express, { Request, Response, NextFunction } from 'express';
import asyncHandler from 'express-async-handler';
import { userService } from './services';

const app = express();
const router = express.Router();

// ruleid: br305-typescript-express-async-unhandled
app.get('/users/:id', async (req, res) => {
  const user = await userService.findById(req.params.id);
  res.json(user);
});

// ruleid: br305-typescript-express-async-unhandled
router.post('/users', async (req: Request, res: Response, next: NextFunction) => {
  const user = await userService.create(req.body);
  res.status(201).json(user);
});

// ruleid: br305-typescript-express-async-unhandled
router.delete('/users/:id', async function remove(request: Request, response: Response) {
  try {
    validate(request.params.id);
  } catch (e) {
    return response.sendStatus(400);
  }
  await userService.remove(request.params.id);
  response.sendStatus(204);
});

// ruleid: br305-typescript-express-async-unhandled
app.use(async (req, res, next) => {
  req.user = await userService.fromToken(req.headers.authorization);
  next();
});

// ---------------------------------------------------------------- negatives

// ok: br305-typescript-express-async-unhandled
app.get('/ok/:id', async (req, res, next) => {
  try {
    const user = await userService.findById(req.params.id);
    res.json(user);
  } catch (error) {
    next(error);
  }
});

// ok: br305-typescript-express-async-unhandled
app.get('/wrapped/:id', asyncHandler(async (req: Request, res: Response) => {
  res.json(await userService.findById(req.params.id));
}));

// ok: br305-typescript-express-async-unhandled
app.get('/catch/:id', async (req, res, next) => {
  const user = await userService.findById(req.params.id).catch(next);
  res.json(user);
});

// ok: br305-typescript-express-async-unhandled
app.get('/sync', (req, res) => {
  res.json({ ok: true });
});

// ok: br305-typescript-express-async-unhandled
app.get('/no-await', async (req, res) => {
  res.json({ ok: true });
});

// ok: br305-typescript-express-async-unhandled
cache.get('key', async (err: Error, value: string) => {
  await store(value);
});

function validate(id: string) {}
async function store(v: string) {}
