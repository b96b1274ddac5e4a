// Noise guards: each one stopping, passing and switched off; the order; who counts as customer,
// teammate and bot; tags without regard to case.
import t from 'tap';
import { checkGuards, conversationFacts, describeGuards } from '../../src/conversations/guards.ts';
import type { GuardSettings } from '../../src/config/connection-settings.ts';
import type { IntercomConversation } from '../../src/integrations/intercom/conversations.ts';
import type { IntercomPart } from '../../src/integrations/intercom/schemas.ts';

const START = 1_760_000_000;
const DEFAULTS: GuardSettings = { minCustomerMessages: 2, minDurationMinutes: 1, requireHumanTeammate: true, excludeTags: [], skipBotOnly: true };
const OFF: GuardSettings = { minCustomerMessages: 0, minDurationMinutes: 0, requireHumanTeammate: false, excludeTags: [], skipBotOnly: false };

const user = { type: 'user', id: 'c1', name: 'Ana' };
const admin = { type: 'admin', id: '41', name: 'Bo' };
const bot = { type: 'bot', id: '99', name: 'Fin' };

let nextId = 1;
/** A part `seconds` after the conversation started. */
function part(seconds: number, author: Record<string, unknown> & { type: string }, partType = 'comment', body: string | null = '<p>hello</p>'): IntercomPart {
  return { id: String(nextId++), part_type: partType, body, created_at: START + seconds, author };
}

function conversation(parts: IntercomPart[], extra: Record<string, unknown> = {}): IntercomConversation {
  return {
    id: 'conv1',
    created_at: START,
    updated_at: START + 600,
    state: 'closed',
    source: { type: 'conversation', delivered_as: 'customer_initiated', body: '<p>Help</p>', author: user },
    tags: { tags: [] },
    parts,
    partCount: parts.length,
    partsTruncated: false,
    ...extra,
  };
}

/** The customer opens, a teammate answers after a minute, the customer thanks them two minutes in. */
const good = () => conversation([part(60, admin), part(120, user), part(130, admin, 'close', null)]);

t.test('a real exchange passes every guard', async (t) => {
  t.same(checkGuards(good(), DEFAULTS), { pass: true });
  const facts = conversationFacts(good());
  t.match(facts, { customerMessages: 2, teammateMessages: 1, botMessages: 0, notes: 0, durationMs: 120_000, humanTeammateTookPart: true, botOnly: false });
});

t.test('min_customer_messages: stops, passes at the minimum, switched off with 0', async (t) => {
  const one = conversation([part(90, admin)]);
  t.same(checkGuards(one, { ...DEFAULTS, minDurationMinutes: 0 }), { pass: false, guard: 'min_customer_messages', reason: '1 customer message; the minimum is 2' });
  t.same(checkGuards(one, { ...DEFAULTS, minCustomerMessages: 1 }), { pass: true });
  t.same(checkGuards(one, { ...DEFAULTS, minCustomerMessages: 0 }), { pass: true });
  const none = conversation([part(90, admin)], { source: { type: 'email', delivered_as: 'admin_initiated', author: admin } });
  t.match(checkGuards(none, { ...OFF, minCustomerMessages: 1 }), { guard: 'min_customer_messages', reason: '0 customer messages; the minimum is 1' });
});

t.test('min_duration: first to last message, notes and events not counted; switched off with 0', async (t) => {
  const quick = conversation([part(20, admin), part(40, user), part(3600, admin, 'note'), part(4000, admin, 'close', null)]);
  t.equal(conversationFacts(quick).durationMs, 40_000);
  t.same(checkGuards(quick, DEFAULTS), { pass: false, guard: 'min_duration', reason: 'lasted 40 seconds; the minimum is 1 minute' });
  t.same(checkGuards(quick, { ...DEFAULTS, minDurationMinutes: 0 }), { pass: true });
  t.same(checkGuards(conversation([part(30, admin), part(60, user)]), DEFAULTS), { pass: true }, 'exactly the minimum passes');
  const longer = conversation([part(30, admin), part(150, user)]);
  t.match(checkGuards(longer, { ...DEFAULTS, minDurationMinutes: 5 }), { guard: 'min_duration', reason: 'lasted 2 minutes 30 seconds; the minimum is 5 minutes' });
  t.match(checkGuards(conversation([part(5, admin), part(10, user)]), { ...DEFAULTS, minDurationMinutes: 0.5 }), { reason: 'lasted 10 seconds; the minimum is 0.5 minutes' });
});

