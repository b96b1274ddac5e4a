// What a replica's shared rate budget asks of the store that holds it (src/db/repos/rate-budgets.ts
// on PostgreSQL): the shapes only, so src/integrations knows no database (test/structure/layers).
/** What a replica knows of a shared budget after asking the database. */
export interface SharedBudgetState {
  /** The vendor's figure when one was observed (by any replica), else this replica's configured one. */
  limit: number;
  /** Sends counted in the window (every replica's, and others' learnt from the vendor's headers). */
  counted: number;
  /** The oldest counted send, or null. */
  oldest: number | null;
  /** Epoch ms until which no replica sends on this budget (after a 429); 0 when none. */
  pausedUntil: number;
}

type TakeAnswer = SharedBudgetState & (
  /** `stampedAt`: the send time recorded, read just before the take's query left. */
  | { taken: true; stampedAt: number }
  /** No slot: ask again at `retryAt` (the pause's end, or when the oldest send leaves the window). */
  | { taken: false; retryAt: number }
);

interface BudgetShape {
  /** This replica's configured limit, used until the vendor's own figure has been observed. */
  limit: number;
  windowMs: number;
}

export interface SharedBudgetStore {
  /** Takes a slot now (recording the send at `now()` read as the query leaves), or says when to ask again. */
  take(key: string, shape: BudgetShape, now: () => number): Promise<TakeAnswer>;
  /** A send recorded at `from` actually left at `to` (later): one such send is moved there. */
  restamp(key: string, from: number, to: number): Promise<void>;
  /** The vendor said `remaining` of `reportedLimit` are left: sends we did not count are counted now. */
  observe(key: string, shape: BudgetShape, reading: { remaining: number; reportedLimit?: number | undefined }, now: () => number): Promise<SharedBudgetState>;
  /** No replica sends on this budget before `until`. */
  pause(key: string, until: number, now: number): Promise<void>;
  /** The budget as it stands, without taking anything (for snapshots). */
  read(key: string, shape: BudgetShape, now: number): Promise<SharedBudgetState>;
}
