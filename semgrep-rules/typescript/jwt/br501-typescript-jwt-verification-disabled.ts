import jwt from 'jsonwebtoken';
import * as jose from 'jose';

export function userOf(token: string) {
  // ruleid: br501-typescript-jwt-verification-disabled
  const claims = jwt.decode(token) as { sub: string };
  return claims.sub;
}

export const isAdmin = (token: string) =>
  // ruleid: br501-typescript-jwt-verification-disabled
  (jwt.decode(token) as any).role === 'admin';

export function acceptsNone(token: string, key: string) {
  // ruleid: br501-typescript-jwt-verification-disabled
  return jwt.verify(token, key, { algorithms: ['RS256', 'none'] });
}

export function unsecured(token: string) {
  // ruleid: br501-typescript-jwt-verification-disabled
  return jose.UnsecuredJWT.decode(token);
}

// ---------------------------------------------------------------- negatives

export function verified(token: string, key: string) {
  jwt.verify(token, key, { algorithms: ['HS256'] });
  // verified above; decode() only reads the header
  // ok: br501-typescript-jwt-verification-disabled
  return jwt.decode(token, { complete: true });
}

export const verifiedInCondition = (token: string, key: string) => {
  // ok: br501-typescript-jwt-verification-disabled
  const kid = (jwt.decode(token, { complete: true }) as any).header.kid;
  if (jwt.verify(token, key, { algorithms: ['RS256'] })) {
    return kid;
  }
  return null;
};

export function pinned(token: string, key: string) {
  // ok: br501-typescript-jwt-verification-disabled
  return jwt.verify(token, key, { algorithms: ['HS256', 'HS512'] });
}
