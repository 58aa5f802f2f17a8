import { PrismaClient, Prisma } from '@prisma/client';
import knex from 'knex';
import { DataSource } from 'typeorm';
import { Sequelize, QueryTypes } from 'sequelize';

const prisma = new PrismaClient();
const db = knex({ client: 'pg' });
const sequelize = new Sequelize(process.env.DATABASE_URL!);
const ORDER_COLUMN = 'created_at';

export async function knexRaw(status: string) {
  // ruleid: br102-typescript-sql-string-orm
  return db.raw(`UPDATE orders SET status = '${status}'`);
}

export async function knexWhereRaw(col: string) {
  // ruleid: br102-typescript-sql-string-orm
  return db('users').whereRaw("deleted_at IS NULL AND " + col + " = 1");
}

export async function knexOrderByRaw(direction: string) {
  // ruleid: br102-typescript-sql-string-orm
  return db('users').orderByRaw(`created_at ${direction}, id`);
}

export async function prismaUnsafe(email: string) {
  // ruleid: br102-typescript-sql-string-orm
  return prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${email}'`);
}

export async function prismaExecUnsafe(id: string) {
  // ruleid: br102-typescript-sql-string-orm
  return prisma.$executeRawUnsafe("DELETE FROM sessions WHERE user_id = " + id);
}

export async function typeorm(ds: DataSource, tenant: string) {
  // ruleid: br102-typescript-sql-string-orm
  return ds.query(`SELECT * FROM invoices WHERE tenant = '${tenant}'`);
}

export async function typeormBuilder(ds: DataSource, name: string) {
  return ds.getRepository('User')
    .createQueryBuilder('u')
    // ruleid: br102-typescript-sql-string-orm
    .where(`u.name = '${name}'`)
    .getMany();
}

export async function sequelizeQuery(term: string) {
  const query = `SELECT * FROM posts WHERE title LIKE '%${term}%'`;
  // ruleid: br102-typescript-sql-string-orm
  return sequelize.query(query, { type: QueryTypes.SELECT });
}

export async function sequelizeLiteral(Post: any, col: string) {
  // ruleid: br102-typescript-sql-string-orm
  return Post.findAll({ where: Sequelize.literal("status = 'open' AND " + col) });
}

// ---------------------------------------------------------------- negatives

export async function prismaTagged(email: string) {
  // ok: br102-typescript-sql-string-orm
  return prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${email}`;
}

export async function prismaSql(email: string) {
  // ok: br102-typescript-sql-string-orm
  return prisma.$queryRaw(Prisma.sql`SELECT * FROM "User" WHERE email = ${email}`);
}

export async function knexBindings(status: string) {
  // ok: br102-typescript-sql-string-orm
  return db.raw('UPDATE orders SET status = ?', [status]);
}

export async function knexConstant() {
  // ok: br102-typescript-sql-string-orm
  return db('users').orderByRaw(`${ORDER_COLUMN} DESC`);
}

export async function sequelizeReplacements(term: string) {
  // ok: br102-typescript-sql-string-orm
  return sequelize.query('SELECT * FROM posts WHERE title LIKE :term', {
    replacements: { term: `%${term}%` },
    type: QueryTypes.SELECT,
  });
}

export async function typeormParams(ds: DataSource, name: string) {
  return ds.getRepository('User')
    .createQueryBuilder('u')
    // ok: br102-typescript-sql-string-orm
    .where('u.name = :name', { name })
    .getMany();
}

export async function driverIsBr101(pool: any, id: string) {
  // ok: br102-typescript-sql-string-orm
  return pool.query('SELECT * FROM users WHERE id = ' + id);
}
