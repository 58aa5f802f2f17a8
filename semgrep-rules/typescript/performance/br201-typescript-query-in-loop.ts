import { PrismaClient } from '@prisma/client';
import knex from 'knex';
import { Pool } from 'pg';
import { Repository } from 'typeorm';
import { User, Post } from './models';

const prisma = new PrismaClient();
const db = knex({ client: 'pg' });
const pool = new Pool();

export async function authors(posts: Post[]) {
  const names: string[] = [];
  for (const post of posts) {
    // ruleid: br201-typescript-query-in-loop
    const author = await User.findByPk(post.authorId);
    names.push(author.name);
  }
  return names;
}

export async function counts(userIds: string[]) {
  return Promise.all(
    userIds.map(async (id) => {
      // ruleid: br201-typescript-query-in-loop
      return prisma.post.count({ where: { authorId: id } });
    }),
  );
}

export async function emails(ids: number[]) {
  const out = [];
  for (let i = 0; i < ids.length; i++) {
    // ruleid: br201-typescript-query-in-loop
    out.push(await db('users').where({ id: ids[i] }).first());
  }
  return out;
}

export async function raw(ids: number[]) {
  for (const id of ids) {
    // ruleid: br201-typescript-query-in-loop
    await pool.query('UPDATE users SET seen = now() WHERE id = $1', [id]);
  }
}

export class PostService {
  constructor(private readonly userRepository: Repository<User>) {}

  async owners(posts: Post[]) {
    for (const post of posts) {
      // ruleid: br201-typescript-query-in-loop
      post.owner = await this.userRepository.findOneBy({ id: post.ownerId });
    }
  }
}

// ---------------------------------------------------------------- negatives

export async function batched(posts: Post[]) {
  // ok: br201-typescript-query-in-loop
  const authors = await User.findAll({ where: { id: posts.map((p) => p.authorId) } });
  const byId = new Map(authors.map((a: any) => [a.id, a]));
  for (const post of posts) {
    // ok: br201-typescript-query-in-loop
    const author = byId.get(post.authorId);
  }
}

export function inMemory(users: User[], ids: string[]) {
  for (const id of ids) {
    // ok: br201-typescript-query-in-loop
    const user = users.find((u: any) => u.id === id);
  }
}

export async function paging() {
  let page = 0;
  let rows;
  // one query per page, not per row
  do {
    // todook: br201-typescript-query-in-loop
    rows = await User.findAll({ limit: 100, offset: page * 100 });
    page += 1;
  } while (rows.length > 0);
}
