// scrypt password hashes: `scrypt$N$r$p$salt$hash` (base64url), compared in constant time.
// The cost is OWASP's current floor for scrypt (Password Storage Cheat Sheet: N=2^17, r=8, p=1);
// a hash made with a lower cost still verifies, and `needsRehash` tells the caller to replace it.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const DEFAULT_SCRYPT_COST = 2 ** 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) refuses N=2^17, so allow twice that.
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `cost` is scrypt's N (a power of two); only tests pass a lower one, to keep many starts fast. */
export async function hashPassword(password: string, cost: number = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, R, P);
  return ['scrypt', cost, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export function isPasswordHash(value: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/.test(value);
}

/** The hash's scrypt N, or undefined when it is not one of ours. */
function hashCost(hash: string): number | undefined {
  return isPasswordHash(hash) ? Number(hash.split('$')[1]) : undefined;
}

/** True when a hash was made with a weaker cost than the current one and should be replaced. */
export function needsRehash(hash: string, cost: number = DEFAULT_SCRYPT_COST): boolean {
  const n = hashCost(hash);
  return n === undefined || n < cost || hash.split('$')[2] !== String(R) || hash.split('$')[3] !== String(P);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!isPasswordHash(hash)) return false;
  const [, n, r, p, salt, expected] = hash.split('$') as [string, string, string, string, string, string];
  const expectedKey = Buffer.from(expected, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
}
