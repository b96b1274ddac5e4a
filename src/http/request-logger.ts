// Fastify makes a child logger for every request (bindings: its reqId). pino's child runs the
// bindings through the redaction set-up each time (our redact paths have wildcards), ~2 µs and 3.5 %
// of the daemon's CPU during a webhook burst (test/bench/RESULTS.md "ingest") — yet most requests
// write no line at their level. This child is made only when a line is written at an enabled level.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

type LevelValues = Record<string, number>;

/** A class, not an object of closures: one allocation a request on the hot path. */
class LazyChildLogger {
  #child: FastifyBaseLogger | undefined;
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): string {
    // A route's own logLevel (Fastify passes it in the options) wins over the parent's level.
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }

  set level(value: string) {
    this.#real().level = value;
  }

  #write(level: Level, args: unknown[]): void {
    const values = (this.#parent as FastifyBaseLogger & { levels?: { values: LevelValues } }).levels?.values;
    const threshold = values?.[this.level];
    // A level the values do not know ('silent' is Infinity in pino): let the real child decide.
    if (threshold !== undefined && (values?.[level] ?? Infinity) < threshold) return;
    const child = this.#real();
    (child[level] as (...line: unknown[]) => void).apply(child, args);
  }

  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
  // Every method FastifyBaseLogger names is on the class.
  new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
