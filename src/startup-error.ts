/**
 * An operator's mistake found at start (bad config, unwritable data dir, port in use, wrong key).
 * main prints `message` as plain sentences, without a stack trace, and exits with `exitCode`.
 */
export class StartupError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.exitCode = exitCode;
  }
}

/** Invalid configuration: exit code 2, one line per problem. */
export class ConfigError extends StartupError {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 2);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
