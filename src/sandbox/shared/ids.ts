// Ids the simulators hand out. Deterministic (a counter per kind, from a start value) so tests can
// assert on them; shaped like the vendor's (numeric strings for HubSpot, hex for Intercom contacts,
// random-looking uuids for Intercom's notifications).
import { createHash } from 'node:crypto';

export interface IdSource {
  /** The next numeric id for a kind, as a string: "1001", "1002", … */
  next(kind: string): string;
  /** The next 24-hex-digit id (Intercom contact and company ids look like Mongo ObjectIds). */
  nextHex(kind: string): string;
  /**
   * The next version-4 uuid, scattered as a random one is (Intercom's notification ids,
   * intercom-api.md §2.3): numbered ones would sit side by side in the daemon's dedupe index, a
   * kindness production never shows. Derived from the counter, so still the same in every run.
   */
  nextUuid(kind: string): string;
}

export function createIdSource(start = 1000): IdSource {
  const counters = new Map<string, number>();
  const bump = (kind: string) => {
    const value = (counters.get(kind) ?? start) + 1;
    counters.set(kind, value);
    return value;
  };
  return {
    next: (kind) => String(bump(kind)),
    nextHex: (kind) => {
      const value = bump(kind);
      const prefix = [...kind].reduce((hash, ch) => (hash * 31 + ch.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, '0');
      return `${prefix}${value.toString(16).padStart(16, '0')}`;
    },
    nextUuid: (kind) => {
      const hex = createHash('sha256').update(`${kind}\u0000${bump(kind)}`).digest('hex');
      const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}
