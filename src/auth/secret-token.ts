// High-entropy bearer secrets (session cookies, API tokens). Only their SHA-256 is stored: with 256
// random bits a fast hash is enough, and a copy of the database cannot be replayed.
import { createHash, randomBytes } from 'node:crypto';

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