t.test('human_teammate: a reply the customer sees; notes do not count; switched off', async (t) => {
  const notesOnly = conversation([part(60, admin, 'note'), part(120, user), part(130, admin, 'close', null)]);
  t.same(checkGuards(notesOnly, DEFAULTS), { pass: false, guard: 'human_teammate', reason: 'no human teammate replied (1 internal note, 0 bot messages)' });
  t.same(checkGuards(notesOnly, { ...DEFAULTS, requireHumanTeammate: false }), { pass: true });
  const closedWithMessage = conversation([part(60, user), part(120, admin, 'close', '<p>Fixed, closing.</p>')]);
  t.same(checkGuards(closedWithMessage, DEFAULTS), { pass: true }, 'closing with a message is a reply');
  const quickReply = conversation([part(60, user), part(120, admin, 'quick_reply', null)]);
  t.equal(conversationFacts(quickReply).teammateMessages, 1, 'a quick reply without body is a message');
});

t.test('bot_only: a bot answered and no human did; Fin as an AI admin; switched off', async (t) => {
  const finOnly = conversation([part(30, bot), part(60, user), part(90, bot)]);
  t.match(conversationFacts(finOnly), { botMessages: 2, botOnly: true, humanTeammateTookPart: false });
  t.same(checkGuards(finOnly, DEFAULTS), { pass: false, guard: 'bot_only', reason: 'only a bot answered (2 bot messages; no human teammate replied)' });
  t.match(checkGuards(finOnly, { ...DEFAULTS, skipBotOnly: false }), { guard: 'human_teammate' }, 'then the human guard still stops it');
  t.same(checkGuards(finOnly, { ...DEFAULTS, skipBotOnly: false, requireHumanTeammate: false }), { pass: true });

  const handedOver = conversation([part(30, bot), part(60, user), part(120, admin)]);
  t.match(conversationFacts(handedOver), { botOnly: false, humanTeammateTookPart: true });
  t.same(checkGuards(handedOver, DEFAULTS), { pass: true }, 'a bot then a human passes');

  const aiAdmin = conversation([part(30, { ...admin, from_ai_agent: true }), part(60, user)]);
  t.match(conversationFacts(aiAdmin), { botMessages: 1, teammateMessages: 0, botOnly: true }, 'an admin author flagged as AI is a bot');
  const flagged = conversation([part(60, user)], { ai_agent_participated: true });
  t.match(checkGuards(flagged, DEFAULTS), { guard: 'bot_only', reason: 'only a bot answered (Fin took part; no human teammate replied)' });
  const teamWorkflow = conversation([part(30, { type: 'team', id: '7' }), part(60, user)]);
  t.match(conversationFacts(teamWorkflow), { botMessages: 1, botOnly: true }, 'team-authored parts are automation');
  t.match(checkGuards(conversation([part(60, user), part(90, admin, 'note')]), DEFAULTS), { guard: 'human_teammate' }, 'no bot and no human is not bot-only');
});

t.test('excluded_tag: any excluded tag, case-insensitive; switched off with []', async (t) => {
  const tagged = conversation(good().parts, { tags: { tags: [{ id: '1', name: 'VIP' }, { id: '2', name: 'Spam ' }] } });
  t.same(checkGuards(tagged, { ...DEFAULTS, excludeTags: ['spam'] }), { pass: false, guard: 'excluded_tag', reason: 'tagged "Spam ", an excluded tag' });
  t.same(checkGuards(tagged, { ...DEFAULTS, excludeTags: ['test'] }), { pass: true });
  t.same(checkGuards(tagged, DEFAULTS), { pass: true });
  t.same(checkGuards(conversation(good().parts, { tags: null }), { ...DEFAULTS, excludeTags: ['spam'] }), { pass: true }, 'no tags at all');
  t.same(conversationFacts(tagged).tags, ['VIP', 'Spam ']);
});

