// The README's docker-compose example (section "Several replicas (docker compose)"), run as an
// operator would run it: its files taken verbatim from README.md, its .env made by its own `sh`
// block, `podman-compose up -d` on compose's bridge network. Three replicas of the real image on one
// PostgreSQL database behind nginx: all three ready, an admin's session made through the proxy
// works on every replica (no stickiness), a signed Intercom webhook through the proxy is accepted
// by whichever replica gets it, and with one replica stopped the service still answers.
//
// What the test adjusts, only through what an operator sets: values in .env (the published port,
// PUBLIC_URL, an Intercom app secret) and an override file naming this run's image tag. The
// official postgres:16 and nginx:1.27 images are replaced by local stand-ins when absent (no
// registry here: test/helpers/compose.ts). Slow (a cold build is a few minutes); skipped, naming
// what is missing, when podman or podman-compose is not installed (as README.md says; CI installs both).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ensureStandIn, podmanComposeMissing, podmanConfFile, readmeExample, runCommand, STAND_INS, type CommandResult } from '../helpers/compose.ts';
import { CONTAINER_TOOLS, REPO_ROOT, buildImage, containerToolsPresent, freeHostPort, podmanMissing, waitFor200 } from '../helpers/container.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const SECTION = 'Several replicas (docker compose)';
const REPLICAS = ['interhubz-1', 'interhubz-2', 'interhubz-3'] as const;

