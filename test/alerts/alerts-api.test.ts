// The alerts API: YAML channels applied at start and read-only; channels made in the UI (admins
// only, audited); secrets neither answered nor in the database file in clear; "send a test".
import t from 'tap';
import { hashPassword } from '../../src/auth/password-hash.ts';
import { verifySignature } from '../../src/alerts/signature.ts';
import { storedText } from '../helpers/rows.ts';
import { makeDataDir, sessionApi, signIn, TEST_PASSWORD_HASH_COST } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';
import { startHttpSink } from './sinks.ts';

const YAML_SECRET = 'yaml-webhook-secret-0123456789';
const UI_SECRET = 'ui-webhook-secret-abcdefghijkl';
const SLACK_PATH = '/services/T00000000/B00000000/slackurlsecretXYZ';
const SMTP_PASSWORD = 'smtp-password-do-not-leak';

t.test('YAML channels, UI channels, secrets, tests, viewers and the audit trail', async (t) => {
  const sink = await startHttpSink(t);
  const dataDir = makeDataDir(t);
  const passwordHash = await hashPassword('vera from the file', TEST_PASSWORD_HASH_COST);
  const yamlChannels = [{ name: 'from-yaml', type: 'webhook' as const, url: `${sink.url}/yaml`, secret: YAML_SECRET }];
  const app = await buildTestApp(t, { dataDir, startScheduler: false, config: { admin: { users: [{ username: 'vera', role: 'viewer', passwordHash }] }, alerts: { channels: yamlChannels } } });
  const api = sessionApi(app, await signIn(app));
  const viewer = sessionApi(app, await signIn({ ...app, username: 'vera', password: 'vera from the file' }));

  const listed = await api('GET', '/api/alerts/channels');
  t.match(listed, { status: 200, body: { maxPerChannelPerHour: 20, noWebhookForMinutes: 1440, linksInAlerts: true } });
  const yaml = listed.body?.channels[0];
  t.match(yaml, { name: 'from-yaml', type: 'webhook', managedByConfig: true, yamlKey: 'alerts.channels[0]', url: `${sink.url}/yaml`, secretSet: true, lastDelivery: null });
  t.match(await api('PUT', `/api/alerts/channels/${yaml.id}`, { name: 'x', type: 'slack', url: 'https://hooks.slack.com/services/a' }), { status: 409, body: { error: { code: 'managed_by_config', message: /alerts\.channels\[0\]/ } } });
  t.match(await api('DELETE', `/api/alerts/channels/${yaml.id}`), { status: 409, body: { error: { code: 'managed_by_config' } } });

  // Made in the UI.
  t.match(await api('POST', '/api/alerts/channels', { name: 'bad', type: 'webhook', url: 'http://alerts.example.com/x', secret: UI_SECRET }), { status: 400, body: { error: { details: [{ path: 'url', message: /must be an https URL/ }] } } });
  t.match(await api('POST', '/api/alerts/channels', { name: 'short', type: 'webhook', url: 'https://alerts.example.com/x', secret: 'short' }), { status: 400, body: { error: { details: [{ path: 'secret' }] } } });
  t.match(await api('POST', '/api/alerts/channels', { name: 'from-yaml', type: 'slack', url: 'https://hooks.slack.com/services/x' }), { status: 409, body: { error: { code: 'name_taken' } } });
  const created = await api('POST', '/api/alerts/channels', { name: 'ui-hook', type: 'webhook', url: `${sink.url}/ui`, secret: UI_SECRET });
  t.match(created, { status: 201, body: { name: 'ui-hook', managedByConfig: false, yamlKey: null, secretSet: true } });
  const slack = await api('POST', '/api/alerts/channels', { name: 'ui-slack', type: 'slack', url: `https://hooks.slack.com${SLACK_PATH}` });
  t.match(slack, { status: 201, body: { type: 'slack', url: null, secretSet: true } });
  const mail = await api('POST', '/api/alerts/channels', { name: 'ui-mail', type: 'email', smtp: { host: 'smtp.example.com', port: 587, user: 'alerts', password: SMTP_PASSWORD }, from: 'a@example.com', to: ['ops@example.com'] });
  t.match(mail, { status: 201, body: { type: 'email', secretSet: true, email: { host: 'smtp.example.com', port: 587, user: 'alerts', from: 'a@example.com', to: ['ops@example.com'] } } });

  // Secrets: not in any answer, not in the database file in clear.
  const everything = JSON.stringify((await api('GET', '/api/alerts/channels')).body);
  for (const secret of [YAML_SECRET, UI_SECRET, SLACK_PATH, SMTP_PASSWORD]) t.notOk(everything.includes(secret), `the answer does not carry ${secret.slice(0, 12)}…`);
  const disk = await storedText(app.daemon.db);
  t.ok(disk.includes('smtp.example.com'), 'the scan reads the database (what is not secret is there)');
  for (const secret of [YAML_SECRET, UI_SECRET, SLACK_PATH, SMTP_PASSWORD]) t.notOk(disk.includes(secret), `the database does not hold ${secret.slice(0, 12)}… in clear`);

  // Send a test: delivered, signed with the channel's secret; the result answered and shown.
  const test = await api('POST', `/api/alerts/channels/${created.body?.id}/test`);
  t.match(test, { status: 200, body: { delivered: true, error: null, delivery: { status: 'delivered', event: 'test', channelName: 'ui-hook', attempts: 1 } } });
  const received = sink.received.at(-1)!;
  t.equal(received.path, '/ui');
  t.ok(verifySignature(UI_SECRET, { signature: received.headers['x-interhubz-signature'] as string, timestamp: received.headers['x-interhubz-timestamp'] as string }, received.body, Math.floor(Date.now() / 1000)));
  t.match(JSON.parse(received.body), { event: 'test', connection: null, reason: /a test of the channel "ui-hook", sent by admin/ });

  // An update without the secret keeps it (the UI never has it to send back).
  t.match(await api('PUT', `/api/alerts/channels/${created.body?.id}`, { name: 'ui-hook-renamed', type: 'webhook', url: `${sink.url}/ui2` }), { status: 200, body: { name: 'ui-hook-renamed', url: `${sink.url}/ui2`, secretSet: true } });
  sink.script.push(503);
  t.match(await api('POST', `/api/alerts/channels/${created.body?.id}/test`), { status: 200, body: { delivered: false, error: /answered 503/, delivery: { status: 'failed' } } });
  t.match(await api('POST', `/api/alerts/channels/${created.body?.id}/test`), { status: 200, body: { delivered: true } });
  const again = sink.received.at(-1)!;
  t.equal(again.path, '/ui2');
  t.ok(verifySignature(UI_SECRET, { signature: again.headers['x-interhubz-signature'] as string, timestamp: again.headers['x-interhubz-timestamp'] as string }, again.body, Math.floor(Date.now() / 1000)), 'still signed with the kept secret');
  const channels = (await api('GET', '/api/alerts/channels')).body?.channels as Array<Record<string, any>>;
  t.match(channels.find((c) => c.name === 'ui-hook-renamed'), { lastDelivery: { status: 'delivered', event: 'test' } });
  t.match((await api('GET', `/api/alerts/deliveries?channelId=${created.body?.id}`)).body?.deliveries, [{ status: 'delivered' }, { status: 'failed', lastError: /503/ }, { status: 'delivered' }]);

  // Viewers read, and change nothing.
  t.equal((await viewer('GET', '/api/alerts/channels')).status, 200);
  t.equal((await viewer('GET', '/api/alerts/deliveries')).status, 200);
  t.equal((await viewer('POST', '/api/alerts/channels', { name: 'v', type: 'slack', url: 'https://hooks.slack.com/services/v' })).status, 403);
  t.equal((await viewer('PUT', `/api/alerts/channels/${created.body?.id}`, { name: 'v', type: 'webhook', url: 'https://a.example.com' })).status, 403);
  t.equal((await viewer('POST', `/api/alerts/channels/${created.body?.id}/test`)).status, 403);
  t.equal((await viewer('DELETE', `/api/alerts/channels/${created.body?.id}`)).status, 403);

  t.equal((await api('DELETE', `/api/alerts/channels/${slack.body?.id}`)).status, 204);
  t.notOk(((await api('GET', '/api/alerts/channels')).body?.channels as Array<{ name: string }>).some((c) => c.name === 'ui-slack'));

  const audit = (await api('GET', '/api/audit?limit=100')).body?.entries as Array<Record<string, any>>;
  const alertEntries = audit.filter((entry) => String(entry.action).startsWith('alert_channel.')).reverse();
  t.match(alertEntries.map((entry) => [entry.actor.kind, entry.action, entry.target?.name]), [
    ['config', 'alert_channel.create', 'from-yaml'],
    ['person', 'alert_channel.create', 'ui-hook'],
    ['person', 'alert_channel.create', 'ui-slack'],
    ['person', 'alert_channel.create', 'ui-mail'],
    ['person', 'alert_channel.test', 'ui-hook'],
    ['person', 'alert_channel.update', 'ui-hook-renamed'],
    ['person', 'alert_channel.test', 'ui-hook'],
    ['person', 'alert_channel.test', 'ui-hook'],
  ]);
  t.match(alertEntries.at(-1), { action: 'alert_channel.delete', target: { name: 'ui-slack' } });
});

