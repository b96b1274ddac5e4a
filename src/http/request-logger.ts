// Fastify makes a child logger for every request (bindings: its reqId). pino's child runs the
// bindings through the redaction set-up each time (our redact paths have wildcards), ~2 µs and 3.5 %
// of the daemon's CPU during a webhook burst (test/bench/RESULTS.md "ingest") — yet most requests
// write no line at their level. This child is made only when a line is written at an enabled level.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) => {
  let child: FastifyBaseLogger | undefined;
  const real = () => (child ??= logger.child(bindings, options));
  // A route's own logLevel (Fastify passes it here) wins over the parent's level.
  const level = () => child?.level ?? options.level ?? logger.level;
  const values = (logger as FastifyBaseLogger & { levels?: { values: Record<string, number> } }).levels?.values;
  const enabled = (wanted: Level) => {
    const threshold = values?.[level()];
    // A level this logger does not know ('silent' is Infinity in pino): let the real child decide.
    return threshold === undefined || (values?.[wanted] ?? Infinity) >= threshold;
  };
  const lazy: Record<string, unknown> = {
    get level() {
      return level();
    },
    set level(value: string) {
      real().level = value;
    },
    child: (more: Bindings, moreOptions?: ChildLoggerOptions) => real().child(more, moreOptions),
    silent: () => undefined,
  };
  for (const name of LEVELS) {
    lazy[name] = (...args: unknown[]) => {
      if (!enabled(name)) return;
      const target = real();
      (target[name] as (...line: unknown[]) => void).apply(target, args);
    };
  }
  // Every method FastifyBaseLogger names is set above.
  return lazy as unknown as FastifyBaseLogger;
};
