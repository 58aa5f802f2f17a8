import express from 'express';
import axios from 'axios';
import { PrismaClient } from '@prisma/client';
import { User, AuditLog } from './models';

const app = express();
const prisma = new PrismaClient();

app.post('/users/:id/rename', async (req, res) => {
  const user = await User.findById(req.params.id);
  user.name = req.body.name;
  // ruleid: br301-typescript-floating-promise
  user.save();
  res.json(user);
});

export async function audit(userId: string) {
  // ruleid: br301-typescript-floating-promise
  AuditLog.create({ userId, at: new Date() });
}

export async function notify(url: string) {
  // ruleid: br301-typescript-floating-promise
  axios.post(url, { ok: true });
}

export class Sessions {
  async revoke(id: string) {
    // ruleid: br301-typescript-floating-promise
    prisma.session.deleteMany({ where: { userId: id } });
  }
}

// ---------------------------------------------------------------- negatives

export async function awaited(user: any) {
  // ok: br301-typescript-floating-promise
  await user.save();
}

export async function returned(user: any) {
  // ok: br301-typescript-floating-promise
  return user.save();
}

export async function collected(users: any[]) {
  // ok: br301-typescript-floating-promise
  await Promise.all(users.map((u) => u.save()));
}

export async function handled(url: string) {
  // ok: br301-typescript-floating-promise
  axios.post(url, {}).catch((err) => console.error(err));
}

export async function explicit(user: any) {
  // fire-and-forget on purpose
  // ok: br301-typescript-floating-promise
  void user.save();
}

export async function callbackStyle(user: any) {
  // ok: br301-typescript-floating-promise
  user.save((err: unknown) => console.error(err));
}

export async function inMemory(cache: Map<string, string>, key: string) {
  // ok: br301-typescript-floating-promise
  cache.delete(key);
}

export function notAsync(user: any) {
  // outside an async function the caller may not be able to await
  // ok: br301-typescript-floating-promise
  user.save();
}
