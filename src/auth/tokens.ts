import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'hpb_';

/** 32 random bytes, shown once to the caller; only the SHA-256 hash is stored. */
export function generateToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
