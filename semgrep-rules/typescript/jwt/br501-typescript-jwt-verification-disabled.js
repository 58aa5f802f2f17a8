// jwt-simple: decode(token, key, noVerify, algorithm)
const jwt = require('jwt-simple');

function trusting(token, key) {
  // ruleid: br501-typescript-jwt-verification-disabled
  return jwt.decode(token, key, true);
}

function algorithmInTheWrongPlace(token, key) {
  // the third argument is noVerify, so a truthy algorithm name turns verification off
  // ruleid: br501-typescript-jwt-verification-disabled
  return jwt.decode(token, key, 'HS256');
}

function verifying(token, key) {
  // ok: br501-typescript-jwt-verification-disabled
  return jwt.decode(token, key);
}

function explicit(token, key) {
  // ok: br501-typescript-jwt-verification-disabled
  return jwt.decode(token, key, false, 'HS256');
}