t.test('order: excluded_tag, bot_only, human_teammate, min_customer_messages, min_duration', async (t) => {
  // Fails every guard: tagged, bot only, one customer message, 10 seconds.
  const noise = conversation([part(10, bot)], { tags: { tags: [{ id: '1', name: 'spam' }] } });
  const all = { ...DEFAULTS, excludeTags: ['spam'] };
  const seen: string[] = [];
  let settings: GuardSettings = all;
  for (const off of [{ excludeTags: [] }, { skipBotOnly: false }, { requireHumanTeammate: false }, { minCustomerMessages: 0 }, { minDurationMinutes: 0 }]) {
    const verdict = checkGuards(noise, settings);
    if (!verdict.pass) seen.push(verdict.guard);
    settings = { ...settings, ...off };
  }
  t.same(seen, ['excluded_tag', 'bot_only', 'human_teammate', 'min_customer_messages', 'min_duration']);
  t.same(checkGuards(noise, OFF), { pass: true }, 'all switched off');
});

t.test('who is a customer: source and parts by users, leads and contacts; events with a body', async (t) => {
  const lead = { type: 'lead', id: 'l1' };
  const c = conversation(
    [
      part(10, admin),
      part(20, lead),
      part(30, admin, 'close', null),
      part(40, user, 'open', '<p>Actually one more thing</p>'),
      part(50, admin, 'assignment', null),
      part(60, { type: 'contact', id: 'c9' }, 'comment', null),
      part(70, user, 'conversation_rating_changed', null),
      part(80, user, 'something_new', '<p> </p>'),
      part(90, { type: 'visitor_of_the_future', id: 'x' }),
    ],
    { source: { type: 'conversation', delivered_as: 'customer_initiated', author: lead, body: '<p>Hi</p>' } },
  );
  t.match(conversationFacts(c), { customerMessages: 4, teammateMessages: 1, botMessages: 0, durationMs: 60_000 });
});

t.test('outbound messages: a teammate\'s counts as a reply, a campaign\'s as automation', async (t) => {
  const byTeammate = conversation([part(60, user), part(120, user)], { source: { type: 'email', delivered_as: 'admin_initiated', author: admin } });
  t.match(conversationFacts(byTeammate), { customerMessages: 2, teammateMessages: 1, botMessages: 0 });
  t.same(checkGuards(byTeammate, DEFAULTS), { pass: true });
  const byCampaign = conversation([part(60, user), part(120, user)], { source: { type: 'email', delivered_as: 'campaigns_initiated', author: admin } });
  t.match(conversationFacts(byCampaign), { teammateMessages: 0, botMessages: 1, botOnly: true });
});

t.test('a truncated conversation passes the counting guards: its oldest parts are missing', async (t) => {
  const truncated = conversation([part(60, bot), part(7200, bot)], { partsTruncated: true, partCount: 900 });
  t.same(checkGuards(truncated, DEFAULTS), { pass: true });
  t.match(checkGuards(truncated, { ...DEFAULTS, excludeTags: ['x'], minDurationMinutes: 500 }), { guard: 'min_duration' }, 'duration still applies');
});

t.test('describeGuards', async (t) => {
  t.equal(describeGuards({ ...DEFAULTS, excludeTags: ['spam', ' test '] }), '≥2 customer messages, ≥1 min, human teammate, bot-only skipped, excluding tags: spam, test');
  t.equal(describeGuards({ ...OFF, minCustomerMessages: 1 }), '≥1 customer message');
  t.equal(describeGuards(OFF), 'no guards');
});