t.test('YAML channels at the next start: unchanged ones stay quiet, a changed one is updated, a removed one is deleted', async (t) => {
  const dataDir = makeDataDir(t);
  const one = { name: 'hook', type: 'webhook' as const, url: 'https://alerts.example.com/a', secret: YAML_SECRET };
  const two = { name: 'slack', type: 'slack' as const, url: 'https://hooks.slack.com/services/A/B/C' };
  const first = await buildTestApp(t, { dataDir, startScheduler: false, config: { alerts: { channels: [one, two] } } });
  await first.daemon.close();
  const second = await buildTestApp(t, { dataDir, startScheduler: false, config: { alerts: { channels: [{ ...one, url: 'https://alerts.example.com/b' }] } } });
  const api = sessionApi(second, await signIn(second));
  t.match((await api('GET', '/api/alerts/channels')).body?.channels, [{ name: 'hook', url: 'https://alerts.example.com/b', managedByConfig: true }]);
  const audit = ((await api('GET', '/api/audit?limit=100')).body?.entries as Array<Record<string, any>>).filter((entry) => String(entry.action).startsWith('alert_channel.')).reverse();
  t.same(audit.map((entry) => [entry.actor.kind, entry.action, entry.target?.name]), [
    ['config', 'alert_channel.create', 'hook'],
    ['config', 'alert_channel.create', 'slack'],
    ['config', 'alert_channel.update', 'hook'],
    ['config', 'alert_channel.delete', 'slack'],
  ]);
});

