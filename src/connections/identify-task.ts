// A token that came from the YAML file is identified like a pasted one (which workspace or
// portal, which scopes), but in a job: at start the vendor may be unreachable, and the daemon
// must come up anyway. A refused token marks the connection needs_reauth and names the YAML key.
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { getConnection } from '../db/repos/connections.ts';
import { markNeedsReauth } from './reauth.ts';
import { connectionOwner, getCredential } from '../db/repos/credentials.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { outcome } from '../jobs/outcomes.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import { connectHubSpotToken, connectIntercomToken, type ConnectDeps } from './connect-with-token.ts';
import { yamlTokenKey } from './seed-from-config.ts';
import type { Vendor } from '../vendor.ts';

export const IDENTIFY_TASK = 'connection.identify';

const Payload = z.object({ connectionId: z.string(), side: z.enum(['intercom', 'hubspot']) });

export interface IdentifyDeps extends ConnectDeps {
  config: Config;
}

/**
 * Queued without the job's connection column on purpose: a needs_reauth connection parks its
 * jobs, and this one is how a corrected YAML token gets it out of that state.
 */
export async function enqueueIdentify(jobs: JobQueue, connectionId: string, side: Vendor): Promise<void> {
  await jobs.enqueue({ task: IDENTIFY_TASK, key: `identify:${connectionId}:${side}`, keyMode: 'replace', payload: { connectionId, side } });
}

export function identifyTasks(deps: IdentifyDeps): TaskDefinition[] {
  return [
    defineTask({
      name: IDENTIFY_TASK,
      payload: Payload,
      async run({ connectionId, side }) {
        const row = await getConnection(deps.db, connectionId);
        if (!row) return outcome.done();
        const kind = side === 'intercom' ? INTERCOM_TOKEN_KIND : STATIC_TOKEN_KIND;
        const stored = await getCredential(deps.db, deps.vault, connectionOwner(row.id), kind);
        if (!stored) return outcome.done();
        // The same check and record as a pasted token (the token is stored again, which erases an
        // OAuth grant it replaces); only a refusal is handled differently.
        const result =
          side === 'intercom'
            ? await connectIntercomToken(deps, row, { accessToken: stored.value, region: row.intercomRegion })
            : await connectHubSpotToken(deps, row, { accessToken: stored.value });
        if (!result.ok) {
          if (result.status === 404) return outcome.done();
          const where = yamlTokenKey(deps.config, row, side) ?? `the ${side} token`;
          if (result.status === 502) return outcome.retry(`${result.message} (${where})`);
          await markNeedsReauth(deps.db, row.id, side, deps.clock());
          return outcome.fail(`${result.message} — correct ${where} and restart.`);
        }
        if (result.notice) deps.log.warn({ connectionId: row.id, side }, result.notice);
        return outcome.done();
      },
    }),
  ];
}
