// Ids the simulators hand out. Deterministic (a counter per kind, from a start value) so tests can
// assert on them; shaped like the vendor's (numeric strings for HubSpot, hex for Intercom contacts).

export interface IdSource {
  /** The next numeric id for a kind, as a string: "1001", "1002", … */
  next(kind: string): string;
  /** The next 24-hex-digit id (Intercom contact and company ids look like Mongo ObjectIds). */
  nextHex(kind: string): string;
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
  };
}
