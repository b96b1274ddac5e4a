// API Push when the capture has to wait: a contact create whose answer was lost, while HubSpot's
// search has not indexed it yet. A job would retry later by itself; the push answers 503 with
// Retry-After and a sentence, not an internal error, and creates nothing twice.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';

t.test('a push that must wait for HubSpot\'s search index answers 503 retry_later with Retry-After', async (t) => {
  const s = await captureScenario(t, { startScheduler: false });
  s.hubspot.control.setSettings({ searchIndexDelayMs: 8_000 });
  await s.setSettings((settings) => {
    settings.matching.contacts.leadsWithoutEmail = 'create';
    settings.matching.contacts.strategies = [{ type: 'email', enabled: true }, { type: 'phone', enabled: true, defaultCountry: 'DE' }];
  });
  const lead = s.intercom.control.contacts.create(s.workspaceId, { role: 'lead', name: 'Phone Only', phone: '+4915112345678' });
  const { conversationId } = s.conversation({ contactId: String(lead.id), company: null });
  s.hubspot.control.addFault({ kind: 'answer_lost', method: 'POST', pathPrefix: '/crm/objects/2026-09/contacts$' });

  const first = await s.push(conversationId, { force: true });
  t.not(first.status, 200, 'the create\'s answer was lost');
  t.equal(s.records('contacts').length, 1, 'but HubSpot made the contact');

  const second = await s.push(conversationId, { force: true });
  t.equal(second.status, 503);
  t.match(second.body, { error: { code: 'retry_later', message: /Push again in \d+ s\./ } });
  t.ok(Number(second.headers?.get('retry-after')) >= 1, `Retry-After says when (${second.headers?.get('retry-after')} s)`);
  t.equal(s.records('contacts').length, 1, 'no second contact');
});
