// Comparing secrets (CSRF tokens, usernames) without leaking, through timing, how much of them matched.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Hashing first gives equal-length inputs, so even the length of the expected value does not leak. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
