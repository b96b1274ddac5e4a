// The Inbox app's deadlines and kept reads (issue #20 item 4), without HTTP: an answer's waits never
// run past its own deadline, and a read that was late is what the next request shows.
import t from 'tap';
import { answerDeadline, LATE, withinMs } from '../../src/canvas/answer-deadline.ts';
import { keptRead, reusable, type KeptRead } from '../../src/canvas/kept-read.ts';

t.test('a wait is capped by its own limit and by what is left of the answer', async (t) => {
  let now = 1_000;
  const deadline = answerDeadline(800, () => now);
  t.equal(deadline.left(650), 650, 'at the start, the wait\u2019s own cap');
  now += 300;
  t.equal(deadline.left(650), 450, 'later, what is left before the answer (800 less a reserve for building it)');
  now += 1_000;
  t.equal(deadline.left(650), 0, 'never negative');
});

t.test('stretched (tests of what the card does, not how fast): every cap and the answer\u2019s own deadline grow alike', async (t) => {
  let now = 1_000;
  const deadline = answerDeadline(800, () => now, 10);
  t.equal(deadline.left(650), 6_500, 'the wait\u2019s cap, tenfold');
  now += 3_000;
  t.equal(deadline.left(650), 4_500, 'what is left of the answer: (800 less the reserve) tenfold, less the time gone');
  now += 10_000;
  t.equal(deadline.left(650), 0);
});

t.test('withinMs: the value when it comes in time, LATE otherwise; a value already there wins over a zero wait', async (t) => {
  t.equal(await withinMs(Promise.resolve('here'), 0), 'here');
  t.equal(await withinMs(new Promise((resolve) => setTimeout(() => resolve('slow'), 200)), 10), LATE);
});

t.test('a kept read answers again while fresh; asking again restarts it only once what it found was shown', async (t) => {
  const map = new Map<string, KeptRead<string>>();
  let reads = 0;
  let finish: (value: string) => void = () => undefined;
  const read = () => {
    reads += 1;
    return new Promise<string>((resolve) => {
      finish = resolve;
    });
  };
  const first = keptRead(map, 'k', { ttl: 60_000, now: 0, again: false }, read);
  t.equal(keptRead(map, 'k', { ttl: 60_000, now: 10, again: true }, read), first, 'asked again while it runs: the same read');
  finish('found');
  await first.value;
  t.ok(first.settled);
  t.equal(keptRead(map, 'k', { ttl: 60_000, now: 20, again: true }, read), first, 'finished but not shown yet: the same read');
  first.shown = true;
  t.equal(keptRead(map, 'k', { ttl: 60_000, now: 30, again: false }, read), first, 'an open reuses what was shown');
  const second = keptRead(map, 'k', { ttl: 60_000, now: 40, again: true }, read);
  t.not(second, first, 'asked again after it was shown: a new read');
  t.equal(reads, 2);
  t.notOk(reusable(second, { ttl: 60_000, now: 60_040, again: false }), 'too old for anyone');
});

t.test('a failed read is dropped so the next request tries again', async (t) => {
  const map = new Map<string, KeptRead<string>>();
  const failed = keptRead(map, 'k', { ttl: 60_000, now: 0, again: false }, () => Promise.reject(new Error('no')));
  await failed.value.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  t.notOk(map.has('k'));
});
