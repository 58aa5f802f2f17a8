import { Pool } from 'pg';
import { Sequelize } from 'sequelize';
import { S3Client } from '@aws-sdk/client-s3';
import AWS from 'aws-sdk';
import nodemailer from 'nodemailer';
import { Strategy as GitHubStrategy } from 'passport-github2';

// ruleid: br401-typescript-hardcoded-credentials
const DB_PASSWORD = 'Sup3rS3cret!';

export const pool = new Pool({
  user: 'app',
  // ruleid: br401-typescript-hardcoded-credentials
  password: 'hunter2hunter2',
  host: 'db',
});

// ruleid: br401-typescript-hardcoded-credentials
export const sequelize = new Sequelize('app', 'app', 'p@ssw0rd-prod', { dialect: 'postgres' });

export const s3 = new S3Client({
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    // ruleid: br401-typescript-hardcoded-credentials
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
});

// ruleid: br401-typescript-hardcoded-credentials
export const legacy = new AWS.Credentials('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');

export const github = new GitHubStrategy(
  {
    clientID: 'Iv1.8a61f9b3a7aba766',
    // ruleid: br401-typescript-hardcoded-credentials
    clientSecret: '1f2e3d4c5b6a79801f2e3d4c5b6a79801f2e3d4c',
    callbackURL: '/auth/github/callback',
  },
  (accessToken: string, refreshToken: string, profile: any, done: any) => done(null, profile),
);

export const mailer = nodemailer.createTransport({
  host: 'smtp.example.com',
  // ruleid: br401-typescript-hardcoded-credentials
  auth: { user: 'mailer', pass: 'smtp-pass-123' },
});

// ---------------------------------------------------------------- negatives

export const poolEnv = new Pool({
  user: process.env.DB_USER,
  // ok: br401-typescript-hardcoded-credentials
  password: process.env.DB_PASSWORD,
});

export const s3Env = new S3Client({
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
    // ok: br401-typescript-hardcoded-credentials
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  },
});

// ok: br401-typescript-hardcoded-credentials
const PASSWORD_FIELD = 'password';

// ok: br401-typescript-hardcoded-credentials
const apiKey = '';

export function loginForm() {
  // a form model, not a client configuration
  // ok: br401-typescript-hardcoded-credentials
  return { username: 'alice', password: 'correct horse battery staple' };
}
