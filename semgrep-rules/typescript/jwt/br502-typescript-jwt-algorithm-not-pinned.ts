import fs from 'fs';
import jwt from 'jsonwebtoken';
import { Strategy as JwtStrategy, ExtractJwt } from 'passport-jwt';

const publicKey = fs.readFileSync('keys/public.pem');

export function check(token: string) {
  // ruleid: br502-typescript-jwt-algorithm-not-pinned
  return jwt.verify(token, publicKey);
}

export function checkWithOptions(token: string) {
  // ruleid: br502-typescript-jwt-algorithm-not-pinned
  return jwt.verify(token, fs.readFileSync('keys/public.pem'), { issuer: 'auth' });
}

export function checkCallback(token: string, done: (e: unknown, c?: unknown) => void) {
  // ruleid: br502-typescript-jwt-algorithm-not-pinned
  jwt.verify(token, publicKey, (err, claims) => done(err, claims));
}

// ruleid: br502-typescript-jwt-algorithm-not-pinned
export const strategy = new JwtStrategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: publicKey }, (p: any, done: any) => done(null, p));

// ---------------------------------------------------------------- negatives

export function pinned(token: string) {
  // ok: br502-typescript-jwt-algorithm-not-pinned
  return jwt.verify(token, publicKey, { algorithms: ['RS256'] });
}

export function hmacSecret(token: string) {
  // an HMAC secret: the key type already limits the algorithm family
  // ok: br502-typescript-jwt-algorithm-not-pinned
  return jwt.verify(token, process.env.JWT_SECRET as string);
}

// ok: br502-typescript-jwt-algorithm-not-pinned
export const pinnedStrategy = new JwtStrategy({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: publicKey, algorithms: ['RS256'] }, (p: any, done: any) => done(null, p));
