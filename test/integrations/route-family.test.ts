// Route families name upstream calls for metrics and the rate-budget meter's "calls by kind".
import t from 'tap';
import { routeFamily } from '../../src/integrations/route-family.ts';

t.test('a HubSpot date version is no item: the path before it decides list or get', async (t) => {
  t.equal(routeFamily('GET', '/crm/owners/2026-09'), 'crm.owners.list', 'listing owners');
  t.equal(routeFamily('GET', '/crm/owners/2026-09/123'), 'crm.owners.get', 'one owner');
  t.equal(routeFamily('POST', '/crm/objects/2026-09/notes'), 'crm.objects.notes.create');
  t.equal(routeFamily('GET', '/crm/objects/2026-09/contacts/901'), 'crm.objects.contacts.get');
  t.equal(routeFamily('POST', '/crm/objects/2026-09/contacts/search'), 'crm.objects.contacts.search');
  t.equal(routeFamily('GET', '/crm/pipelines/2026-09/tickets'), 'crm.pipelines.tickets.list');
});
