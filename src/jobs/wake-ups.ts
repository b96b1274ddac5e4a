// How the job queue wakes the scheduler without either being built around the other: the queue
// raises, the scheduler listens from its constructor. The queue exists first (feature tasks need
// it), the scheduler second (it needs those tasks); a wake-up raised before the scheduler listens
// has nothing to wake and is dropped, as a wake-up is before the scheduler starts.
export interface WakeUps {
  /** A job became due at `runAt`. */
  raise(runAt: number): void;
  listen(listener: (runAt: number) => void): void;
}

export function createWakeUps(): WakeUps {
  const listeners: Array<(runAt: number) => void> = [];
  return {
    raise(runAt) {
      for (const listener of listeners) listener(runAt);
    },
    listen(listener) {
      listeners.push(listener);
    },
  };
}
