// The real Dockerfile, built and run with podman as an operator would run it: detached, with a
// named volume for /data. It must serve /healthz, run as a non-root user, generate its secret key
// into the volume with mode 0600, stop gracefully on SIGTERM (exit 0 within `podman stop -t 10`),
// and come back on the same volume with its database and key intact: an API token made before the
// restart still authenticates after it, in a new container.
// Slow (a cold build is a few minutes); skipped only when podman itself is not installed.
import { createHash, randomBytes } from 'node:crypto';
import t from 'tap';
import {
  CONTAINER_TOOLS,
  buildImage,
  containerToolsPresent,
  freeHostPort,
  podman,
  podmanOk,
  podmanMissing,
  waitFor200,
} from '../helpers/container.ts';

const missing = podmanMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.setTimeout(15 * 60_000);

  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const volume = `interhubz-test-data-${id}`;
  // A tag of its own, so that a concurrent run from another work tree cannot swap the image under
  // this one; removed afterwards (the build cache stays, so the next build is quick).
  const IMAGE_TAG = `localhost/interhubz:test-${id}`;
  const containers: string[] = [];
  const password = `pw-${randomBytes(12).toString('base64url')}`;

  t.teardown(async () => {
    for (const name of containers) await podman(['rm', '--force', '--time', '0', name]);
    await podman(['volume', 'rm', '--force', volume]);
    await podman(['rmi', IMAGE_TAG]);
  });

  /** Starts a container of the image on the shared volume and waits until it is healthy. */
  async function startContainer(t: { comment: (...args: unknown[]) => void }, name: string, port: number, env: readonly string[] = []): Promise<string> {
    containers.push(name);
    await podmanOk([
      'run', '--detach', '--name', name,
      '--env', `PORT=${port}`,
      '--env', `INTERHUBZ_ADMIN_PASSWORD=${password}`,
      ...env.flatMap((pair) => ['--env', pair]),
      '--volume', `${volume}:/data`,
      IMAGE_TAG,
    ]);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor200(`${base}/healthz`, 60_000, async () => (await state(name)).running);
      await waitFor200(`${base}/readyz`, 30_000, async () => (await state(name)).running);
    } catch (error) {
      t.comment(`container logs of ${name}:\n${await logs(name)}`);
      throw error;
    }
    return base;
  }

  async function state(name: string): Promise<{ running: boolean; exitCode: number }> {
    const out = await podmanOk(['inspect', name, '--format', '{{.State.Running}} {{.State.ExitCode}}']);
    const [running, exitCode] = out.trim().split(' ');
    return { running: running === 'true', exitCode: Number(exitCode) };
  }

  async function logs(name: string): Promise<string> {
    const result = await podman(['logs', name]);
    return (result.stdout + result.stderr).split('\n').slice(-40).join('\n');
  }

  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  t.test('the image builds, runs as non-root, keeps its state in the volume and stops on SIGTERM', async (t) => {
    t.ok(containerToolsPresent(), `container tools are at ${CONTAINER_TOOLS}`);
    if (!containerToolsPresent()) return;

    const started = Date.now();
    await buildImage(IMAGE_TAG);
    t.comment(`image built in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE_TAG])) as {
      Config: {
        Env?: string[];
        Cmd?: string[];
        Entrypoint?: string[] | null;
        User?: string;
        ExposedPorts?: Record<string, unknown>;
        Volumes?: Record<string, unknown>;
        Healthcheck?: { Test?: string[] };
      };
      Healthcheck?: { Test?: string[] };
    }[];
    const config = inspected?.Config ?? {};
    const healthcheck = inspected?.Healthcheck ?? config.Healthcheck;
    t.same(config.Cmd, ['node', '--expose-gc', '--max-semi-space-size=16', 'src/main.js'], 'exec-form CMD: node itself is PID 1 and gets SIGTERM (with the memory options, issue #19)');
    t.notOk(config.Entrypoint?.length, 'no entrypoint wrapper between the runtime and node');
    for (const env of ['HOST=0.0.0.0', 'PORT=8080', 'DATA_DIR=/data', 'NODE_ENV=production']) {
      t.ok(config.Env?.includes(env), `image sets ${env}`);
    }
    t.ok(config.User && !/^(root|0)(:|$)/.test(config.User), `image user is not root (${config.User})`);
    t.match(healthcheck?.Test?.join(' ') ?? '', /^CMD node -e .*\/healthz/, 'image has a HEALTHCHECK that runs node against /healthz');
    t.ok(config.ExposedPorts && '8080/tcp' in config.ExposedPorts, 'image exposes 8080');
    t.ok(config.Volumes && '/data' in config.Volumes, '/data is a volume');

    // ---- first start: fresh volume
    const first = `interhubz-test-${id}-a`;
    const port = await freeHostPort();
    // At debug, to see the start-up's memory given back (src/idle-memory.ts: gc() is exposed by the CMD).
    const base = await startContainer(t, first, port, ['LOG_LEVEL=debug']);
    t.same(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' }, '/healthz answers {"status":"ok"}');
    let released: { youngMbBefore?: number; youngMbAfter?: number } | undefined;
    for (const deadline = Date.now() + 20_000; !released && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 250))) {
      const line = (await podman(['logs', first])).stdout.split('\n').find((entry) => entry.includes('"msg":"gave idle memory back"'));
      if (line) released = JSON.parse(line) as typeof released;
    }
    t.ok(released && released.youngMbAfter! < released.youngMbBefore!, `the daemon gives the start-up's young generation back once quiet: ${JSON.stringify(released)}`);

    // The image runs a bundle (scripts/bundle.ts): files found relative to the code and chunks
    // imported on first use must be where the bundled code looks for them (/readyz covered migrations/).
    const page = await fetch(`${base}/`);
    t.equal(page.status, 200, 'the admin UI answers /');
    t.match(page.headers.get('content-type') ?? '', /^text\/html/, 'with ui/dist/index.html');
    await page.arrayBuffer();
    // No configuration, so the built-in sandbox is on; its simulators are a chunk imported by the first request.
    const simulated = await fetch(`${base}/sandbox/intercom/me`);
    t.equal(simulated.status, 401, 'the Intercom simulator, loaded on first use, answers a request without a token');
    t.match(await simulated.json(), { type: 'error.list' }, 'in its own (Intercom) error shape');

    const uid = (await podmanOk(['exec', first, 'id', '-u'])).trim();
    t.not(uid, '0', `processes in the container run as uid ${uid}, not root`);
    const top = await podman(['top', first, 'user', 'args']);
    if (top.code === 0) {
      const nodeLine = top.stdout.split('\n').find((line) => line.includes('src/main.js')) ?? '';
      t.match(nodeLine, /src\/main\.js/, 'podman top shows the daemon process');
      t.notMatch(nodeLine, /^\s*root\s/, `the daemon process is not root's: ${nodeLine.trim()}`);
    }

    const health = await podman(['healthcheck', 'run', first]);
    t.equal(health.code, 0, `the image's HEALTHCHECK passes (${(health.stdout + health.stderr).trim() || 'healthy'})`);

    // sign in and make an API token
    const login = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    t.equal(login.status, 200, 'admin signs in with INTERHUBZ_ADMIN_PASSWORD');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    t.ok(cookie && csrfToken, 'session cookie and CSRF token');

    const created = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'container-test', scope: 'read' }),
    });
    t.equal(created.status, 201, 'API token created');
    const { secret, token } = (await created.json()) as { secret: string; token: { id: unknown; name: string } };
    t.equal(token.name, 'container-test', 'the token has the name it was given');
    const bearer = { authorization: `Bearer ${secret}` };
    t.equal((await fetch(`${base}/api/connections`, { headers: bearer })).status, 200, 'the token authenticates');
    t.equal(
      (await fetch(`${base}/api/connections`, { headers: { authorization: `Bearer ${secret}x` } })).status,
      401,
      'a wrong token does not',
    );

    // the generated key and the database live in the volume
    const listing = await podmanOk(['exec', first, 'ls', '-ln', '/data/secret.key', '/data/interhubz.db']);
    const keyLine = listing.split('\n').find((line) => line.endsWith('/data/secret.key')) ?? '';
    t.match(keyLine, /^-rw------- +\d+ +1000 +1000 /, `secret.key is mode 0600 and owned by the runtime user: ${keyLine}`);
    t.match(listing, /\/data\/interhubz\.db/, 'the database is in /data');
    const keyHash = sha256(await podmanOk(['exec', first, 'cat', '/data/secret.key']));

    // graceful stop on SIGTERM
    const stopStarted = Date.now();
    const stop = await podman(['stop', '--time', '10', first], 60_000);
    const stopMs = Date.now() - stopStarted;
    t.equal(stop.code, 0, 'podman stop succeeded');
    t.ok(stopMs < 10_000, `stopped within the 10 s grace period (${stopMs} ms), not killed`);
    const stopped = await state(first);
    t.equal(stopped.running, false, 'the container is stopped');
    t.equal(stopped.exitCode, 0, 'the daemon exited 0 on SIGTERM');
    if (stopped.exitCode !== 0) t.comment(`container logs of ${first}:\n${await logs(first)}`);
    await podmanOk(['rm', first]);

    // ---- second start: a new container on the same volume
    const second = `interhubz-test-${id}-b`;
    const base2 = await startContainer(t, second, await freeHostPort());
    t.equal(
      sha256(await podmanOk(['exec', second, 'cat', '/data/secret.key'])),
      keyHash,
      'the secret key in the volume is the one generated on the first start',
    );
    t.equal((await fetch(`${base2}/api/connections`, { headers: bearer })).status, 200, 'the API token made before the restart still authenticates');
    // Tokens are listed to a session only; the session made before the restart is in the volume too.
    const after = await fetch(`${base2}/api/tokens`, { headers: { cookie } });
    t.equal(after.status, 200, 'the session made before the restart still works');
    const { tokens } = (await after.json()) as { tokens: { name: string }[] };
    t.ok(tokens.some((tk) => tk.name === 'container-test'), 'and the token list still has it');

    const stop2 = await podman(['stop', '--time', '10', second], 60_000);
    t.equal(stop2.code, 0, 'second container stops');
    t.equal((await state(second)).exitCode, 0, 'and exits 0');
  });
}
