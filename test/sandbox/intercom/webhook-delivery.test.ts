// The webhook engine on its own, driven by an injected heartbeat and random source and a frozen
// clock: when Intercom retries a failed delivery (intercom-api.md §2.6, D-wh-models "Handling Webhook
// notifications": no answer within 5 s, or an error, is retried once after 1 minute), and how the
// per-notification fault rates (drop, duplicate, reorder) shape what arrives.
import { createServer } from 'node:http';
import t from 'tap';
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { createIdSource } from '../../../src/sandbox/shared/ids.ts';
import { createCore } from '../../../src/sandbox/intercom/core.ts';
import { createWebhooks, DEFAULT_WEBHOOK_SETTINGS, type WebhookDeps, type WebhookSettings } from '../../../src/sandbox/intercom/webhooks.ts';
import { freePort } from '../../helpers/daemon-process.ts';
import { startHarness, T0 } from './helpers.ts';

type Teardownable = { teardown(fn: () => unknown): void };

/** An endpoint answering with the scripted statuses (then 200); records each notification's body. */
async function endpoint(t: Teardownable, script: number[] = []) {
  const received: Array<{ id: string | null; topic: string; attempts: number; itemId: unknown }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ id: json.id, topic: json.topic, attempts: json.delivery_attempts, itemId: json.data?.item?.id });
      res.writeHead(script.shift() ?? 200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`, received };
}

/** The engine with a frozen clock, a heartbeat the test fires by hand and scripted random draws. */
function engine(t: Teardownable, settings: Partial<WebhookSettings> = {}, draws: number[] = []) {
  const clock = createSimClock(T0);
  const core = createCore(clock, createIdSource(), 0);
  const app = core.make.createApp({});
  const workspace = core.make.createWorkspace({ appId: app.id });
  const ticks: Array<() => void> = [];
  const deps: WebhookDeps = {
    random: () => draws.shift() ?? 0.999,
    every: (_ms, tick) => {
      ticks.push(tick);
      return () => void ticks.splice(ticks.indexOf(tick), 1);
    },
  };
  const webhooks = createWebhooks(core, { ...DEFAULT_WEBHOOK_SETTINGS, validateUrl: false, ...settings }, deps);
  t.teardown(() => webhooks.close());
  let n = 0;
  return {
    clock, webhooks, app, workspaceId: workspace.id,
    /** One event on the workspace, as a conversation change would make. */
    emit(topic = 'conversation.admin.closed') {
      n += 1;
      core.emit({ topic, workspaceId: workspace.id, item: { type: 'conversation', id: String(n) }, createdAt: Math.floor(clock.now() / 1000) });
      return String(n);
    },
    /** One beat of the heartbeat, then waits for what it sent. */
    async beat() {
      for (const tick of ticks) tick();
      await webhooks.idle();
    },
  };
}

t.test('a failed delivery is retried by the heartbeat once the clock has moved a minute, and only once', async (t) => {
  const hook = await endpoint(t, [503, 503]);
  const e = engine(t);
  await e.webhooks.subscribe(e.app.id, hook.url, ['conversation.admin.closed']);
  e.emit();
  await e.beat();
  t.equal(hook.received.length, 1, 'the first attempt');
  e.clock.advance(59_999);
  await e.beat();
  t.equal(hook.received.length, 1, 'no retry before a minute has passed');
  e.clock.advance(1);
  await e.beat();
  t.equal(hook.received.length, 2, 'the retry at one minute');
  t.same(hook.received.map((r) => r.attempts), [1, 2]);
  t.equal(hook.received[1]?.id, hook.received[0]?.id, 'the retry is the same notification');
  t.same(e.webhooks.attempts().map((a) => a.at - Math.floor(T0 / 1000)), [0, 60], 'attempts at 0 s and 60 s on the simulator clock');
  e.clock.advance(3_600_000);
  await e.beat();
  t.equal(hook.received.length, 2, 'no third attempt');
  t.equal(e.webhooks.notifications()[0]?.status, 'failed');
});

t.test('a refused connection (the receiver is down) is retried once after a minute, and delivered then', async (t) => {
  const port = await freePort();
  const e = engine(t);
  await e.webhooks.subscribe(e.app.id, `http://127.0.0.1:${port}/hooks`, ['conversation.admin.closed']);
  e.emit();
  await e.beat();
  t.match(e.webhooks.attempts(), [{ outcome: 'network_error', attempt: 1 }]);
  // The receiver comes back on the same port before the retry.
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.method ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  e.clock.advance(30_000);
  await e.beat();
  t.equal(received.length, 0, 'not after half a minute');
  e.clock.advance(30_000);
  await e.beat();
  t.same(received, ['POST']);
  t.equal(e.webhooks.notifications()[0]?.status, 'delivered');
});

