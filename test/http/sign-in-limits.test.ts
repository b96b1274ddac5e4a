// Issue #14 item 7 and the limiter parts of item 12: the limit holds under concurrency and behind
// proxies, and one address cannot lock the admin out for everyone. Through app.inject, whose peer
// is 127.0.0.1 as the loopback socket's was; parallel injects are all inside the handler at once.
import t from 'tap';
import { buildTestApp, type TestApp } from '../helpers/test-app.ts';

const attempt = (server: TestApp, password: string, headers: Record<string, string> = {}) =>
  server.fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'admin', password }),
  });

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

t.test('100 parallel wrong passwords: at most the limit are checked, the rest refused before hashing', async (t) => {
  const server = await buildTestApp(t, { config: { admin: { loginAttempts: { max: 10, windowMinutes: 15 } } } });
  const statuses = await Promise.all(Array.from({ length: 100 }, () => attempt(server, 'wrong password here').then((r) => r.status)));
  t.equal(count(statuses, 401), 10, 'exactly the limit were checked against the password');
  t.equal(count(statuses, 429), 90, 'every other attempt was refused');
  t.equal((await attempt(server, server.password)).status, 429, 'the address stays blocked, even for the right password');
});

t.test('trustProxy as a hop count: a rotated X-Forwarded-For does not escape the limit', async (t) => {
  const server = await buildTestApp(t, { config: { server: { trustProxy: 1 }, admin: { loginAttempts: { max: 3, windowMinutes: 15 } } } });
  // What a reverse proxy forwards: whatever the client claimed, then the address it really saw.
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await attempt(server, 'wrong password here', { 'x-forwarded-for': `10.0.0.${i}, 198.51.100.7` })).status);
  t.same(statuses, [401, 401, 401, 429, 429, 429], 'limited by the address the proxy saw');
});

t.test('trustProxy as a list of proxy addresses', async (t) => {
  const server = await buildTestApp(t, { config: { server: { trustProxy: ['127.0.0.1/32', '::1'] }, admin: { loginAttempts: { max: 2, windowMinutes: 15 } } } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await attempt(server, 'wrong password here', { 'x-forwarded-for': `10.0.0.${i}, 198.51.100.8` })).status);
  t.same(statuses, [401, 401, 429, 429]);
  t.equal((await attempt(server, server.password, { 'x-forwarded-for': '198.51.100.9' })).status, 200, 'another client behind the proxy is not blocked');
});

t.test('one blocked address does not lock the admin out: the right password from a new address works', async (t) => {
  const server = await buildTestApp(t, { config: { server: { trustProxy: 1 }, admin: { loginAttempts: { max: 3, windowMinutes: 15 } } } });
  const attacker = { 'x-forwarded-for': '203.0.113.66' };
  for (let i = 0; i < 3; i++) t.equal((await attempt(server, 'wrong password here', attacker)).status, 401);
  t.equal((await attempt(server, 'wrong password here', attacker)).status, 429, 'the attacking address is blocked');
  t.equal((await attempt(server, server.password, attacker)).status, 429, 'even with the right password');
  const admin = await attempt(server, server.password, { 'x-forwarded-for': '192.0.2.10' });
  t.equal(admin.status, 200, 'the admin from another address signs in (after the username back-off)');
});

t.test('IPv6 clients are limited by their /64', async (t) => {
  const server = await buildTestApp(t, { config: { server: { trustProxy: 1 }, admin: { loginAttempts: { max: 2, windowMinutes: 15 } } } });
  const statuses: number[] = [];
  for (const address of ['2001:db8:1:2::1', '2001:db8:1:2:a:b:c:d', '2001:db8:1:2:ffff::1', '2001:0db8:0001:0002::2']) {
    statuses.push((await attempt(server, 'wrong password here', { 'x-forwarded-for': address })).status);
  }
  t.same(statuses, [401, 401, 429, 429], 'four addresses of one /64 share one limit');
  t.equal((await attempt(server, 'wrong password here', { 'x-forwarded-for': '2001:db8:1:3::1' })).status, 401, 'the next /64 is another client');
});

t.test('server.trustProxy: true is refused with a message naming the key', async (t) => {
  const { parseConfig } = await import('../../src/config/load.ts');
  t.throws(() => parseConfig('server:\n  trustProxy: true\n', {}), {
    exitCode: 2,
    message: /server\.trustProxy \(line 2\): must be false, the number of proxies in front of Interhubz \(such as 1\), or a list of their addresses.*true is refused/,
  });
  t.throws(() => parseConfig('server:\n  trustProxy: [not-an-address]\n', {}), { message: /server\.trustProxy/ });
  t.same(parseConfig('server:\n  trustProxy: 2\n', {}).server.trustProxy, 2);
  t.same(parseConfig('server:\n  trustProxy: [10.0.0.0/8, "::1"]\n', {}).server.trustProxy, ['10.0.0.0/8', '::1']);
});
