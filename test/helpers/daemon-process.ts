// Runs `node src/main.ts` as a real child process, as an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DaemonProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function runDaemon(env: Record<string, string>, args: string[] = [], cwd = REPO_ROOT): DaemonProcess {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (!match) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match[0]);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          check();
          if (listeners.has(check)) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited before ${pattern}; stdout: ${out}\nstderr: ${err}`));
          }
        });
        check();
      });
    },
  };
}

export async function freePort(options: { anyInterface?: boolean } = {}): Promise<number> {
  // Below Linux's ephemeral range (32768–60999 by default, /proc/sys/net/ipv4/ip_local_port_range):
  // a port the kernel hands out for listen(0) is also handed to the next outgoing connection, so
  // between this check and the daemon's listen another test's client socket could take it (a CI
  // run lost a replica to "port already in use" that way). Here only another random pick can.
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.unref();
      const listening = () => server.close(() => resolve(true));
      if (options.anyInterface) server.listen(port, listening);
      else server.listen(port, '127.0.0.1', listening);
    });
    if (free) return port;
    if (attempt >= 50) throw new Error('no free port between 20000 and 32000');
  }
}