t.test('no answer within the timeout is a failed delivery, retried after a minute', async (t) => {
  const held: Array<() => void> = [];
  const server = createServer((req, res) => {
    req.resume();
    // The first request never gets an answer; later ones do.
    if (held.length === 0) held.push(() => res.destroy());
    else res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    held.forEach((release) => release());
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  const e = engine(t, { timeoutMs: 2000 });
  await e.webhooks.subscribe(e.app.id, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, ['conversation.admin.closed']);
  e.emit();
  await e.beat();
  t.match(e.webhooks.attempts(), [{ outcome: 'timeout' }]);
  e.clock.advance(60_000);
  await e.beat();
  t.match(e.webhooks.attempts(), [{ outcome: 'timeout' }, { outcome: 'delivered', status: 200, attempt: 2 }]);
});

t.test('fault rates: each notification draws once; drop, duplicate and reorder take their slices', async (t) => {
  const hook = await endpoint(t);
  // Rates 0.1 / 0.1 / 0.1: a draw below 0.1 drops, below 0.2 duplicates, below 0.3 reorders.
  const e = engine(t, { faultRates: { drop: 0.1, duplicate: 0.1, reorder: 0.1 } }, [0.05, 0.15, 0.25, 0.5]);
  await e.webhooks.subscribe(e.app.id, hook.url, ['conversation.admin.closed']);
  const dropped = e.emit();
  const duplicated = e.emit();
  const reordered = e.emit();
  const plain = e.emit();
  await e.beat();
  t.same(hook.received.map((r) => r.itemId), [duplicated, duplicated, plain, reordered], 'the dropped one never comes; the reordered one comes after a later one');
  t.equal(hook.received[0]?.id, hook.received[1]?.id, 'a duplicate carries the same notification id');
  t.same(e.webhooks.notifications().map((n) => [n.item.id, n.status, n.fault]), [
    [dropped, 'dropped', 'drop'], [duplicated, 'delivered', 'duplicate'], [duplicated, 'delivered', 'duplicate'], [reordered, 'delivered', 'reorder'], [plain, 'delivered', null],
  ]);
});

t.test('a reordered notification with nothing after it goes out once it has waited reorderHoldSeconds', async (t) => {
  const hook = await endpoint(t);
  const e = engine(t, { faultRates: { drop: 0, duplicate: 0, reorder: 1 }, reorderHoldSeconds: 10 });
  await e.webhooks.subscribe(e.app.id, hook.url, ['conversation.admin.closed']);
  e.emit();
  await e.beat();
  t.equal(hook.received.length, 0, 'held back');
  e.clock.advance(9_000);
  await e.beat();
  t.equal(hook.received.length, 0, 'still held');
  e.clock.advance(1_000);
  await e.beat();
  t.equal(hook.received.length, 1, 'released at the hold limit');
});

t.test('setFaultRates changes only the rates given; pings never draw a fault', async (t) => {
  const hook = await endpoint(t);
  const e = engine(t, {}, [0]);
  await e.webhooks.subscribe(e.app.id, hook.url, ['conversation.admin.closed']);
  t.same(e.webhooks.setFaultRates({ drop: 1 }), { drop: 1, duplicate: 0, reorder: 0 });
  t.same(e.webhooks.setFaultRates({ duplicate: 0.5, drop: undefined }), { drop: 1, duplicate: 0.5, reorder: 0 });
  e.webhooks.ping(e.app.id, e.workspaceId);
  await e.beat();
  t.same(hook.received.map((r) => r.topic), ['ping'], 'the ping went out despite a drop rate of 1');
});

t.test('the control API sets the rates over HTTP (PUT /_sim/webhooks/fault-rates) and rejects a rate above 1', async (t) => {
  const h = await startHarness(t);
  const put = (body: unknown) => fetch(`${h.url}/_sim/webhooks/fault-rates`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await put({ drop: 0.1, duplicate: 0.02 });
  t.equal(ok.status, 200);
  t.same(await ok.json(), { drop: 0.1, duplicate: 0.02, reorder: 0 });
  t.equal((await put({ drop: 1.5 })).status, 400);
  t.same(h.sim.control.webhooks.setFaultRates({}), { drop: 0.1, duplicate: 0.02, reorder: 0 }, 'the rejected body changed nothing');
});
