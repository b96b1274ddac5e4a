// Parked work makes its connection needs_reauth, never Active (issue #16 item 1): a HubSpot
// static token refused with 401 does not go through a refresh (src/integrations/hubspot/auth.ts),
// so the only place that learns of it is the job that parks.
import t from 'tap';
import { z } from 'zod';
import { getConnection, insertConnection } from '../../src/db/repos/connections.ts';
import { UpstreamError } from '../../src/integrations/upstream-error.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { NeedsReauthError } from '../../src/jobs/outcomes.ts';
import { getJob } from '../../src/jobs/queue.ts';
import { createScheduler } from '../../src/jobs/scheduler.ts';
import { defineTask, taskRegistry } from '../../src/jobs/task.ts';
import { toJobOutcomeError } from '../../src/jobs/upstream-outcome.ts';
import { createLogger } from '../../src/log.ts';
import type { Db } from '../../src/db/database.ts';
import { eachStore } from '../helpers/postgres.ts';
import type { Teardownable } from '../helpers/server.ts';

const T0 = Date.UTC(2026, 11, 4, 10);

async function setup(t: Teardownable, db: Db, thrown: () => unknown) {
  const clock = { now: T0 };
  const scheduler = createScheduler({
    db: db.kysely,
    tasks: taskRegistry([defineTask({ name: 'conversation.capture', payload: z.object({}), run: async () => { throw thrown(); } })]),
    log: createLogger('silent'),
    concurrency: 1, perConnectionConcurrency: 1, leaseMs: 60_000, maxSleepMs: 60_000,
    backoff: { baseMs: 1000, capMs: 60_000 }, clock: () => clock.now, random: () => 0.5,
  });
  t.teardown(() => scheduler.stop(1000));
  const queue = createJobQueue({ db: db.kysely, clock: () => clock.now, maxAttempts: 3, notify: scheduler.notify });
  for (const id of ['c1', 'c2']) {
    await insertConnection(db.kysely, {
      id, name: id, status: 'active', createdAt: T0, intercomWorkspaceId: 'ws1', intercomRegion: 'us', hubspotPortalId: 1,
      intercomBaseUrl: null, hubspotBaseUrl: null, intercomAuth: 'token', hubspotAuth: 'token',
    });
  }
  return { db, scheduler, queue };
}

const refused = () => toJobOutcomeError(new UpstreamError({ service: 'hubspot', kind: 'unauthorized', status: 401, method: 'GET', path: '/crm/objects/2026-09/contacts' }));

eachStore(t, 'a job parked by a HubSpot 401 marks its connection needs_reauth with HubSpot refused, in the same step', async (t, store) => {
  const { db, scheduler, queue } = await setup(t, store, refused);
  const first = await queue.enqueue({ task: 'conversation.capture', payload: {}, connectionId: 'c1' });
  const later = await queue.enqueue({ task: 'conversation.capture', payload: {}, connectionId: 'c1', runAt: T0 + 60_000 });
  await scheduler.drain();
  t.match(await getJob(db.kysely, first.id), { status: 'parked' });
  t.match(await getJob(db.kysely, later.id), { status: 'parked' }, 'its other work waits too');
  t.match(await getConnection(db.kysely, 'c1'), { status: 'needs_reauth', hubspotRefused: true, intercomRefused: false });
  t.match(await getConnection(db.kysely, 'c2'), { status: 'active', hubspotRefused: false }, 'another connection is untouched');
});

eachStore(t, 'a park that does not say which side still leaves the connection needs_reauth (flags untouched)', async (t, store) => {
  const { db, scheduler, queue } = await setup(t, store, () => new NeedsReauthError('credential refused'));
  await queue.enqueue({ task: 'conversation.capture', payload: {}, connectionId: 'c1' });
  await scheduler.drain();
  t.match(await getConnection(db.kysely, 'c1'), { status: 'needs_reauth', hubspotRefused: false, intercomRefused: false });
});
