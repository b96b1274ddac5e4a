// Tokens from the YAML file are identified by a job after start: the workspace and portal behind
// them, HubSpot's scopes; a refused token marks the connection needs_reauth naming the YAML key,
// and a corrected token at the next start brings it back.
import t from 'tap';
import pino from 'pino';
import { parseConfig } from '../../src/config/load.ts';
import { IDENTIFY_TASK, identifyTasks } from '../../src/connections/identify-task.ts';
import { startHubSpotSimulator } from '../../src/sandbox/hubspot/index.ts';
import { startIntercomSimulator } from '../../src/sandbox/intercom/index.ts';
import type { JobOutcome } from '../../src/jobs/outcomes.ts';
import { makeDataDir } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

const yaml = `
connections:
  - name: Support
    intercom:
      accessToken: \${IC_TOKEN}
    hubspot:
      accessToken: \${HS_TOKEN}
`;

t.test('YAML tokens: identified by a job, refused ones name their key, corrected ones recover', async (t) => {
  const intercom = await startIntercomSimulator({ port: 0 });
  const hubspot = await startHubSpotSimulator({ port: 0 });
  t.teardown(async () => {
    await intercom.close();
    await hubspot.close();
  });
  const workspaceId = intercom.sim.defaults?.workspaceId ?? '';
  const goodIntercom = intercom.sim.control.createAccessToken(workspaceId);
  const hubToken = hubspot.sim.control.createStaticToken({ scopes: ['oauth', 'tickets'] });
  const dataDir = makeDataDir(t);

  const boot = async (env: Record<string, string>) => {
    const config = parseConfig(yaml, env);
    const server = await buildTestApp(t, { dataDir, startScheduler: false, config: { connections: config.connections } });
    const db = server.daemon.db.kysely;
    // YAML connections talk to the real vendors; here they are pointed at the simulators.
    await db.updateTable('connections').set({ intercom_base_url: intercom.url, hubspot_base_url: hubspot.url }).execute();
    const jobs = await db.selectFrom('jobs').selectAll().where('task', '=', IDENTIFY_TASK).where('status', '=', 'queued').execute();
    const [task] = identifyTasks({ db, vault: server.daemon.vault, upstream: server.daemon.upstream, config, log: pino({ level: 'silent' }), clock: Date.now });
    const run = async () => {
      const outcomes: Array<JobOutcome | void> = [];
      for (const job of jobs) {
        const ctx = { job: { id: job.id, task: job.task, key: job.key, connectionId: job.connection_id, attempt: 1, maxAttempts: 3 }, log: pino({ level: 'silent' }), now: Date.now, signal: new AbortController().signal };
        outcomes.push(await task?.run(JSON.parse(job.payload) as never, ctx));
      }
      // Handled here instead of by the scheduler: finished, as the scheduler would record them.
      await db.deleteFrom('jobs').where('id', 'in', jobs.map((job) => job.id)).execute();
      return outcomes;
    };
    const row = () => db.selectFrom('connections').selectAll().executeTakeFirstOrThrow();
    return { server, jobs, run, row };
  };

  const first = await boot({ IC_TOKEN: 'refused-token', HS_TOKEN: hubToken });
  t.same(first.jobs.map((job) => JSON.parse(job.payload).side).sort(), ['hubspot', 'intercom'], 'one identify job per declared token');
  t.ok(first.jobs.every((job) => job.connection_id === null), 'not parked by a needs_reauth connection');
  const outcomes = await first.run();
  t.match(outcomes.find((o) => o && o.type === 'fail'), { reason: /Intercom refused this access token.*connections\[0\]\.intercom\.accessToken/ });
  t.match(await first.row(), { status: 'needs_reauth', intercom_workspace_id: null, hubspot_portal_id: hubspot.sim.control.defaultHubId(), hubspot_auth: 'token', hubspot_scopes: JSON.stringify(['oauth', 'tickets']) });
  await first.server.daemon.close();

  const second = await boot({ IC_TOKEN: goodIntercom, HS_TOKEN: hubToken });
  t.same(second.jobs.map((job) => JSON.parse(job.payload).side), ['intercom'], 'only the changed (and unidentified) token is looked up again');
  await second.run();
  t.match(await second.row(), { status: 'active', intercom_workspace_id: workspaceId, intercom_auth: 'token' });
  await second.server.daemon.close();

  const third = await boot({ IC_TOKEN: goodIntercom, HS_TOKEN: hubToken });
  t.same(third.jobs, [], 'a restart with the same file looks nothing up');
});
