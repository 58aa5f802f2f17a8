import jwt from 'jsonwebtoken';
import { sign, verify } from 'jsonwebtoken';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { Strategy as JwtStrategy, ExtractJwt } from 'passport-jwt';
import { JwtModule } from '@nestjs/jwt';
import express from 'express';
import crypto from 'crypto';
import expressJwt from 'express-jwt';
import { JWK, JWT } from 'jose';

const app = express();

// ruleid: br405-typescript-hardcoded-jwt-secret
const JWT_SECRET = 'super-secret-jwt-key';

export function issue(userId: string) {
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return jwt.sign({ sub: userId }, 'my-signing-secret', { expiresIn: '15m' });
}

export function check(token: string) {
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return verify(token, "my-signing-secret");
}

export function issueFallback(userId: string) {
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return sign({ sub: userId }, process.env.JWT_SECRET || 'dev-secret');
}

app.use(
  // ruleid: br405-typescript-hardcoded-jwt-secret
  session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }),
);

// ruleid: br405-typescript-hardcoded-jwt-secret
app.use(cookieParser('cookie-signing-secret'));

const opts = {
  jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
};
// ruleid: br405-typescript-hardcoded-jwt-secret
export const strategy = new JwtStrategy({ ...opts, secretOrKey: 'passport-secret' }, (p: any, done: any) => done(null, p));

// ruleid: br405-typescript-hardcoded-jwt-secret
export const jwtModule = JwtModule.register({ secret: 'nest-secret', signOptions: { expiresIn: '60s' } });

export function localConstant(payload: object) {
  const secret = 'shhhhh';
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return jwt.sign(payload, secret);
}

export function joseKey(payload: object) {
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return JWT.sign(payload, JWK.asKey('raz-dva-tri'));
}

export const hmac = (data: string) =>
  // ruleid: br405-typescript-hardcoded-jwt-secret
  crypto.createHmac('sha256', 'pa4qacea4VK9t9nGv7yZtwmj').update(data).digest('hex');

export const sessionOptions = {
  // ruleid: br405-typescript-hardcoded-jwt-secret
  secret: 'keyboard dog',
  resave: false,
  saveUninitialized: false,
};

// ruleid: br405-typescript-hardcoded-jwt-secret
app.get('/protected', expressJwt({ secret: 'shared-secret', algorithms: ['HS256'] }), (req: any, res: any) => res.sendStatus(200));

export function joseLocalKey(payload: object) {
  const key = JWK.asKey('raz-dva-tri');
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return JWT.verify(payload, key);
}

export function fallbackLocal(payload: object) {
  const secret = process.env.JWT_SECRET || 'fallback-secret';
  // ruleid: br405-typescript-hardcoded-jwt-secret
  return jwt.sign(payload, secret);
}

// ---------------------------------------------------------------- negatives

export function hmacFromConfig(data: string, config: any) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return crypto.createHmac('sha256', config.get('HMAC_KEY')).update(data).digest('hex');
}

export const sessionFromEnv = {
  // ok: br405-typescript-hardcoded-jwt-secret
  secret: process.env.SESSION_SECRET,
  resave: false,
};

export function joseFromEnv(payload: object) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return JWT.sign(payload, JWK.asKey(process.env.JWT_KEY as string));
}

export function issueEnv(userId: string) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return jwt.sign({ sub: userId }, process.env.JWT_SECRET!, { expiresIn: '15m' });
}

export function checkEnv(token: string, config: { jwtSecret: string }) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return jwt.verify(token, config.jwtSecret);
}

// ok: br405-typescript-hardcoded-jwt-secret
app.use(session({ secret: process.env.SESSION_SECRET as string, resave: false, saveUninitialized: false }));

// ok: br405-typescript-hardcoded-jwt-secret
const JWT_ISSUER = 'https://auth.example.com';

export function decodeOnly(token: string) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return jwt.decode(token);
}

export function fromSettings(token: string, settings: Map<string, string>) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return jwt.verify(token, settings.get('JWT_SECRET') as string);
}

export function templated(token: string) {
  // ok: br405-typescript-hardcoded-jwt-secret
  return jwt.verify(token, `${process.env.JWT_SECRET}`);
}

// ruleid: br405-typescript-hardcoded-jwt-secret
app.use(session({ secret: ['rotated-new-secret', 'old-secret'], resave: false }));
