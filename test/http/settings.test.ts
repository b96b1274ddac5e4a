// GET/PUT /api/connections/:id/settings: the Conversations, Matching and Tickets tabs' settings, saved by
// section, validated with the same schema as the YAML, refused for connections the YAML declares.
import t from 'tap';
import { sessionApi, signIn, type Teardownable } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

async function withConnection(t: Teardownable) {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const created = await api('POST', '/api/connections', { name: 'Support' });
  return { server, api, id: String(created.body?.id) };
}

t.test('a new connection answers the defaults', async (t) => {
  const { api, id } = await withConnection(t);
  const got = await api('GET', `/api/connections/${id}/settings`);
  t.equal(got.status, 200);
  t.match(got.body, {
    managedByConfig: false,
    configKey: null,
    settings: {
      timeZone: 'UTC',
      conversations: { capture: { mode: 'on_close', graceMinutes: 10 }, guards: { minCustomerMessages: 2 }, routing: { rules: [], defaultDestinations: ['contact', 'company'] } },
      matching: { contacts: { onNoMatch: 'create' }, companies: { associateContact: true } },
      users: { defaultOwner: '', overrides: [] },
    },
  });
  t.equal((await api('GET', '/api/connections/nope/settings')).status, 404);
});

t.test('a PUT replaces the sections it sends and keeps the others', async (t) => {
  const { server, api, id } = await withConnection(t);
  await server.daemon.db.kysely
    .updateTable('connections')
    .set({ settings: JSON.stringify({ users: { defaultOwner: 'boss@example.com' }, matching: { contacts: { tieBreakEngagementDays: 7 } } }) })
    .where('id', '=', id)
    .execute();
  const rule = { name: 'VIP', when: { tags: ['vip'], priority: 'priority' }, destinations: ['contact', 'company', 'ticket'] };
  const put = await api('PUT', `/api/connections/${id}/settings`, {
    timeZone: 'Europe/Berlin',
    conversations: { capture: { graceMinutes: 25 }, guards: { minCustomerMessages: 3, requireHumanTeammate: false }, routing: { rules: [rule] } },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.match(put.body?.settings, {
    timeZone: 'Europe/Berlin',
    conversations: { capture: { mode: 'on_close', graceMinutes: 25 }, guards: { minCustomerMessages: 3, requireHumanTeammate: false, minDurationMinutes: 1 }, routing: { rules: [rule] } },
    matching: { contacts: { tieBreakEngagementDays: 7 } },
    users: { defaultOwner: 'boss@example.com' },
  });
  const stored = await server.daemon.db.kysely.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
  t.same(JSON.parse(stored.settings), put.body?.settings, 'stored as answered');

  const matching = await api('PUT', `/api/connections/${id}/settings`, { matching: { contacts: { onNoMatch: 'skip' } } });
  t.equal(matching.status, 200);
  t.match(matching.body?.settings, { timeZone: 'Europe/Berlin', conversations: { capture: { graceMinutes: 25 } }, matching: { contacts: { onNoMatch: 'skip', tieBreakEngagementDays: 30 } } }, 'the matching section was replaced whole');
});

t.test('the tickets section is saved like the others', async (t) => {
  const { api, id } = await withConnection(t);
  const defaults = await api('GET', `/api/connections/${id}/settings`);
  t.match(defaults.body?.settings.tickets, {
    policy: 'per_conversation', createWhen: 'capture', pipeline: '', stages: { open: '', snoozed: '', closed: '', reopened: '' },
    subjectTemplate: '{subject}', priorities: { priority: 'HIGH', notPriority: '' }, whenClosedInHubSpot: 'nothing', reopenInIntercom: true,
  });
  await api('PUT', `/api/connections/${id}/settings`, { conversations: { capture: { graceMinutes: 5 } } });
  const put = await api('PUT', `/api/connections/${id}/settings`, {
    tickets: { policy: 'reuse_open', pipeline: '0', stages: { closed: '4' }, whenClosedInHubSpot: 'note', reopenInIntercom: false },
  });
  t.equal(put.status, 200, JSON.stringify(put.body));
  t.match(put.body?.settings, {
    conversations: { capture: { graceMinutes: 5 } },
    tickets: { policy: 'reuse_open', createWhen: 'capture', pipeline: '0', stages: { open: '', closed: '4' }, whenClosedInHubSpot: 'note', reopenInIntercom: false },
  }, 'the other sections stay; the missing ticket fields take their defaults');

  const bad = await api('PUT', `/api/connections/${id}/settings`, { tickets: { policy: 'sometimes', whenClosedInHubSpot: 'shout' }, timeZone: 'Europe/Paris' });
  t.equal(bad.status, 400);
  t.match(bad.body?.error.details, [{ path: 'tickets.policy' }, { path: 'tickets.whenClosedInHubSpot' }]);
  const after = await api('GET', `/api/connections/${id}/settings`);
  t.match(after.body?.settings, { timeZone: 'UTC', tickets: { policy: 'reuse_open' } }, 'a refused PUT changes nothing');
});

t.test('an invalid PUT names the field and changes nothing', async (t) => {
  const { server, api, id } = await withConnection(t);
  const before = await server.daemon.db.kysely.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
  const bad = await api('PUT', `/api/connections/${id}/settings`, { conversations: { guards: { minCustomerMessages: -1 } }, timeZone: 'Mars/Olympus' });
  t.equal(bad.status, 400);
  t.match(bad.body, {
    error: {
      code: 'invalid_request',
      details: [
        { path: 'timeZone', message: /IANA time zone/ },
        { path: 'conversations.guards.minCustomerMessages', message: /≥ 0/ },
      ],
    },
  });
  const rule = await api('PUT', `/api/connections/${id}/settings`, { conversations: { routing: { rules: [{ name: '', when: {}, destinations: ['fax'] }] } } });
  t.match(rule.body?.error.details, [{ path: 'conversations.routing.rules.0.name' }, { path: 'conversations.routing.rules.0.destinations.0' }]);
  const users = await api('PUT', `/api/connections/${id}/settings`, { users: { defaultOwner: '' } });
  t.equal(users.status, 400, 'users have their own endpoint');
  t.match(users.body?.error.message, /unknown field\(s\): users/);
  const after = await server.daemon.db.kysely.selectFrom('connections').select('settings').where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(after.settings, before.settings);
});

t.test('a connection declared in the YAML file is read-only here', async (t) => {
  const server = await buildTestApp(t, {
    startScheduler: false,
    config: { connections: [{ name: 'Other' }, { name: 'Support', conversations: { capture: { graceMinutes: 15 } } }] },
  });
  const api = sessionApi(server, await signIn(server));
  const { id } = await server.daemon.db.kysely.selectFrom('connections').select('id').where('name', '=', 'Support').executeTakeFirstOrThrow();
  const got = await api('GET', `/api/connections/${id}/settings`);
  t.match(got.body, { managedByConfig: true, configKey: 'connections[1]', settings: { conversations: { capture: { graceMinutes: 15 } } } });
  const put = await api('PUT', `/api/connections/${id}/settings`, { conversations: {} });
  t.equal(put.status, 409);
  t.match(put.body, { error: { code: 'managed_by_config', message: /connections\[1\]/ } });
  const tickets = await api('PUT', `/api/connections/${id}/settings`, { tickets: { policy: 'none' } });
  t.equal(tickets.status, 409, 'tickets too');
});