t.test('a config error names the YAML key', async (t) => {
  const { ConfigSchema } = await import('../../src/config/schema.ts');
  const result = ConfigSchema.safeParse({ alerts: { channels: [{ name: 'x', type: 'webhook', url: 'http://example.com/hook', secret: YAML_SECRET }], noWebhookFor: 'soon' } });
  t.notOk(result.success);
  const issues = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
  t.match(issues, [/^alerts\.channels\.0\.url: must be an https URL/, /^alerts\.noWebhookFor: must be a duration such as '30m'/]);
});

t.test("config.example.yaml's commented channels load when uncommented", async (t) => {
  const { readFileSync: read } = await import('node:fs');
  const { parseConfig } = await import('../../src/config/load.ts');
  const example = read(new URL('../../config.example.yaml', import.meta.url), 'utf8');
  const lines = example.split('\n');
  const start = lines.indexOf('  channels: []');
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('  #'));
  const uncommented = [...lines.slice(0, start), '  channels:', ...lines.slice(start + 1, end).map((line) => line.replace(/^ {2}# {2}/, '  ')), ...lines.slice(end)].join('\n');
  const config = parseConfig(uncommented, { ALERT_WEBHOOK_SECRET: 'x'.repeat(32), SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/C', SMTP_PASSWORD: 'p' });
  t.same(config.alerts.channels.map((channel) => [channel.name, channel.type]), [['Ops webhook', 'webhook'], ['Ops Slack', 'slack'], ['Ops email', 'email']]);
  t.equal(config.alerts.noWebhookFor, 24 * 3_600_000);
});
