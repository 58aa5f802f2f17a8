import express from 'express';
import { z } from 'zod';
import _ from 'lodash';
import { PrismaClient } from '@prisma/client';
import { User, Order } from './models';

const app = express();
const prisma = new PrismaClient();
const schema = z.object({ name: z.string(), email: z.string().email() });

app.post('/users', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  const user = new User(req.body);
  await user.save();
  res.json(user);
});

app.post('/users/v2', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  res.json(await User.create(req.body));
});

app.post('/users/v3', async (req, res) => {
  const data = req.body;
  // ruleid: br701-typescript-mass-assignment
  const created = await prisma.user.create({ data });
  res.json(created);
});

app.post('/users/v4', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  res.json(await prisma.user.create({ data: req.body }));
});

app.patch('/users/:id', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  await User.findByIdAndUpdate(req.params.id, req.body, { new: true });
  res.sendStatus(204);
});

app.put('/orders/:id', async (req, res) => {
  const { id, ...changes } = req.body;
  // Known gap: semgrep's taint engine does not carry taint through a rest
  // pattern in object destructuring (the libcst-style data flow would).
  // todoruleid: br701-typescript-mass-assignment
  await Order.update(changes, { where: { id } });
  res.sendStatus(204);
});

app.post('/orders', async (req, res) => {
  // ruleid: br701-typescript-mass-assignment
  const order = await Order.create({ ...req.body, ownerId: req.user.id });
  res.json(order);
});

app.put('/profile', async (req, res) => {
  const user = await User.findById(req.user.id);
  // ruleid: br701-typescript-mass-assignment
  Object.assign(user, req.body);
  await user.save();
  res.json(user);
});

export function restore(settings: object, untrusted: string) {
  // ruleid: br701-typescript-mass-assignment
  return Object.assign(settings, { restored: true }, JSON.parse(untrusted));
}

// ---------------------------------------------------------------- negatives

export function defaults(settings: object) {
  // ok: br701-typescript-mass-assignment
  return Object.assign(settings, JSON.parse('{"theme": "dark"}'));
}

export function parsedIntoNewObject(untrusted: string) {
  // ok: br701-typescript-mass-assignment
  return Object.assign({}, JSON.parse(untrusted));
}

app.post('/users/safe', async (req, res) => {
  const validated = schema.parse(req.body);
  // ok: br701-typescript-mass-assignment
  const user = new User(validated);
  await user.save();
  res.status(201).json(user);
});

app.post('/users/picked', async (req, res) => {
  // ok: br701-typescript-mass-assignment
  res.json(await User.create(_.pick(req.body, ['name', 'email'])));
});

app.post('/users/explicit', async (req, res) => {
  const { name, email } = req.body;
  // ok: br701-typescript-mass-assignment
  res.json(await prisma.user.create({ data: { name, email } }));
});

app.post('/users/fields', async (req, res) => {
  // ok: br701-typescript-mass-assignment
  const user = new User({ name: req.body.name, email: req.body.email });
  res.json(user);
});

app.post('/echo', (req, res) => {
  // ok: br701-typescript-mass-assignment
  const copy = Object.assign({}, req.body);
  res.json(copy);
});

app.post('/memories', async (req, res) => {
  const record = { caption: req.body.caption, imagePath: req.body.imagePath };
  // ok: br701-typescript-mass-assignment
  res.json(await Memory.create(record));
});

app.post('/memories/spread', async (req, res) => {
  const record = { ...req.body, createdAt: new Date() };
  // ruleid: br701-typescript-mass-assignment
  res.json(await Memory.create(record));
});

app.post('/errors', (req, res) => {
  // ok: br701-typescript-mass-assignment
  throw new Error(req.body.message);
});
