// The handler API. A task is a name, a zod schema for its payload, and a run function.
//
// THE IDEMPOTENCY CONTRACT — every handler must keep it, because the scheduler runs a job at least
// once, not exactly once: a process can die after an upstream call succeeded and before the job is
// marked done, and the job then runs again when its lease expires.
//
//   1. Look before you write. Before an effect outside this process (creating a HubSpot note,
//      ticket, contact…), find out whether an earlier attempt already made it: a linkage record in
//      SQLite, or — because the crash may have come before that record was written — the upstream
//      system itself, searched by a stable idempotency key derived from the job (e.g. a property
//      holding the conversation id). Create only when neither has it.
//   2. Record what you made as soon as you made it, in SQLite, then continue.
//   3. Prefer writes that are idempotent by nature (update by id, upsert by a unique property,
//      association PUTs) over ones that are not (create).
//   4. Keep payloads to ids and small values. Fetch fresh data inside the handler: never carry
//      conversation text in a payload (DESIGN.md §2, invariant 3); enqueue rejects large payloads.
//   5. Honour ctx.signal: it aborts when shutdown runs out of time or the lease is lost.
//
// test/jobs/crash-recovery.test.ts kills a handler between its upstream effect and its local
// record and shows that a handler written this way produces its effect once.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { JobOutcome } from './outcomes.ts';

interface JobInfo {
  id: number;
  task: string;
  key: string | null;
  connectionId: string | null;
  /** This run's attempt number, starting at 1. */
  attempt: number;
  maxAttempts: number;
}

export interface TaskContext {
  job: JobInfo;
  log: Logger;
  now(): number;
  /** Aborted when the scheduler stops waiting for this run (shutdown timeout, lease lost). */
  signal: AbortSignal;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  run(payload: z.infer<S>, ctx: TaskContext): Promise<JobOutcome | void>;
}

export function defineTask<S extends z.ZodType>(definition: TaskDefinition<S>): TaskDefinition<S> {
  return definition;
}

export type TaskRegistry = ReadonlyMap<string, TaskDefinition>;

export function taskRegistry(tasks: readonly TaskDefinition[]): TaskRegistry {
  const map = new Map<string, TaskDefinition>();
  for (const task of tasks) {
    if (map.has(task.name)) throw new Error(`task '${task.name}' is defined twice`);
    map.set(task.name, task);
  }
  return map;
}