const missing = podmanMissing() ?? podmanComposeMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.setTimeout(20 * 60_000);

  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const project = `ihzcompose${id.replace(/[^a-z0-9]/g, '')}`;
  const imageTag = `localhost/interhubz:compose-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-compose-'));
  const env = { ...process.env, CONTAINERS_CONF: podmanConfFile(dir) };
  const podman = (args: string[], timeoutMs?: number) => runCommand('podman', args, { env, ...(timeoutMs ? { timeoutMs } : {}) });
  const compose = (args: string[], timeoutMs = 5 * 60_000) =>
    runCommand('podman-compose', ['-p', project, '-f', 'compose.yaml', '-f', 'test-override.yaml', ...args], { cwd: dir, env, timeoutMs });
  const containerOf = (service: string) => `${project}_${service}_1`;
  const failed = (what: string, result: CommandResult) => new Error(`${what} exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);

  t.teardown(async () => {
    // Anonymous volumes (the image's /data) outlive `down -v`: collected first, removed after.
    const ids = (await podman(['ps', '-a', '-q', '--filter', `label=io.podman.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
    const volumes = new Set<string>();
    for (const container of ids) {
      const mounts = await podman(['inspect', container, '--format', '{{range .Mounts}}{{.Name}} {{end}}']);
      for (const name of mounts.stdout.split(/\s+/).filter(Boolean)) volumes.add(name);
    }
    await compose(['down', '-v', '-t', '5']);
    for (const container of ids) await podman(['rm', '--force', '--time', '0', container]);
    for (const volume of volumes) await podman(['volume', 'rm', '--force', volume]);
    await podman(['network', 'rm', '--force', `${project}_default`]);
    await podman(['rmi', imageTag]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function logsOf(service: string): Promise<string> {
    const result = await podman(['logs', containerOf(service)]);
    return result.stdout + result.stderr;
  }

  async function running(service: string): Promise<boolean> {
    const result = await podman(['inspect', containerOf(service), '--format', '{{.State.Running}}']);
    return result.stdout.trim() === 'true';
  }

  async function addressOf(service: string): Promise<string> {
    const result = await podman(['inspect', containerOf(service), '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}']);
    const address = result.stdout.trim();
    if (result.code !== 0 || address === '') throw failed(`the address of ${service}`, result);
    return address;
  }

  /** The proxy's access log lines (README's `replicas` format) for requests matching `request`. */
  async function proxied(request: RegExp): Promise<Array<{ status: number; upstreams: string[] }>> {
    return (await logsOf('proxy'))
      .split('\n')
      .map((line) => /"(?<request>[^"]*)" (?<status>\d{3}) upstream=(?<upstreams>.*)$/.exec(line)?.groups)
      .filter((groups) => groups !== undefined && request.test(groups.request ?? ''))
      .map((groups) => ({ status: Number(groups?.status), upstreams: (groups?.upstreams ?? '').split(', ').map((upstream) => upstream.replace(/:8080$/, '')) }));
  }

  /** Sets (or adds) one variable of the .env file the README's script made. */
  function setEnv(name: string, value: string): void {
    const path = join(dir, '.env');
    const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith(`${name}=`));
    writeFileSync(path, `${[...lines, `${name}=${value}`].join('\n')}\n`);
  }

  const signed = (body: string, secret: string) => `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;

  t.test('the README compose example: three replicas on PostgreSQL behind nginx', async (t) => {
    t.ok(containerToolsPresent(), `container tools are at ${CONTAINER_TOOLS}`);
    if (!containerToolsPresent()) return;

    // ---- the README's files and .env, as an operator makes them
    const example = readmeExample(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'), SECTION);
    t.same([...example.files.keys()].sort(), ['compose.yaml', 'config.yaml', 'nginx.conf'], 'the section has the compose file, the config file and the proxy config');
    t.equal(example.scripts.length, 1, 'and one script, which makes .env');
    for (const [name, text] of example.files) writeFileSync(join(dir, name), text);
    const made = await runCommand('bash', ['-euc', example.scripts[0] ?? ''], { cwd: dir });
    if (made.code !== 0) throw failed("the README's .env script", made);
    const generated = Object.fromEntries(
      readFileSync(join(dir, '.env'), 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    t.equal(Buffer.from(generated.INTERHUBZ_SECRET_KEY ?? '', 'base64').length, 32, 'the script makes a vault key of 32 random bytes, in base64');

    const port = await freeHostPort();
    const proxy = `http://127.0.0.1:${port}`;
    const intercomSecret = randomBytes(16).toString('hex');
    setEnv('HTTP_PORT', String(port));
    setEnv('PUBLIC_URL', proxy);
    setEnv('INTERCOM_CLIENT_SECRET', intercomSecret);
    // This run's image, under a tag of its own (a concurrent run cannot swap it); otherwise the README's text as it is.
    writeFileSync(join(dir, 'test-override.yaml'), `services:\n${REPLICAS.map((service) => `  ${service}: { image: ${imageTag} }\n`).join('')}`);

    // ---- images: the project's, built once; the official ones' stand-ins when absent
    const started = Date.now();
    // The project's image first: buildImage also makes the node:24-bookworm-slim stand-in (once per
    // machine), which the PostgreSQL and nginx stand-ins are built FROM — on a fresh machine they failed
    // with "image not known" when they came first.
    await buildImage(imageTag);
    for (const standIn of Object.values(STAND_INS)) t.comment(`${standIn.image}: ${await ensureStandIn(standIn, 'podman', env)}`);
    t.comment(`images ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const up = await compose(['up', '-d', '--no-build']);
    if (up.code !== 0) throw failed('podman-compose up -d', up);

    try {
      await t.test('all three replicas are ready, on PostgreSQL, through the proxy and each directly', async (t) => {
        // podman-compose 1.0 starts the replicas without waiting for PostgreSQL's healthcheck: one
        // that could not connect yet exits and its restart policy starts it again (README).
        await waitFor200(`${proxy}/readyz`, 180_000, () => running('proxy'));
        for (const service of REPLICAS) {
          const direct = `http://${await addressOf(service)}:8080/readyz`;
          await waitFor200(direct, 180_000);
          const ready = (await (await fetch(direct)).json()) as { checks: Record<string, string> };
          t.same(ready.checks, { database: 'ok', migrations: 'ok', scheduler: 'ok' }, `${service} answers /readyz directly: ready`);
          t.match(await logsOf(service), /store: PostgreSQL/, `${service} runs on PostgreSQL`);
        }
        // nginx leaves a replica out for 10 s after a request to it failed (max_fails=1,
        // fail_timeout=10s, its defaults): the polls above, made through the proxy while the replicas
        // (re)started, can have done that to one. Ready through the proxy means every replica has
        // answered through it again.
        const addresses = await Promise.all(REPLICAS.map(addressOf));
        const answering = async () => {
          for (let request = 0; request < REPLICAS.length * 2; request++) await fetch(`${proxy}/readyz`).then((r) => r.arrayBuffer(), () => undefined);
          const recent = (await proxied(/^GET \/readyz /)).slice(-REPLICAS.length * 2).filter((entry) => entry.status === 200);
          return new Set(recent.map((entry) => entry.upstreams.at(-1)));
        };
        await until('every replica answering through the proxy', async () => {
          const answered = await answering();
          return addresses.every((address) => answered.has(address)) || undefined;
        }, { timeoutMs: 60_000, explain: async () => JSON.stringify({ addresses, recent: (await proxied(/^GET \/readyz /)).slice(-12) }) });
        t.pass('every replica answers through the proxy');
      });

      const admin = { url: proxy, username: 'admin', password: generated.INTERHUBZ_ADMIN_PASSWORD ?? '' };
      let session: { cookie: string; csrfToken: string } | undefined;

      await t.test('an admin signed in through the proxy is signed in on every replica', async (t) => {
        session = await signIn(admin);
        const api = sessionApi({ url: proxy }, session);
        const before = (await proxied(/^GET \/api\/session /)).length;
        for (let request = 0; request < 6; request++) {
          const answer = await api('GET', '/api/session');
          t.equal(answer.status, 200, `GET /api/session #${request + 1} with the session cookie`);
        }
        const created = await api('POST', '/api/tokens', { name: 'compose-test', scope: 'read' });
        t.equal(created.status, 201, 'a CSRF-checked POST made with the same session');
        const served = (await proxied(/^GET \/api\/session /)).slice(before);
        t.equal(served.length, 6, 'the proxy logged the six requests');
        const addresses = await Promise.all(REPLICAS.map(addressOf));
        const answeredBy = new Set(served.flatMap((entry) => entry.upstreams));
        t.same([...answeredBy].sort(), [...addresses].sort(), 'round robin: every replica answered some of them, all 200');
        t.ok(served.every((entry) => entry.status === 200));
      });

      await t.test('a signed Intercom webhook through the proxy is accepted by any replica; a forged one is not', async (t) => {
        const before = (await proxied(/^POST \/webhooks\/intercom /)).length;
        for (let delivery = 0; delivery < 3; delivery++) {
          const body = JSON.stringify({
            type: 'notification_event',
            id: `notif_compose_${id}_${delivery}`,
            topic: 'conversation.admin.closed',
            app_id: 'compose-test-workspace',
            created_at: Math.floor(Date.now() / 1000),
            data: { item: { type: 'conversation', id: `conv-${delivery}` } },
          });
          const response = await fetch(`${proxy}/webhooks/intercom`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature': signed(body, intercomSecret) },
            body,
          });
          // No connection has this workspace: accepted and counted as unrouted (the signature is what is checked here).
          t.same(await response.json(), { ok: true, accepted: 0, duplicates: 0, unrouted: 1 }, `delivery ${delivery + 1}: 200, signature checked`);
          t.equal(response.status, 200);
        }
        const forgedBody = JSON.stringify({ type: 'notification_event', id: 'notif_forged', topic: 'ping', app_id: 'x', data: {} });
        const forged = await fetch(`${proxy}/webhooks/intercom`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature': signed(forgedBody, 'not-the-secret') },
          body: forgedBody,
        });
        t.equal(forged.status, 401, 'a delivery signed with another secret is refused');
        await forged.arrayBuffer();
        const served = (await proxied(/^POST \/webhooks\/intercom /)).slice(before);
        t.same(
          served.slice(0, 3).map((entry) => entry.status),
          [200, 200, 200],
          'the proxy passed the signed deliveries through, body and signature intact',
        );
        t.equal(new Set(served.slice(0, 3).flatMap((entry) => entry.upstreams)).size, 3, 'each to another replica');
      });

      await t.test('with one replica stopped, the service still answers and the session still works', async (t) => {
        const stoppedAddress = await addressOf('interhubz-2');
        const stopped = await podman(['stop', '--time', '10', containerOf('interhubz-2')], 60_000);
        t.equal(stopped.code, 0, 'podman stop interhubz-2');
        const state = await podman(['inspect', containerOf('interhubz-2'), '--format', '{{.State.Running}} {{.State.ExitCode}}']);
        t.equal(state.stdout.trim(), 'false 0', 'it stopped gracefully on SIGTERM and stays stopped');
        const api = sessionApi({ url: proxy }, session ?? { cookie: '', csrfToken: '' });
        const before = (await proxied(/^GET \/(readyz|api\/session) /)).length;
        for (let request = 0; request < 6; request++) {
          const ready = await fetch(`${proxy}/readyz`);
          t.equal(ready.status, 200, `/readyz #${request + 1} through the proxy`);
          await ready.arrayBuffer();
          t.equal((await api('GET', '/api/session')).status, 200, `the session #${request + 1} through the proxy`);
        }
        const served = (await proxied(/^GET \/(readyz|api\/session) /)).slice(before);
        const finalUpstreams = served.map((entry) => entry.upstreams.at(-1));
        t.ok(served.length === 12 && served.every((entry) => entry.status === 200), 'the proxy answered all twelve with 200');
        t.notOk(finalUpstreams.includes(stoppedAddress), 'none of them by the stopped replica');
        t.equal(new Set(finalUpstreams).size, 2, 'the two replicas left share them');
      });
    } catch (error) {
      for (const service of ['postgres', ...REPLICAS, 'proxy']) t.comment(`--- logs of ${service}:\n${(await logsOf(service)).split('\n').slice(-30).join('\n')}`);
      throw error;
    }
    if (!t.passing()) {
      for (const service of ['postgres', ...REPLICAS, 'proxy']) t.comment(`--- logs of ${service}:\n${(await logsOf(service)).split('\n').slice(-30).join('\n')}`);
    }
  });
}
