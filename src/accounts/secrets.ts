import crypto from 'node:crypto';

/** A URL-safe random token with 256 bits of entropy, for links, sessions and API tokens. */
export function randomToken(prefix = ''): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

/** Tokens are stored as hashes only: a copy of the database does not let anyone sign in. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function hmac(key: string, value: string): string {
  return crypto.createHmac('sha256', key).update(value).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
