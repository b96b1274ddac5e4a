// What a connection's clients need from wherever its secrets are kept: read, store, compare-and-swap,
// and a way to say "this credential is refused for good". A port, passed in by the composition
// (src/connections/connection-credentials.ts builds it over the vault and the database), so
// src/integrations knows neither SQLite nor the job queue.
import type { Vendor } from '../vendor.ts';

interface StoredSecret {
  value: string;
  /** Rises by one on every write: a compare-and-swap names the version it read. */
  version: number;
}

export interface ConnectionCredentials {
  /** The connection's secret of this kind, decrypted; undefined when none is stored. */
  read(kind: string): Promise<StoredSecret | undefined>;
  /** Stores the secret of this kind, replacing any. */
  write(kind: string, value: string, now: number): Promise<void>;
  /** Replaces the secret only if it is still at `expectedVersion`: the new version, or null when another writer stored first. */
  swap(kind: string, value: string, expectedVersion: number, now: number): Promise<number | null>;
  /** The vendor refused this side's credential and no retry can help: a person must re-authorise. */
  refused(side: Vendor, now: number): Promise<void>;
}
