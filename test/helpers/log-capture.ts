// Collects the daemon's pino lines in memory, so a test can read exactly what an operator's log would hold.
export interface LogCapture {
  write(line: string): void;
  text(): string;
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  return {
    write(line) {
      lines.push(line);
    },
    text: () => lines.join(''),
    entries: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
