import { Pool } from 'pg';
import mysql from 'mysql2/promise';
import Database from 'better-sqlite3';
import sqlServer from 'mssql';
import util from 'util';
import { sql } from 'slonik';

const pool = new Pool();
const db = new Database('app.db');
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

export async function compound(conn: mysql.Connection, age: string) {
  let q = "SELECT name FROM users WHERE age = ";
  q += age;
  // ruleid: br101-typescript-sql-string-query
  return conn.query(q);
}

export async function concatMethod(userInput: string) {
  // ruleid: br101-typescript-sql-string-query
  return pool.query('SELECT * FROM users WHERE id = '.concat(userInput));
}

export async function formatted(req: any) {
  const q = util.format("UPDATE users SET name = '%s' WHERE id = 1", req.body.name);
  // ruleid: br101-typescript-sql-string-query
  return pool.query(q);
}

export async function queryObject(conn: mysql.Connection, table: string) {
  const stmt = 'SELECT * FROM ' + table;
  // ruleid: br101-typescript-sql-string-query
  return conn.query({ sql: stmt, rowsAsArray: true });
}

export function sqlite(name: string) {
  // ruleid: br101-typescript-sql-string-query
  return db.prepare(`SELECT * FROM users WHERE name = '${name}'`).all();
}

export async function mssql(id: string) {
  const request = new sqlServer.Request();
  // ruleid: br101-typescript-sql-string-query
  return request.query(`SELECT * FROM users WHERE id = ${id}`);
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

export async function pgQueryConfig(id: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query({ text: 'SELECT * FROM users WHERE id = $1', values: [id] });
}

export async function slonikTagged(conn: any, id: number) {
  // ok: br101-typescript-sql-string-query
  return conn.query(sql`SELECT * FROM users WHERE id = ${id}`);
}

export async function constantTable(id: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM ${TABLE} WHERE id = $1`, [id]);
}

export async function localConstant(id: string) {
  const table = 'projects';
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
}

export async function numericOnly(limit: string) {
  // ok: br101-typescript-sql-string-query
  return pool.query(`SELECT * FROM users LIMIT ${Number(limit)}`);
}

export async function escaped(conn: any, name: string) {
  // ok: br101-typescript-sql-string-query
  return conn.query('SELECT * FROM users WHERE name = ' + conn.escape(name));
}

export function sqliteBound(name: string) {
  // ok: br101-typescript-sql-string-query
  return db.prepare('SELECT * FROM users WHERE name = ?').all(name);
}

export function notSql(router: any, path: string) {
  // ok: br101-typescript-sql-string-query
  return router.query(`/api/${path}`);
}

export function regexExec(text: string) {
  // ok: br101-typescript-sql-string-query
  return /select (\w+)/.exec('select ' + text);
}

export async function ormIsBr102(sequelize: any, term: string) {
  // ok: br101-typescript-sql-string-query
  return sequelize.query(`SELECT * FROM posts WHERE title LIKE '%${term}%'`);
}
