// Event jobs carrying several deliveries (src/webhooks/event-tasks.ts): every event's reactions run
// in order; an event that cannot finish goes on as a job of its own while the rest carry on; a wait
// for the connection or the vendor holds the whole batch; a shutdown stops it as a whole.
import pino from 'pino';
import t from 'tap';
import type { EnqueueSpec } from '../../src/jobs/queue.ts';
import { RetryAfterError } from '../../src/jobs/outcomes.ts';
import type { TaskContext } from '../../src/jobs/task.ts';
import { eventTasks, type EventReaction } from '../../src/webhooks/event-tasks.ts';

const event = (deliveryId: number, objectId: string) => ({ deliveryId, topic: 'conversation.user.replied', objectId, occurredAt: 1 });

function setup(react: EventReaction['react'], connection: (id: string) => Promise<undefined> = async () => undefined) {
  const enqueued: EnqueueSpec[] = [];
  const jobs = {
    async enqueue(spec: EnqueueSpec) {
      enqueued.push(spec);
      return { id: enqueued.length, result: 'inserted' as const, runAt: 0, status: 'queued' as const };
    },
    cancelByKey: async () => 0,
    wake: () => undefined,
  };
  const reaction: EventReaction = { name: 'test', provider: 'intercom', topics: ['conversation.user.replied'], react };
  const task = eventTasks([reaction], { jobs, connection }).find((candidate) => candidate.name === 'intercom.event');
  if (!task) throw new Error('no intercom.event task');
  const controller = new AbortController();
  const ctx: TaskContext = {
    job: { id: 1, task: 'intercom.event', key: null, connectionId: 'c1', attempt: 1, maxAttempts: 5 },
    log: pino({ level: 'silent' }),
    now: () => 0,
    signal: controller.signal,
  };
  const run = (payload: unknown) => task.run(task.payload.parse(payload), ctx);
  return { run, enqueued, controller };
}

t.test('each event of a batch reacts once, in order', async (t) => {
  const seen: string[] = [];
  const { run, enqueued } = setup(async (e) => {
    seen.push(`${e.connectionId}:${e.objectId}`);
  });
  t.equal(await run({ events: [event(1, 'a'), event(2, 'b'), event(3, 'c')] }), undefined, 'done');
  t.same(seen, ['c1:a', 'c1:b', 'c1:c']);
  t.same(enqueued, []);
  t.equal(await run(event(4, 'd')), undefined, 'a single event as before');
  t.same(seen.at(-1), 'c1:d');
});

t.test('an event that throws or asks for a retry goes on as a job of its own; the others are not held up', async (t) => {
  const seen: string[] = [];
  const { run, enqueued } = setup(async (e) => {
    seen.push(e.objectId ?? '');
    if (e.objectId === 'b') throw new Error('the database is locked');
    if (e.objectId === 'c') return { type: 'fail', reason: 'no such conversation' };
    return undefined;
  });
  t.equal(await run({ events: [event(1, 'a'), event(2, 'b'), event(3, 'c'), event(4, 'd')] }), undefined, 'the batch itself is done');
  t.same(seen, ['a', 'b', 'c', 'd'], 'every event ran');
  t.same(enqueued, [
    { task: 'intercom.event', payload: event(2, 'b'), connectionId: 'c1' },
    { task: 'intercom.event', payload: event(3, 'c'), connectionId: 'c1' },
  ], 'the two that did not finish, each as its own job (its own attempts and failure)');
  // A single event's outcome is the job's, as before the batches.
  t.match(await run(event(5, 'c')), { type: 'fail', reason: 'no such conversation' });
});

t.test('a rate limit or a refused credential holds the whole batch: it runs again later, from the start', async (t) => {
  for (const [name, hold] of [
    ['rate limit', () => Promise.reject(new RetryAfterError(5_000, 'Intercom 429'))],
    ['re-authorise', async () => ({ type: 'park' as const, reason: 'token revoked' })],
  ] as const) {
    const seen: string[] = [];
    const { run, enqueued } = setup(async (e) => {
      seen.push(e.objectId ?? '');
      if (e.objectId === 'b') return hold();
      return undefined;
    });
    const result = await run({ events: [event(1, 'a'), event(2, 'b'), event(3, 'c')] });
    t.match(result, { type: name === 'rate limit' ? 'retry_after' : 'park' }, name);
    t.same(seen, ['a', 'b'], `${name}: the events after it wait with it`);
    t.same(enqueued, [], `${name}: nothing split off`);
  }
});

t.test('a shutdown during a batch stops it as a whole', async (t) => {
  const { run, enqueued, controller } = setup(async (e) => {
    if (e.objectId === 'b') {
      controller.abort(new Error('shutting down'));
      throw new Error('aborted');
    }
    return undefined;
  });
  await t.rejects(run({ events: [event(1, 'a'), event(2, 'b'), event(3, 'c')] }), { message: 'aborted' });
  t.same(enqueued, [], 'no event split off: the batch runs again');
});

t.test('the events of jobs running at once take one turn of the event loop each, in turn', async (t) => {
  // A ticker counts the loop's turns: two events that ran in the same turn would see the same count,
  // and a webhook delivery arriving meanwhile would wait for both (issue #19, p99 at 1,000/s).
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns += 1;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: Array<{ id: string; turn: number }> = [];
  const { run } = setup(async (e) => {
    seen.push({ id: e.objectId ?? '', turn: turns });
  });
  await Promise.all([
    run({ events: [event(1, 'a1'), event(2, 'a2'), event(3, 'a3')] }),
    run({ events: [event(4, 'b1'), event(5, 'b2'), event(6, 'b3')] }),
    run(event(7, 'c1')),
  ]);
  ticking = false;
  t.same(seen.map((entry) => entry.id), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'b3'], 'the jobs take turns, first come first served');
  const turnsSeen = seen.map((entry) => entry.turn);
  t.equal(new Set(turnsSeen).size, turnsSeen.length, `no two events ran in one turn (turns ${turnsSeen.join(', ')})`);
});

t.test('a job run reads its connection once, for every reaction and every event of its batch', async (t) => {
  const reads: string[] = [];
  const { run } = setup(
    async (e) => {
      await e.connection();
      await e.connection();
    },
    async (id) => {
      reads.push(id);
      return undefined;
    },
  );
  await run({ events: [event(1, 'a'), event(2, 'b'), event(3, 'c')] });
  t.same(reads, ['c1'], 'one read for three events');
  await run(event(4, 'd'));
  t.same(reads, ['c1', 'c1'], 'the next run reads it again (a settings change is seen)');
});
