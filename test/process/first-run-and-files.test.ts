// Issue #14 items 9 and 13, with the real process: file modes whatever the umask, a lost key is not
// replaced, a port in use does not use up the generated password, and every password source
// survives a restart the same way.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { freePort, REPO_ROOT, runDaemon } from '../helpers/daemon-process.ts';
import { makeDataDir } from '../helpers/server.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

async function signInStatus(port: number, password: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  return response.status;
}

t.test('umask 000: the data directory is 0700, the database, WAL, SHM and key 0600', async (t) => {
  const dataDir = join(makeDataDir(t), 'data');
  const port = await freePort();
  const child = spawn('/bin/sh', ['-c', `umask 000; exec "${process.execPath}" src/main.ts`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: 'long-enough-password', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Interhubz is running')) resolve();
    });
    void exited.then(() => reject(new Error(`exited early: ${out}`)));
  });
  t.equal(mode(dataDir), 0o700, 'data directory');
  for (const file of ['interhubz.db', 'interhubz.db-wal', 'interhubz.db-shm', 'secret.key']) {
    t.equal(mode(join(dataDir, file)), 0o600, file);
  }
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('a missing secret.key next to an existing database stops the start before a new key is written', async (t) => {
  const dataDir = makeDataDir(t);
  const env = { DATA_DIR: dataDir, PORT: String(await freePort()), INTERHUBZ_ADMIN_PASSWORD: 'long-enough-password' };
  const first = runDaemon(env);
  await first.waitForStdout(/Interhubz is running/);
  first.child.kill('SIGTERM');
  t.equal((await first.exited).code, 0);

  rmSync(join(dataDir, 'secret.key'));
  const second = runDaemon(env);
  t.equal((await second.exited).code, 1);
  t.match(second.stderr(), /^interhubz: The database .+interhubz\.db exists but its secret key is missing: .+secret\.key does not exist and INTERHUBZ_SECRET_KEY is not set\. Put the original secret\.key back/);
  t.notOk(existsSync(join(dataDir, 'secret.key')), 'no new key was written');
});

t.test('a port in use on the first start does not use up the generated password', async (t) => {
  const dataDir = makeDataDir(t);
  const port = await freePort();
  const blocker = createServer().listen(port, '127.0.0.1');
  await new Promise((resolve) => blocker.once('listening', resolve));
  const blocked = runDaemon({ DATA_DIR: dataDir, PORT: String(port) });
  t.equal((await blocked.exited).code, 1);
  t.notMatch(blocked.stdout(), /Generated the admin password/, 'no password shown for a start that failed');
  await new Promise((resolve) => blocker.close(resolve));

  const next = runDaemon({ DATA_DIR: dataDir, PORT: String(port) });
  const line = await next.waitForStdout(/Generated the admin password: (\S+)/);
  await next.waitForStdout(/Interhubz is running/);
  t.equal(await signInStatus(port, line.replace('Generated the admin password: ', '')), 200, 'the next start generates and shows one that works');
  next.child.kill('SIGTERM');
  t.equal((await next.exited).code, 0);
});

t.test('INTERHUBZ_ADMIN_PASSWORD behaves like a generated password: removing it keeps it, setting it again replaces it', async (t) => {
  const dataDir = makeDataDir(t);
  const port = await freePort();
  const start = async (password?: string) => {
    const run = runDaemon({ DATA_DIR: dataDir, PORT: String(port), ...(password ? { INTERHUBZ_ADMIN_PASSWORD: password } : {}) });
    await run.waitForStdout(/Interhubz is running/);
    return run;
  };
  const stop = async (run: ReturnType<typeof runDaemon>) => {
    run.child.kill('SIGTERM');
    t.equal((await run.exited).code, 0);
  };

  let run = await start('first-chosen-password');
  t.equal(await signInStatus(port, 'first-chosen-password'), 200);
  await stop(run);

  run = await start();
  t.notMatch(run.stdout(), /Generated the admin password/, 'no new password is generated');
  t.equal(await signInStatus(port, 'first-chosen-password'), 200, 'the stored password still works without the variable');
  await stop(run);

  run = await start('second-chosen-password');
  t.equal(await signInStatus(port, 'second-chosen-password'), 200, 'setting the variable again resets the password');
  t.equal(await signInStatus(port, 'first-chosen-password'), 401, 'the old one no longer works');
  await stop(run);
});
