// Waiting in tests for what the daemon does in the background (a job, a webhook, a note in the
// simulator): polls until `probe` gives a truthy value; a timeout names what it waited for and,
// when given, what `explain` shows of the state at that moment.
export async function until<T>(what: string, probe: () => T | Promise<T>, options: { timeoutMs?: number; explain?: () => unknown } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.explain ? `: ${String(await options.explain())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
