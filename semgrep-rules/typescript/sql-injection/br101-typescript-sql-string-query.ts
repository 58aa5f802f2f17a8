import { PrismaClient, Prisma } from '@prisma/client';
import { Pool } from 'pg';
import mysql from 'mysql2/promise';
import knex from 'knex';
import { DataSource } from 'typeorm';
import { sql } from 'slonik';

const pool = new Pool();
const prisma = new PrismaClient();
const db = knex({ client: 'pg' });
const TABLE = 'users';

export async function pgTemplate(req: any) {
  // ruleid: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM users WHERE email = '${req.query.email}'`);
}

export async function pgConcat(id: string) {
  // ruleid: br101-typescript-sql-string-query
  return pool.query("SELECT * FROM users WHERE id = " + id);
}

export async function builtBefore(conn: mysql.Connection, name: string, sort: string) {
  let q = `SELECT * FROM products WHERE name LIKE '%${name}%'`;
  q += " ORDER BY " + sort;
  // ruleid: br101-typescript-sql-string-query
  const [rows] = await conn.execute(q);
  return rows;
}

export async function knexRaw(status: string) {
  // ruleid: br101-typescript-sql-string-query
  return db.raw(`UPDATE orders SET status = '${status}'`);
}

export async function knexWhereRaw(col: string) {
  // ruleid: br101-typescript-sql-string-query
  return db('users').whereRaw("deleted_at IS NULL AND " + col + " = 1");
}

export async function prismaUnsafe(email: string) {
  // ruleid: br101-typescript-sql-string-query
  return prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${email}'`);
}

export async function prismaExecUnsafe(id: string) {
  // ruleid: br101-typescript-sql-string-query
  return prisma.$executeRawUnsafe("DELETE FROM sessions WHERE user_id = " + id);
}

export async function typeorm(ds: DataSource, tenant: string) {
  // ruleid: br101-typescript-sql-string-query
  return ds.query(`SELECT * FROM invoices WHERE tenant = '${tenant}'`);
}

export async function sequelizeQuery(sequelize: any, term: string) {
  // ruleid: br101-typescript-sql-string-query
  return sequelize.query(`SELECT * FROM posts WHERE title LIKE '%${term}%'`, { type: 'SELECT' });
}

// ---------------------------------------------------------------- negatives

export async function pgParams(email: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query('SELECT * FROM users WHERE email = $1', [email]);
}

export async function pgTemplateNoInterpolation(email: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM users WHERE email = $1`, [email]);
}

export async function prismaTagged(email: string) {
  // ok: br101-typescript-sql-string-query
  return prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${email}`;
}

export async function prismaSql(email: string) {
  // ok: br101-typescript-sql-string-query
  return prisma.$queryRaw(Prisma.sql`SELECT * FROM "User" WHERE email = ${email}`);
}

export async function slonikTagged(conn: any, id: number) {
  // ok: br101-typescript-sql-string-query
  return conn.query(sql`SELECT * FROM users WHERE id = ${id}`);
}

export async function knexBindings(status: string) {
  // ok: br101-typescript-sql-string-query
  return db.raw('UPDATE orders SET status = ?', [status]);
}

export async function constantTable(id: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM ${TABLE} WHERE id = $1`, [id]);
}

export async function numericOnly(limit: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM users LIMIT ${Number(limit)}`);
}

export function notSql(router: any, path: string) {
  // ok: br101-typescript-sql-string-query
  return router.query(`/api/${path}`);
}
