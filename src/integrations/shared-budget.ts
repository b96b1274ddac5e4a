// Window budgets shared by every replica on one PostgreSQL database (issue #21 item 2): three
// replicas on one HubSpot portal together never exceed its budget, because each slot is taken from
// one rolling window in the database (src/db/repos/rate-budgets.ts) instead of each process's memory.
//
// The same WindowBudget as the local one (rate-budget.ts): live and background lanes, FIFO within
// each lane on this replica; a 429's pause and the vendor's headers (observe) reach every replica.
// Across replicas there is no order: whichever asks first when a slot frees takes it.
//
// One slot per transaction, no reservations: a slot reserved ahead would have to be stamped when it
// is actually sent (or it leaves the window before the vendor's count of it does), and slots
// reserved but not used would be lost to the other replicas. At HubSpot's 10-100 calls per second a
// transaction per call costs the database little.
//
// A replica that cannot reach the database sends nothing: acquire rejects with
// BudgetUnavailableError, which the rate plans turn into a retryable failure of the call (acquireFor).
import { BudgetUnavailableError, createBudgetLanes, realClock, type BudgetSnapshot, type WindowBudget, type WindowBudgetOptions } from './rate-budget.ts';
import type { SharedBudgetState, SharedBudgetStore } from './shared-budget-state.ts';

/** How stale a snapshot may be before reading it asks the database again (in the background). */
const SNAPSHOT_REFRESH_MS = 1_000;

/**
 * A take is stamped as its query leaves, and the call goes out when the answer is back: a wait for
 * another replica's lock, a slow database or a busy event loop in between makes the call leave later
 * than its stamp, and the window would let its slot go that much before the vendor's does (a CI run
 * on a loaded machine got 429s that way). A take that came back later than this moves its stamp to
 * the time the call actually leaves; below it the difference is small next to the rate plans'
 * margin on the window (400 ms on HubSpot's 10 s).
 */
const RESTAMP_AFTER_MS = 20;

interface SharedWindowBudget extends WindowBudget {
  /** Resolves when this replica's pauses and observations so far are written (or failed). */
  settled(): Promise<void>;
}

function createSharedWindowBudget(store: SharedBudgetStore, key: string, options: WindowBudgetOptions): SharedWindowBudget {
  const clock = options.clock ?? realClock;
  const shape = { limit: options.limit, windowMs: options.windowMs };
  /** The budget as this replica last read it; snapshots answer from it. */
  let known: SharedBudgetState = { limit: options.limit, counted: 0, oldest: null, pausedUntil: 0 };
  let knownAt = Number.NEGATIVE_INFINITY;
  /** This replica's own pause holds at once, before its write reaches the database. */
  let pausedHere = 0;
  /** Pauses and observations, written in order; a take waits for them so it counts what they add. */
  let writes: Promise<void> = Promise.resolve();
  let refreshing = false;

  const remember = (state: SharedBudgetState) => {
    known = state;
    knownAt = clock.now();
  };
  const write = (work: () => Promise<void>) => {
    // A write that fails costs only a correction: the next take asks the database again.
    writes = writes.then(work).catch(() => undefined);
  };

  const lanes = createBudgetLanes(async (turn, signal) => {
    for (;;) {
      const now = clock.now();
      if (now < pausedHere) {
        await clock.sleep(pausedHere - now, signal);
        continue;
      }
      if (turn.background && turn.liveWaiting()) {
        await turn.liveIdle(signal);
        continue;
      }
      signal?.throwIfAborted();
      await writes;
      let answer;
      try {
        answer = await store.take(key, shape, clock.now);
      } catch (error) {
        throw new BudgetUnavailableError(key, { cause: error });
      }
      remember(answer);
      if (answer.taken) {
        const sentAt = clock.now();
        // Written before this replica's next take (writes), so that take counts the send where it is.
        if (sentAt - answer.stampedAt > RESTAMP_AFTER_MS) write(() => store.restamp(key, answer.stampedAt, sentAt));
        return;
      }
      await clock.sleep(Math.max(1, answer.retryAt - clock.now()), signal);
    }
  });

  /** Reading a snapshot refreshes it in the background (a meter of a budget other replicas spend). */
  const refreshSoon = (now: number) => {
    if (refreshing || now - knownAt < SNAPSHOT_REFRESH_MS) return;
    refreshing = true;
    void store.read(key, shape, now).then(remember, () => undefined).finally(() => {
      refreshing = false;
    });
  };

  return {
    acquire: lanes.acquire,
    observe(remaining, reportedLimit) {
      if (reportedLimit !== undefined && reportedLimit > 0) known = { ...known, limit: reportedLimit };
      write(async () => remember(await store.observe(key, shape, { remaining, reportedLimit }, clock.now)));
    },
    pause(ms) {
      const until = clock.now() + ms;
      pausedHere = Math.max(pausedHere, until);
      write(() => store.pause(key, until, clock.now()));
    },
    settled: () => writes,
    snapshot(): BudgetSnapshot {
      const now = clock.now();
      refreshSoon(now);
      const pausedUntil = Math.max(known.pausedUntil, pausedHere);
      return {
        limit: known.limit, windowMs: options.windowMs, available: Math.max(0, known.limit - known.counted), waiting: lanes.waiting(),
        freesAt: known.oldest === null ? null : known.oldest + options.windowMs,
        pausedUntil: pausedUntil > now ? pausedUntil : null,
      };
    },
  };
}

/** The budgets of a replica on PostgreSQL: every replica's budget of the same key is one budget. */
export function createSharedBudgets(store: SharedBudgetStore): (key: string, options: WindowBudgetOptions) => SharedWindowBudget {
  return (key, options) => createSharedWindowBudget(store, key, options);
}
