// Destination routing: each condition kind, combined conditions, first match wins, defaults, nowhere.
import t from 'tap';
import { routeConversation } from '../../src/conversations/routing.ts';
import { ConnectionSettings, type RoutingRule, type RoutingSettings } from '../../src/config/connection-settings.ts';
import type { IntercomConversation } from '../../src/integrations/intercom/conversations.ts';

function conversation(extra: Record<string, unknown> = {}): IntercomConversation {
  return {
    id: 'conv1',
    created_at: 1_760_000_000,
    updated_at: 1_760_000_600,
    source: { type: 'email', author: { type: 'user', id: 'c1' } },
    tags: { tags: [{ id: '1', name: 'VIP' }] },
    team_assignee_id: '7',
    admin_assignee_id: '41',
    priority: 'priority',
    custom_attributes: { plan: 'pro', seats: 5, trial: false },
    parts: [],
    partCount: 0,
    partsTruncated: false,
    ...extra,
  };
}

/** A rule as the settings schema gives it: the lists it leaves out come back as []. */
const rule = (name: string, when: Partial<RoutingRule['when']>, destinations: RoutingRule['destinations']): RoutingRule => ({
  name,
  when: { tags: [], teams: [], assignees: [], channels: [], ...when },
  destinations,
});

const routing = (rules: RoutingRule[], defaultDestinations: RoutingSettings['defaultDestinations'] = ['contact', 'company']): RoutingSettings => ({ rules, defaultDestinations });

const matches = (when: Partial<RoutingRule['when']>, c = conversation()) => routeConversation(c, routing([rule('r', when, ['ticket'])])).rule === 'r';

t.test('no rules: the defaults', async (t) => {
  t.same(routeConversation(conversation(), routing([])), {
    destinations: ['contact', 'company'],
    rule: null,
    reason: 'no routing rules; by default the conversation goes to contact, company',
  });
  const parsed = ConnectionSettings.parse({}).conversations.routing;
  t.same(routeConversation(conversation(), parsed).destinations, ['contact', 'company'], 'the schema defaults');
});

t.test('tags: any of, case-insensitive', async (t) => {
  t.ok(matches({ tags: ['vip'] }));
  t.ok(matches({ tags: ['other', ' Vip '] }));
  t.notOk(matches({ tags: ['other'] }));
  t.notOk(matches({ tags: ['vip'] }, conversation({ tags: null })), 'an untagged conversation');
});

t.test('teams and assignees: by id', async (t) => {
  t.ok(matches({ teams: ['3', '7'] }));
  t.notOk(matches({ teams: ['3'] }));
  t.notOk(matches({ teams: ['7'] }, conversation({ team_assignee_id: null })), 'unassigned');
  t.ok(matches({ assignees: ['41'] }));
  t.notOk(matches({ assignees: ['42'] }));
  t.notOk(matches({ assignees: ['41'] }, conversation({ admin_assignee_id: undefined })));
});

t.test('channels: the source type, any case', async (t) => {
  t.ok(matches({ channels: ['Email', 'whatsapp'] }));
  t.notOk(matches({ channels: ['conversation'] }));
  t.notOk(matches({ channels: ['email'] }, conversation({ source: null })));
});

t.test('priority: a missing priority is not_priority', async (t) => {
  t.ok(matches({ priority: 'priority' }));
  t.notOk(matches({ priority: 'not_priority' }));
  t.ok(matches({ priority: 'not_priority' }, conversation({ priority: undefined })));
  t.notOk(matches({ priority: 'priority' }, conversation({ priority: null })));
});

t.test('attribute: strict equality of text, numbers and booleans', async (t) => {
  t.ok(matches({ attribute: { name: 'plan', equals: 'pro' } }));
  t.notOk(matches({ attribute: { name: 'plan', equals: 'Pro' } }), 'text is compared exactly');
  t.ok(matches({ attribute: { name: 'seats', equals: 5 } }));
  t.notOk(matches({ attribute: { name: 'seats', equals: '5' } }), 'the text "5" is not the number 5');
  t.ok(matches({ attribute: { name: 'trial', equals: false } }));
  t.notOk(matches({ attribute: { name: 'trial', equals: 'false' } }));
  t.notOk(matches({ attribute: { name: 'missing', equals: false } }), 'a missing attribute matches nothing');
  t.notOk(matches({ attribute: { name: 'plan', equals: 'pro' } }, conversation({ custom_attributes: null })));
});

t.test('combined conditions: all must hold; no conditions matches everything', async (t) => {
  t.ok(matches({ tags: ['vip'], teams: ['7'], channels: ['email'], priority: 'priority', attribute: { name: 'plan', equals: 'pro' } }));
  t.notOk(matches({ tags: ['vip'], teams: ['8'] }));
  t.notOk(matches({ tags: ['vip'], priority: 'not_priority' }));
  t.ok(matches({}), 'a rule without conditions');
  const decision = routeConversation(conversation(), routing([rule('VIP on email', { tags: ['vip'], channels: ['email'] }, ['ticket', 'contact'])]));
  t.same(decision, { destinations: ['contact', 'ticket'], rule: 'VIP on email', reason: 'rule "VIP on email" matched (tag vip, channel email); the conversation goes to contact, ticket' });
});

t.test('the first matching rule wins, in order', async (t) => {
  const rules = [
    rule('sales', { teams: ['9'] }, ['company']),
    rule('vip', { tags: ['vip'] }, ['ticket']),
    rule('everything', {}, ['contact']),
  ];
  t.match(routeConversation(conversation(), routing(rules)), { rule: 'vip', destinations: ['ticket'] });
  t.match(routeConversation(conversation({ team_assignee_id: '9' }), routing(rules)), { rule: 'sales', destinations: ['company'] });
  t.match(routeConversation(conversation({ tags: { tags: [] } }), routing(rules)), { rule: 'everything', destinations: ['contact'], reason: 'rule "everything" matched (it has no conditions); the conversation goes to contact' });
});

t.test('none matches: the defaults; destinations deduplicated in canonical order', async (t) => {
  const decision = routeConversation(conversation(), routing([rule('sales', { teams: ['9'] }, ['company'])], ['ticket', 'contact', 'ticket']));
  t.same(decision, { destinations: ['contact', 'ticket'], rule: null, reason: 'no routing rule matched; by default the conversation goes to contact, ticket' });
});

t.test('nowhere: an empty list, from a rule or the defaults', async (t) => {
  t.same(routeConversation(conversation(), routing([rule('drop vip', { tags: ['VIP'] }, [])])), {
    destinations: [],
    rule: 'drop vip',
    reason: 'rule "drop vip" matched (tag VIP); the conversation goes nowhere',
  });
  t.match(routeConversation(conversation(), routing([], [])), { destinations: [], rule: null, reason: 'no routing rules; by default the conversation goes nowhere' });
});

t.test('a rule\'s own ticket policy comes with its decision; none for the defaults or a rule without one', async (t) => {
  const withPolicy: RoutingRule = { ...rule('Reuse for VIPs', {}, ['ticket']), ticketPolicy: 'reuse_open' };
  t.equal(routeConversation(conversation(), routing([withPolicy])).ticketPolicy, 'reuse_open');
  t.equal(routeConversation(conversation(), routing([rule('plain', {}, ['ticket'])])).ticketPolicy, undefined);
  t.equal(routeConversation(conversation(), routing([])).ticketPolicy, undefined);
});
