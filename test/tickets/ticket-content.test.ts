// Ticket properties: templates, the subject's fallback and length, the reference, priority and owner.
import t from 'tap';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import type { IntercomConversation } from '../../src/integrations/intercom/conversations.ts';
import { fillTemplate, ticketProperties, TICKET_SUBJECT_MAX, type TicketInput } from '../../src/tickets/ticket-content.ts';

function conversation(extra: Record<string, unknown> = {}): IntercomConversation {
  return {
    id: '1911',
    created_at: 1_760_000_000,
    updated_at: 1_760_000_600,
    title: 'Refund for order 42',
    source: { type: 'email', subject: 'Re: my order', author: { type: 'user', id: 'c1' } },
    priority: 'not_priority',
    parts: [],
    partCount: 0,
    partsTruncated: false,
    ...extra,
  };
}

function input(extra: Partial<TicketInput> = {}, tickets: Record<string, unknown> = {}): TicketInput {
  return {
    conversation: conversation(),
    customer: 'Ana Silva',
    company: 'Acme',
    link: 'https://app.intercom.com/a/inbox/w1/inbox/conversation/1911',
    reference: 'ihz:c1:1911:1',
    ownerId: '501',
    stageId: '1',
    pipelineId: '0',
    settings: ConnectionSettings.parse({ tickets }).tickets,
    ...extra,
  };
}

t.test('fillTemplate', async (t) => {
  t.equal(fillTemplate('{subject} ({id})', { subject: 'Hi', id: '7' }), 'Hi (7)');
  t.equal(fillTemplate('{subject} {nope} {}', { subject: 'Hi' }), 'Hi {nope} {}', 'unknown placeholders stay');
  t.equal(fillTemplate('{a}{a}', { a: 'x' }), 'xx');
  t.equal(fillTemplate('{customer}', { customer: '{id} <b>&</b>', id: '7' }), '{id} <b>&</b>', 'values are not expanded again or escaped');
  t.equal(fillTemplate('{toString} {constructor}', {}), '{toString} {constructor}', "only the values' own keys");
  t.equal(fillTemplate('no placeholders', {}), 'no placeholders');
});

t.test('the default templates', async (t) => {
  t.same(ticketProperties(input()), {
    subject: 'Refund for order 42',
    content: 'Intercom conversation 1911 with Ana Silva: https://app.intercom.com/a/inbox/w1/inbox/conversation/1911\n\nref ihz:c1:1911:1',
    hs_pipeline: '0',
    hs_pipeline_stage: '1',
    hubspot_owner_id: '501',
  });
});

t.test('custom templates with every placeholder', async (t) => {
  const p = ticketProperties(input({}, { subjectTemplate: '[{company}] {subject} — {customer} #{id}', descriptionTemplate: '{link} {nope}' }));
  t.equal(p['subject'], '[Acme] Refund for order 42 — Ana Silva #1911');
  t.equal(p['content'], 'https://app.intercom.com/a/inbox/w1/inbox/conversation/1911 {nope}\n\nref ihz:c1:1911:1');
});

t.test('subject: the title, else the email subject, else the fallback', async (t) => {
  t.equal(ticketProperties(input({ conversation: conversation({ title: '  ' }) }))['subject'], 'Re: my order');
  t.equal(ticketProperties(input({ conversation: conversation({ title: null, source: null }) }))['subject'], 'Intercom conversation 1911');
  t.equal(ticketProperties(input({}, { subjectTemplate: '' }))['subject'], 'Intercom conversation 1911');
  t.equal(ticketProperties(input({}, { subjectTemplate: ' {subject} ' }))['subject'], 'Refund for order 42', 'trimmed');
  t.equal(ticketProperties(input({ conversation: conversation({ title: 'Line one\n\tline two' }) }))['subject'], 'Line one line two', 'one line');
});

t.test(`subject: at most ${TICKET_SUBJECT_MAX} characters`, async (t) => {
  const exact = 'x'.repeat(TICKET_SUBJECT_MAX);
  t.equal(ticketProperties(input({ conversation: conversation({ title: exact }) }))['subject'], exact, 'exactly the limit is kept whole');
  const long = ticketProperties(input({ conversation: conversation({ title: 'y'.repeat(400) }) }))['subject'] ?? '';
  t.equal(long.length, TICKET_SUBJECT_MAX);
  t.ok(long.endsWith('…'));
  // A surrogate pair straddling the cut is dropped whole rather than split.
  const emoji = ticketProperties(input({ conversation: conversation({ title: `${'z'.repeat(253)}😀tail` }) }))['subject'] ?? '';
  t.ok(emoji.length <= TICKET_SUBJECT_MAX);
  t.equal(emoji, `${'z'.repeat(253)}…`);
  t.doesNotThrow(() => encodeURIComponent(emoji), 'no lone surrogate');
});

t.test('content: the reference stays when the description renders empty', async (t) => {
  t.equal(ticketProperties(input({}, { descriptionTemplate: '' }))['content'], 'ref ihz:c1:1911:1');
});

t.test('priority mapping', async (t) => {
  const flagged = input({ conversation: conversation({ priority: 'priority' }) });
  t.equal(ticketProperties(flagged)['hs_ticket_priority'], 'HIGH', 'the default for a priority conversation');
  t.notOk('hs_ticket_priority' in ticketProperties(input()), 'not_priority maps to empty by default: not set');
  t.equal(ticketProperties(input({}, { priorities: { priority: 'URGENT', notPriority: 'LOW' } }))['hs_ticket_priority'], 'LOW');
  t.equal(ticketProperties({ ...flagged, settings: ConnectionSettings.parse({ tickets: { priorities: { priority: 'URGENT' } } }).tickets })['hs_ticket_priority'], 'URGENT');
  t.notOk('hs_ticket_priority' in ticketProperties({ ...flagged, settings: ConnectionSettings.parse({ tickets: { priorities: { priority: ' ' } } }).tickets }));
  t.equal(ticketProperties(input({ conversation: conversation({ priority: null }) }, { priorities: { notPriority: 'LOW' } }))['hs_ticket_priority'], 'LOW', 'no flag: not priority');
});

t.test('owner: omitted when there is none', async (t) => {
  t.notOk('hubspot_owner_id' in ticketProperties(input({ ownerId: null })));
  t.equal(ticketProperties(input({ ownerId: '9' }))['hubspot_owner_id'], '9');
});
