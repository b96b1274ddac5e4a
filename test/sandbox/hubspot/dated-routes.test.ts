// The HubSpot simulator serves on 2026-09 only what HubSpot's specs declare for 2026-09
// (../shared/docs/hubspot-routes-2026-09.md, parsed here), while the classic and 2026-03 forms keep
// the routes the official SDK and older callers use.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import t from 'tap';
import { createHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';
import { harness } from './helpers.ts';

const ROUTES_DOC = fileURLToPath(new URL('../../../../shared/docs/hubspot-routes-2026-09.md', import.meta.url));

// These sections declare their routes for other object types (custom objects, partner services),
// not for the contacts, companies, notes and tickets the simulator serves.
const OTHER_OBJECT_TYPES = new Set(['CRM Custom Objects', 'CRM Partner Services']);

/** "GET /crm/objects/2026-09/{}/{}" — parameter names do not matter, only where they are. */
const shape = (method: string, path: string) => `${method} ${path.replace(/\{[^}]+\}/g, '{}').replace(/:[A-Za-z]+/g, '{}')}`;

function documentedRoutes(markdown: string): { forOurTypes: Set<string>; forOtherTypes: Set<string> } {
  const forOurTypes = new Set<string>();
  const forOtherTypes = new Set<string>();
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) section = heading[1]!.trim();
    const row = /^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|$/.exec(line.trim());
    if (!row) continue;
    (OTHER_OBJECT_TYPES.has(section) ? forOtherTypes : forOurTypes).add(shape(row[1]!, row[2]!));
  }
  return { forOurTypes, forOtherTypes };
}

async function servedRoutes(): Promise<Set<string>> {
  const app = Fastify();
  const served = new Set<string>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') served.add(shape(method, route.url));
  });
  await app.register(createHubSpotSimulator().plugin);
  await app.ready();
  await app.close();
  return served;
}

t.test('every route the simulator serves on 2026-09 is declared for 2026-09', async (t) => {
  const documented = documentedRoutes(readFileSync(ROUTES_DOC, 'utf8'));
  t.ok(documented.forOurTypes.has('POST /crm/associations/2026-09/{}/{}/batch/read'), 'the list was parsed');
  t.ok(documented.forOurTypes.size > 50, `${documented.forOurTypes.size} documented routes`);
  const served = [...(await servedRoutes())].filter((route) => route.includes('/2026-09'));
  t.ok(served.length > 30, `${served.length} routes served on 2026-09`);
  t.same(served.filter((route) => !documented.forOurTypes.has(route)), [], 'nothing undeclared is served');
  t.ok(documented.forOtherTypes.has('GET /crm/objects/2026-09/{}/{}/associations/{}'), 'the per-record associations list is declared, for partner services only');
  t.notOk(documented.forOurTypes.has('GET /crm/objects/2026-09/{}/{}/associations/{}'));
});

t.test('the per-record associations list answers 404 on 2026-09, as an unknown route does, and stays on v4 and 2026-03', async (t) => {
  const h = await harness();
  t.teardown(() => h.server.close());
  const contact = h.server.sim.control.seedRecord({ objectType: 'contacts', properties: { email: 'ana@acme.test' } });
  const company = h.server.sim.control.seedRecord({ objectType: 'companies', properties: { name: 'Acme' }, associations: [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 280 }] }] });
  const unknown = await h.call('GET', '/crm/objects/2026-09/contacts/x/nothing-here');
  const dated = await h.call('GET', `/crm/objects/2026-09/contacts/${contact}/associations/companies`);
  t.equal(dated.status, 404);
  const withoutCorrelation = (body: Record<string, unknown>) => ({ ...body, correlationId: undefined });
  t.same(withoutCorrelation(dated.body), withoutCorrelation(unknown.body), 'the same answer as any unknown route');
  for (const path of [`/crm/v4/objects/contacts/${contact}/associations/companies`, `/crm/objects/2026-03/contacts/${contact}/associations/companies`]) {
    t.match(await h.call('GET', path), { status: 200, body: { results: [{ toObjectId: Number(company) }] } }, path);
  }
  const read = await h.call('POST', '/crm/associations/2026-09/contacts/companies/batch/read', { inputs: [{ id: contact }] });
  t.match(read, { status: 200, body: { results: [{ from: { id: contact }, to: [{ toObjectId: Number(company) }] }] } }, 'the documented way to read them');
});
