// GET /api/connections/:id/hubspot/pipelines, as the Tickets tab uses it: the live pipelines in
// HubSpot's order, the saved settings' problems by key, and a warning that goes once a save fixed them.
import t from 'tap';
import { captureScenario } from '../helpers/capture-scenario.ts';

t.test('the pickers’ pipelines, the problems of the saved settings, and the warning cleared by a fix', async (t) => {
  const s = await captureScenario(t);
  await s.setSettings((settings) => {
    settings.conversations.routing.defaultDestinations = ['contact', 'company', 'ticket'];
    settings.conversations.guards.minDurationMinutes = 0;
    settings.tickets.stages.closed = 'Done';
  });
  const pipelines = () => s.api('GET', `/api/connections/${s.connectionId}/hubspot/pipelines`);
  const warnings = async () => (await s.api('GET', `/api/connections/${s.connectionId}`)).body?.warnings as string[];

  const bad = await pipelines();
  t.equal(bad.status, 200);
  t.same(bad.body?.pipelines, [
    {
      id: '0', label: 'Support Pipeline',
      stages: [
        { id: '1', label: 'New', closed: false }, { id: '2', label: 'Waiting on contact', closed: false },
        { id: '3', label: 'Waiting on us', closed: false }, { id: '4', label: 'Closed', closed: true },
      ],
    },
  ]);
  t.match(bad.body?.problems, [{ key: 'settings.tickets.stages.closed', message: /stage 'Done' does not exist in pipeline 'Support Pipeline'/ }]);

  const { conversationId } = s.conversation({ spacingMs: 0 });
  t.equal((await s.push(conversationId)).status, 409, 'no ticket with a stage HubSpot does not have');
  t.ok((await warnings()).some((warning) => /tickets\.stages\.closed/.test(warning)), 'the connection says so');

  const saved = await s.api('PUT', `/api/connections/${s.connectionId}/settings`, { tickets: { stages: { closed: '4' } } });
  t.equal(saved.status, 200);
  t.same((await pipelines()).body?.problems, [], 'the fixed settings match');
  t.notOk((await warnings()).some((warning) => /tickets\.stages/.test(warning)), 'and the warning is gone without waiting for the next capture');

  const plain = await s.api('POST', '/api/connections', { name: 'No HubSpot yet' });
  const unconnected = await s.api('GET', `/api/connections/${plain.body?.id}/hubspot/pipelines`);
  t.match(unconnected, { status: 409, body: { error: { code: 'not_connected' } } });
});
