// The limiter's pieces that are awkward to reach over HTTP: the bounded map, /64 keys, the queue.
import t from 'tap';
import { clientKey, createLoginLimiter } from '../../src/auth/login-limiter.ts';

t.test('the per-client map is bounded: the oldest client is forgotten first', async (t) => {
  const limiter = createLoginLimiter({ max: 3, windowMs: 60_000, maxEntries: 100 });
  for (let i = 0; i < 1000; i++) limiter.admit(`198.51.100.${i}`, 1_000);
  t.equal(limiter.trackedClients, 100);
});

t.test('clientKey: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', async (t) => {
  t.equal(clientKey('192.0.2.1'), '192.0.2.1');
  t.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
  t.equal(clientKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  t.equal(clientKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  t.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.equal(clientKey('::1'), '0:0:0:0::/64');
});

t.test('checks for one username run one at a time', async (t) => {
  const limiter = createLoginLimiter({ max: 100, windowMs: 60_000 });
  let running = 0;
  let most = 0;
  const verify = async () => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running -= 1;
    return false;
  };
  await Promise.all(Array.from({ length: 5 }, () => limiter.check('admin', () => 0, verify)));
  t.equal(most, 1);
});

t.test('too many checks waiting for one username: refused at once instead of queued without end', async (t) => {
  const limiter = createLoginLimiter({ max: 100, windowMs: 60_000, maxQueued: 2 });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = async () => {
    await gate;
    return false;
  };
  const first = limiter.check('admin', () => 0, slow);
  const second = limiter.check('admin', () => 0, slow);
  t.equal(await limiter.check('admin', () => 0, slow), undefined);
  release();
  t.same(await Promise.all([first, second]), [false, false]);
});

t.test('password checks across usernames run at most maxConcurrentChecks at once (scrypt memory)', async (t) => {
  const limiter = createLoginLimiter({ max: 100, windowMs: 60_000, maxConcurrentChecks: 2 });
  let running = 0;
  let most = 0;
  const verify = async () => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
    return false;
  };
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => limiter.check(`made-up-${i}`, () => 0, verify)));
  t.equal(most, 2);
  t.same(results, Array(8).fill(false), 'every check still ran');
});
