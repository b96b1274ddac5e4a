// Handler durations per task, for /metrics and the UI: counts, totals and recent percentiles.

const SAMPLES = 512;

export interface TaskDurations {
  count: number;
  totalMs: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HandlerStats {
  record(task: string, ms: number): void;
  snapshot(): Record<string, TaskDurations>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function createHandlerStats(): HandlerStats {
  const byTask = new Map<string, { count: number; totalMs: number; maxMs: number; recent: number[]; next: number }>();
  return {
    record(task, ms) {
      const entry = byTask.get(task) ?? { count: 0, totalMs: 0, maxMs: 0, recent: [], next: 0 };
      entry.count += 1;
      entry.totalMs += ms;
      entry.maxMs = Math.max(entry.maxMs, ms);
      entry.recent[entry.next] = ms;
      entry.next = (entry.next + 1) % SAMPLES;
      byTask.set(task, entry);
    },
    snapshot() {
      return Object.fromEntries(
        [...byTask].map(([task, entry]) => {
          const sorted = [...entry.recent].sort((a, b) => a - b);
          return [task, { count: entry.count, totalMs: entry.totalMs, maxMs: entry.maxMs, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) }];
        }),
      );
    },
  };
}
