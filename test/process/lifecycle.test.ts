import t from 'tap';
import { freePort, runDaemon } from '../helpers/daemon-process.ts';
import { makeDataDir } from '../helpers/server.ts';

t.test('first start generates an admin password, prints it once, and it keeps working', async (t) => {
  const dataDir = makeDataDir(t);
  const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
  const first = runDaemon(env);
  const line = await first.waitForStdout(/Generated the admin password: (\S+)/);
  const password = line.replace('Generated the admin password: ', '');
  const url = (await first.waitForStdout(/open http:\/\/\S+"/)).slice(5, -1);
  const signIn = async () =>
    (await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).status;
  t.equal(await signIn(), 200);
  first.child.kill('SIGTERM');
  t.equal((await first.exited).code, 0);

  const second = runDaemon(env);
  await second.waitForStdout(/Interhubz is running/);
  t.notMatch(second.stdout(), /Generated the admin password/, 'not printed again');
  t.notMatch(second.stdout(), password, 'the password appears nowhere in the second start\'s log');
  t.equal(await signIn(), 200, 'the generated password survives the restart');
  second.child.kill('SIGINT');
  t.equal((await second.exited).code, 0, 'SIGINT also shuts down cleanly');
});

t.test('SIGTERM: stops accepting, lets an in-flight request finish, closes the database, exits 0', async (t) => {
  const port = await freePort();
  const run = runDaemon({ DATA_DIR: makeDataDir(t), PORT: String(port), INTERHUBZ_ADMIN_PASSWORD: 'pw-long-enough-1' });
  await run.waitForStdout(/Interhubz is running/);
  const url = `http://127.0.0.1:${port}`;

  // A request whose body is still arriving when the signal comes.
  let sendRest: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"username":"admin",'));
      sendRest = () => {
        controller.enqueue(new TextEncoder().encode('"password":"pw-long-enough-1"}'));
        controller.close();
      };
    },
  });
  const inFlight = fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  await new Promise((resolve) => setTimeout(resolve, 200));
  run.child.kill('SIGTERM');
  await run.waitForStdout(/shutting down/);
  const refused = await fetch(`${url}/healthz`).then((r) => r.status, () => 'refused');
  t.ok(refused === 'refused' || refused === 503, `a new request is not served (${refused})`);
  sendRest?.();
  const response = await inFlight;
  t.equal(response.status, 200, 'the in-flight request completed');
  const exit = await run.exited;
  t.equal(exit.code, 0);
  t.match(run.stdout(), /stopped cleanly/);
});
