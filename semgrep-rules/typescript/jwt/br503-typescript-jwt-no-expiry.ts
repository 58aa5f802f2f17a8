import jwt from 'jsonwebtoken';

const key = process.env.JWT_SECRET as string;

export function forever(userId: string) {
  // ruleid: br503-typescript-jwt-no-expiry
  return jwt.sign({ sub: userId }, key);
}

export function foreverWithOptions(userId: string) {
  // ruleid: br503-typescript-jwt-no-expiry
  return jwt.sign({ sub: userId, role: 'user' }, key, { algorithm: 'HS256' });
}

export function ignoring(token: string) {
  // ruleid: br503-typescript-jwt-no-expiry
  return jwt.verify(token, key, { algorithms: ['HS256'], ignoreExpiration: true });
}

// ---------------------------------------------------------------- negatives

export function expiring(userId: string) {
  // ok: br503-typescript-jwt-no-expiry
  return jwt.sign({ sub: userId }, key, { expiresIn: '15m' });
}

export function expClaim(userId: string) {
  // ok: br503-typescript-jwt-no-expiry
  return jwt.sign({ sub: userId, exp: Math.floor(Date.now() / 1000) + 900 }, key);
}

export function unknownPayload(claims: object) {
  // the payload is built elsewhere and may carry exp
  // ok: br503-typescript-jwt-no-expiry
  return jwt.sign(claims, key);
}

export function spread(claims: object) {
  // ok: br503-typescript-jwt-no-expiry
  return jwt.sign({ ...claims, iss: 'auth' }, key);
}
