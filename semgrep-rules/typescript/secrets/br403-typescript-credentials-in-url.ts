import { Sequelize } from 'sequelize';
import mongoose from 'mongoose';
import Redis from 'ioredis';

// ruleid: br403-typescript-credentials-in-url
export const sequelize = new Sequelize('postgres://app:s3cretPass@db.example.com:5432/app');

// ruleid: br403-typescript-credentials-in-url
mongoose.connect('mongodb+srv://admin:Adm1nPassw0rd@cluster0.example.net/shop');

// ruleid: br403-typescript-credentials-in-url
const REDIS_URL = `redis://default:r3d1s-pass@cache:6379`;
export const redis = new Redis(REDIS_URL);

// ---------------------------------------------------------------- negatives

// ok: br403-typescript-credentials-in-url
export const fromEnv = new Sequelize(process.env.DATABASE_URL!);

// ok: br403-typescript-credentials-in-url
export const devDefault = new Sequelize(process.env.DATABASE_URL || 'postgres://dev:devpass@localhost/dev');

// ok: br403-typescript-credentials-in-url
export const noPassword = new Redis('redis://cache:6379');

// ok: br403-typescript-credentials-in-url
export const placeholder = 'postgres://user:password@host/db';

// ok: br403-typescript-credentials-in-url
export const templated = `postgres://app:${process.env.DB_PASSWORD}@db/app`;
