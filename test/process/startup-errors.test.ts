// An operator's mistake stops the process with one plain sentence and a non-zero exit code.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { freePort, runDaemon } from '../helpers/daemon-process.ts';
import { makeDataDir } from '../helpers/server.ts';

const noStackTrace = (text: string) => !/^\s+at .+:\d+:\d+\)?$/m.test(text);

t.test('an invalid config exits 2 and lists every problem by YAML path', async (t) => {
  const dir = makeDataDir(t);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'conections: []\nconnections:\n  - name: a\n    conversations:\n      capture:\n        graceMinutes: -1\n');
  const run = runDaemon({ DATA_DIR: join(dir, 'data') }, ['--config', file]);
  const { code } = await run.exited;
  t.equal(code, 2);
  t.match(run.stderr(), `interhubz: Invalid configuration in ${file}:`);
  t.match(run.stderr(), "conections (line 1): unknown key 'conections' (did you mean 'connections'?)");
  t.match(run.stderr(), 'connections[0].conversations.capture.graceMinutes (line 6): must be a number ≥ 0');
  t.ok(noStackTrace(run.stderr()), 'no stack trace');
});

t.test('INTERHUBZ_CONFIG is read, and an unreadable one is named', async (t) => {
  const dir = makeDataDir(t);
  const run = runDaemon({ DATA_DIR: dir, INTERHUBZ_CONFIG: join(dir, 'nope.yaml') });
  t.equal((await run.exited).code, 2);
  t.match(run.stderr(), `Invalid configuration in ${join(dir, 'nope.yaml')}:\n  - the file does not exist`);
});

t.test('a data dir that cannot be written', async (t) => {
  const dir = makeDataDir(t);
  const notADir = join(dir, 'file');
  writeFileSync(notADir, '');
  const run = runDaemon({ DATA_DIR: join(notADir, 'data'), PORT: String(await freePort()) });
  t.equal((await run.exited).code, 1);
  t.match(run.stderr(), /^interhubz: The data directory .+ cannot be written \(ENOTDIR\)\. Make it writable by the user running Interhubz/);
  t.ok(noStackTrace(run.stderr()));
});

t.test('a port already in use', async (t) => {
  const port = await freePort();
  const blocker = createServer().listen(port, '127.0.0.1');
  t.teardown(() => blocker.close());
  const run = runDaemon({ DATA_DIR: makeDataDir(t), PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: 'long-enough-password' });
  t.equal((await run.exited).code, 1);
  t.match(run.stderr(), `interhubz: Port ${port} on 127.0.0.1 is already in use. Stop the other program or set PORT (server.port) to a free port.`);
  t.ok(noStackTrace(run.stderr()));
});

t.test('a malformed secret key', async (t) => {
  const run = runDaemon({ DATA_DIR: makeDataDir(t), INTERHUBZ_SECRET_KEY: 'hunter2' });
  t.equal((await run.exited).code, 1);
  t.match(run.stderr(), 'INTERHUBZ_SECRET_KEY must be the base64 encoding of exactly 32 random bytes');
});

t.test('a wrong secret key for an existing database', async (t) => {
  const dataDir = makeDataDir(t);
  const env = { DATA_DIR: dataDir, PORT: String(await freePort()), INTERHUBZ_ADMIN_PASSWORD: 'long-enough-password' };
  const first = runDaemon({ ...env, INTERHUBZ_SECRET_KEY: randomBytes(32).toString('base64') });
  await first.waitForStdout(/Interhubz is running/);
  first.child.kill('SIGTERM');
  t.equal((await first.exited).code, 0);

  const second = runDaemon({ ...env, INTERHUBZ_SECRET_KEY: randomBytes(32).toString('base64') });
  t.equal((await second.exited).code, 1);
  t.match(second.stderr(), /^interhubz: The secret key \(key id \w+\) is not the key this database was created with \(key id \w+\)\. Set INTERHUBZ_SECRET_KEY to the original key/);
  t.ok(noStackTrace(second.stderr()));
});

t.test('an admin password shorter than 12 characters stops the start, naming where it came from', async (t) => {
  const fromEnv = runDaemon({ DATA_DIR: makeDataDir(t), PORT: String(await freePort()), INTERHUBZ_ADMIN_PASSWORD: 'elevenchars' });
  t.equal((await fromEnv.exited).code, 2);
  t.match(fromEnv.stderr(), 'INTERHUBZ_ADMIN_PASSWORD (environment variable, sets admin.password): must be at least 12 characters long');

  const dir = makeDataDir(t);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'admin:\n  password: short\n');
  const fromYaml = runDaemon({ DATA_DIR: join(dir, 'data'), PORT: String(await freePort()) }, ['--config', file]);
  t.equal((await fromYaml.exited).code, 2);
  t.match(fromYaml.stderr(), 'admin.password (line 2): must be at least 12 characters long');
  t.ok(noStackTrace(fromYaml.stderr()));
});
