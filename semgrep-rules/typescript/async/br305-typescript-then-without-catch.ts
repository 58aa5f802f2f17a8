import express from 'express';
import { userService, mailer } from './services';

const app = express();

app.get('/users/:id', (req, res) => {
  // ruleid: br305-typescript-then-without-catch
  userService.findById(req.params.id).then((user) => res.json(user));
});

app.post('/invite', function (req, res) {
  // ruleid: br305-typescript-then-without-catch
  mailer.send(req.body.email).then(() => res.sendStatus(202)).then(() => console.log('sent'));
});

app.get('/returned/:id', (req, res) => {
  // Express 4 ignores the returned promise
  // ruleid: br305-typescript-then-without-catch
  return userService.findById(req.params.id).then((user) => res.json(user));
});

// ---------------------------------------------------------------- negatives

app.get('/ok/:id', (req, res, next) => {
  // ok: br305-typescript-then-without-catch
  userService.findById(req.params.id).then((user) => res.json(user)).catch(next);
});

app.get('/two-handlers/:id', (req, res, next) => {
  // ok: br305-typescript-then-without-catch
  userService.findById(req.params.id).then((user) => res.json(user), next);
});

export function notAHandler(id: string) {
  // ok: br305-typescript-then-without-catch
  userService.findById(id).then((user) => console.log(user));
}
