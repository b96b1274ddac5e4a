// The Inbox app's activity entries where people read them: the Activity page can filter them by
// kind, and the explainer's timeline line names the teammate and the button.
import t from 'tap';
import { ACTIVITY_KINDS } from '../../src/activity/activity-log.ts';
import { inboxClickSummary } from '../../src/canvas/inbox-activity.ts';
import { ACTIVITY_KIND_CHOICES } from '../../ui/src/components/activity/activity-filters.ts';

t.test('the Activity page offers every kind the activity log writes, the Inbox app among them', async (t) => {
  const offered = ACTIVITY_KIND_CHOICES.map((choice) => choice.value as string);
  for (const kind of ACTIVITY_KINDS) t.ok(offered.includes(kind), `kind ${kind} can be picked`);
  t.match(ACTIVITY_KIND_CHOICES.find((choice) => choice.value === 'inbox'), { label: 'Inbox app' });
});

t.test("an Inbox entry's line: the teammate by name (else by id) and the button as the card labels it", async (t) => {
  t.equal(inboxClickSummary({ action: 'push', teammate: { id: '7', name: 'Ana Agent' } }), 'Ana Agent clicked \u201cPush to HubSpot now\u201d in the Inbox app');
  t.equal(inboxClickSummary({ action: 'link_ticket', teammate: { id: '7', name: null }, ticketId: '9' }), 'teammate 7 clicked \u201cLink to an existing HubSpot ticket\u201d in the Inbox app');
  t.equal(inboxClickSummary({}), 'a teammate clicked a button in the Inbox app', 'an entry of another shape still reads');
});
