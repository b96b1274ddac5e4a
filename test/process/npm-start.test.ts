// Issue #14 item 13: `npm start` leaves the daemon as the process that receives signals. npm runs
// the script through `sh -c` and forwards SIGTERM to that shell; the script ends in `exec`, so the
// shell has become the daemon by then. Without it the shell died and `node src/main.ts` kept the port.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import t from 'tap';
import { freePort, REPO_ROOT } from '../helpers/daemon-process.ts';
import { makeDataDir } from '../helpers/server.ts';

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

t.test('SIGTERM to the npm start process stops the daemon and frees the port', { timeout: 180_000 }, async (t) => {
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: makeDataDir(t), PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: 'long-enough-password', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.on('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  npm.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    npm.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Interhubz is running')) resolve();
    });
    void exited.then(() => reject(new Error(`npm start exited early:\n${out}\n${err}`)));
  });
  t.equal(await portIsFree(port), false, 'the daemon holds the port');

  npm.kill('SIGTERM');
  await exited;
  // The daemon logs its clean stop before it exits; npm exits only after its child has.
  t.match(out, /stopped cleanly/, 'the daemon itself received the signal and shut down');
  t.equal(await portIsFree(port), true, 'the port is free once npm has exited');
});
