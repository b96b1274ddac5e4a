// Conversation state detection, the stage each state wants, and what a stage change made in
// HubSpot asks of the Intercom conversation — every rule, including "already in step".
import t from 'tap';
import { ConnectionSettings, type ConversationState } from '../../src/config/connection-settings.ts';
import type { ResolvedPipeline } from '../../src/tickets/resolve-pipeline.ts';
import { conversationState, desiredStage, intercomActionFor, type IntercomAction } from '../../src/tickets/stage-sync.ts';

/** Support Pipeline (hubspot-api.md §8) with snoozed → Waiting on contact, reopened → Waiting on us, and a second closed stage. */
const resolved: ResolvedPipeline = {
  pipelineId: '0',
  pipelineLabel: 'Support Pipeline',
  stages: {
    open: { id: '1', label: 'New', closed: false },
    snoozed: { id: '2', label: 'Waiting on contact', closed: false },
    closed: { id: '4', label: 'Closed', closed: true },
    reopened: { id: '3', label: 'Waiting on us', closed: false },
  },
  closedStageIds: new Set(['4', '5']),
};

const LABELS: Record<string, string> = { '1': 'New', '2': 'Waiting on contact', '3': 'Waiting on us', '4': 'Closed', '5': "Won't fix" };

function action(previous: string | null, current: string, state: ConversationState, tickets: Record<string, unknown> = {}): IntercomAction {
  return intercomActionFor({
    previousStageId: previous,
    currentStageId: current,
    resolved,
    conversationState: state,
    settings: ConnectionSettings.parse({ tickets }).tickets,
    stageLabel: LABELS[current] ?? current,
  });
}

const kind = (a: IntercomAction) => a.kind;
const why = (a: IntercomAction) => (a.kind === 'none' ? a.why : '');

t.test('conversationState', async (t) => {
  t.equal(conversationState({ state: 'open', open: true, statistics: null }), 'open');
  t.equal(conversationState({ state: 'open', open: true, statistics: { count_reopens: 0, first_close_at: null } }), 'open');
  t.equal(conversationState({ state: 'closed', open: false, statistics: { count_reopens: 3 } }), 'closed');
  t.equal(conversationState({ state: 'snoozed', open: true, statistics: { first_close_at: 1_760_000_000 } }), 'snoozed');
  t.equal(conversationState({ state: 'open', open: true, statistics: { count_reopens: 1 } }), 'reopened');
  t.equal(conversationState({ state: 'open', open: true, statistics: { first_close_at: 1_760_000_000 } }), 'reopened');
  t.equal(conversationState({ state: 'open', open: true, statistics: { last_close_at: 1_760_000_000 } }), 'reopened');
  t.equal(conversationState({ state: null, open: false, statistics: null }), 'closed', 'no state: open=false is closed');
  t.equal(conversationState({ state: undefined, open: true, statistics: null }), 'open');
  t.equal(conversationState({ state: 'open', open: false, statistics: null }), 'open', 'state wins over the flag');
});

t.test('desiredStage', async (t) => {
  t.same(desiredStage('open', resolved), { id: '1', label: 'New' });
  t.same(desiredStage('snoozed', resolved), { id: '2', label: 'Waiting on contact' });
  t.same(desiredStage('closed', resolved), { id: '4', label: 'Closed' });
  t.same(desiredStage('reopened', resolved), { id: '3', label: 'Waiting on us' });
});

t.test('closed in HubSpot while the conversation is open', async (t) => {
  t.same(action('1', '4', 'open', { whenClosedInHubSpot: 'close' }), { kind: 'close' });
  t.same(action('3', '5', 'reopened', { whenClosedInHubSpot: 'close' }), { kind: 'close' }, 'any closed stage');
  t.same(action('2', '4', 'snoozed', { whenClosedInHubSpot: 'note' }), { kind: 'note', text: "The HubSpot ticket was moved to 'Closed'." });
  t.same(action('1', '5', 'open', { whenClosedInHubSpot: 'note' }), { kind: 'note', text: "The HubSpot ticket was moved to 'Won't fix'." });
  t.equal(kind(action('1', '4', 'open')), 'none', "the default is 'nothing'");
  t.match(why(action('1', '4', 'open', { whenClosedInHubSpot: 'nothing' })), /whenClosedInHubSpot: 'nothing'/);
});

t.test('reopened in HubSpot while the conversation is closed', async (t) => {
  t.same(action('4', '3', 'closed', { whenClosedInHubSpot: 'close' }), { kind: 'reopen' });
  t.same(action('5', '1', 'closed', { whenClosedInHubSpot: 'note' }), { kind: 'reopen' });
  t.match(why(action('4', '3', 'closed', { whenClosedInHubSpot: 'close', reopenInIntercom: false })), /reopenInIntercom: false/);
  t.match(why(action('4', '3', 'closed', { whenClosedInHubSpot: 'nothing', reopenInIntercom: true })), /whenClosedInHubSpot: 'nothing'/);
});

t.test('already in step: our own writes come back as nothing', async (t) => {
  for (const mode of ['close', 'note', 'nothing']) {
    const s = { whenClosedInHubSpot: mode };
    t.match(why(action('1', '4', 'closed', s)), /^already in step: 'Closed' is the stage for closed conversations/, `${mode}: closed`);
    t.match(why(action('4', '3', 'reopened', s)), /^already in step: 'Waiting on us'/, `${mode}: reopened`);
    t.match(why(action('1', '2', 'snoozed', s)), /^already in step/, `${mode}: snoozed`);
    t.match(why(action('2', '1', 'open', s)), /^already in step/, `${mode}: open`);
  }
});

t.test('already in step: same closed-ness, another stage', async (t) => {
  const s = { whenClosedInHubSpot: 'close' };
  t.equal(why(action('4', '5', 'closed', s)), 'already in step: the ticket and the conversation are both closed');
  t.equal(why(action('1', '3', 'open', s)), 'already in step: the ticket and the conversation are both open');
  t.equal(why(action('1', '3', 'snoozed', s)), 'already in step: the ticket and the conversation are both open', 'snoozed is not closed');
});

t.test('an open state mapped to a closed stage is still in step', async (t) => {
  const odd: ResolvedPipeline = { ...resolved, stages: { ...resolved.stages, snoozed: { id: '5', label: "Won't fix", closed: true } } };
  const a = intercomActionFor({
    previousStageId: '1', currentStageId: '5', resolved: odd, conversationState: 'snoozed',
    settings: ConnectionSettings.parse({ tickets: { whenClosedInHubSpot: 'close' } }).tickets, stageLabel: "Won't fix",
  });
  t.equal(kind(a), 'none');
  t.match(why(a), /^already in step/);
});

t.test('no change, unknown previous stage, moves within the same kind while out of step', async (t) => {
  const s = { whenClosedInHubSpot: 'close' };
  t.equal(why(action('4', '4', 'open', s)), 'the ticket stage did not change');
  t.match(why(action(null, '4', 'open', s)), /previous ticket stage is not known/);
  t.match(why(action(null, '1', 'closed', s)), /previous ticket stage is not known/);
  t.equal(why(action('4', '5', 'open', s)), 'the ticket moved between closed stages; nothing was closed');
  t.equal(why(action('1', '2', 'closed', s)), 'the ticket moved between open stages; nothing was reopened');
});
