// The ticket permission warning is cleared only by a read that began after it was raised: a cached
// read (or a slower job's) from before a 403 cannot vouch for the permission (stop 24's flaky race).
import t from 'tap';
import { getConnection, insertConnection } from '../../src/db/repos/connections.ts';
import type { HubSpotClient } from '../../src/integrations/hubspot/client.ts';
import type { Pipeline } from '../../src/integrations/hubspot/schemas.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { createPipelineCache, resolveTicketPipeline, TICKET_PERMISSION_WARNING, type TicketPipelineDeps } from '../../src/tickets/ticket-pipeline.ts';
import { listWarnings } from '../../src/tickets/ticket-store.ts';
import { ConnectionSettings } from '../../src/config/connection-settings.ts';
import { eachStore } from '../helpers/postgres.ts';

const pipeline: Pipeline = {
  id: '0', label: 'Support Pipeline', displayOrder: 0, archived: false,
  stages: [
    { id: '1', label: 'New', displayOrder: 0, archived: false, metadata: { ticketState: 'OPEN' } },
    { id: '4', label: 'Closed', displayOrder: 1, archived: false, metadata: { ticketState: 'CLOSED' } },
  ],
};

/** A HubSpot client whose pipeline list answers, or refuses with 403, as the test says. */
function hubspot(answer: () => Pipeline[]): HubSpotClient {
  return { pipelines: { list: async () => answer() } } as unknown as HubSpotClient;
}

const forbidden = () => {
  throw new UpstreamError({ service: 'hubspot', kind: 'forbidden', status: 403, method: 'GET', path: '/crm/pipelines/2026-09/tickets', vendorMessage: 'missing scope tickets' });
};

eachStore(t, 'a read from before a 403 does not clear the warning the 403 raised; a later read does', async (t, db) => {
  let now = 1_000_000;
  await insertConnection(db.kysely, {
    id: 'c1', name: 'c1', status: 'active', createdAt: now, intercomWorkspaceId: 'ws', intercomRegion: 'us', hubspotPortalId: 1,
    intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token',
  });
  const row = (await getConnection(db.kysely, 'c1'))!;
  const cache = createPipelineCache({ now: () => now });
  const deps: TicketPipelineDeps = { db: db.kysely, pipelines: cache, now: () => now, settingsKey: () => 'settings' };
  const settings = ConnectionSettings.parse({}).tickets;

  // Job A reads the pipelines (cached from now on).
  await resolveTicketPipeline(deps, row, hubspot(() => [pipeline]), settings);
  // Later the token loses the permission: a job that reads afresh gets a 403 and raises the warning.
  now += 1_000;
  cache.forget('c1');
  await t.rejects(resolveTicketPipeline(deps, row, hubspot(forbidden), settings));
  t.same((await listWarnings(db.kysely, 'c1')).map((w) => w.code), [TICKET_PERMISSION_WARNING]);

  // A job answered from a read that began before the 403 (simulated: a cache entry from before).
  now += 1_000;
  const stale = createPipelineCache({ now: () => now });
  const staleDeps = { ...deps, pipelines: { get: async () => ({ pipelines: [pipeline], readAt: now - 1_500 }), forget: stale.forget } };
  await resolveTicketPipeline(staleDeps, row, hubspot(() => [pipeline]), settings);
  t.same((await listWarnings(db.kysely, 'c1')).map((w) => w.code), [TICKET_PERMISSION_WARNING], 'the older read leaves the newer warning standing');

  // The 403 dropped the cache, so the next job reads afresh; with the permission back, that clears it.
  now += 1_000;
  await resolveTicketPipeline(deps, row, hubspot(() => [pipeline]), settings);
  t.same(await listWarnings(db.kysely, 'c1'), [], 'a read that began after the warning clears it');
});
