// A token that came from the YAML file is identified like a pasted one (which workspace or
// portal, which scopes), but in a job: at start the vendor may be unreachable, and the daemon
// must come up anyway. A refused token marks the connection needs_reauth and names the YAML key.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { markNeedsReauth, getConnection } from '../db/repos/connections.ts';
import { connectionOwner, getCredential } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import { STATIC_TOKEN_KIND } from '../integrations/hubspot/auth.ts';
import { INTERCOM_TOKEN_KIND } from '../integrations/intercom/auth.ts';
import type { UpstreamContext } from '../integrations/upstream-context.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { outcome } from '../jobs/outcomes.ts';
import { defineTask, type TaskDefinition } from '../jobs/task.ts';
import type { Vault } from '../vault/vault.ts';
import { identifyHubSpotToken, identifyIntercom } from './identify.ts';
import { recordConnected } from './record-connected.ts';
import { yamlTokenKey } from './seed-from-config.ts';

export const IDENTIFY_TASK = 'connection.identify';

const Payload = z.object({ connectionId: z.string(), side: z.enum(['intercom', 'hubspot']) });

export interface IdentifyDeps {
  db: Kysely<Database>;
  vault: Vault;
  upstream: UpstreamContext;
  config: Config;
  log: Logger;
  clock: () => number;
}

/**
 * Queued without the job's connection column on purpose: a needs_reauth connection parks its
 * jobs, and this one is how a corrected YAML token gets it out of that state.
 */
export async function enqueueIdentify(jobs: JobQueue, connectionId: string, side: 'intercom' | 'hubspot'): Promise<void> {
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
        const identity =
          side === 'intercom'
            ? await identifyIntercom(deps, { token: stored.value, region: row.intercom_region, baseUrlOverride: row.intercom_base_url, adoptReportedRegion: false })
            : await identifyHubSpotToken(deps, { token: stored.value, baseUrlOverride: row.hubspot_base_url });
        if (!identity.ok) {
          const where = yamlTokenKey(deps.config, row, side) ?? `the ${side} token`;
          if (identity.status === 502) return outcome.retry(`${identity.message} (${where})`);
          await markNeedsReauth(deps.db, row.id, side, deps.clock());
          return outcome.fail(`${identity.message} — correct ${where} and restart.`);
        }
        const recorded = await recordConnected(deps.db, deps.vault, {
          connectionId: row.id,
          connected:
            'workspaceId' in identity
              ? { side: 'intercom', method: 'token', workspaceId: identity.workspaceId, region: identity.region }
              : { side: 'hubspot', method: 'token', portalId: identity.portalId, scopes: identity.scopes },
          // Stored again through recordConnected so that an OAuth grant it replaces is erased.
          credentials: [{ kind, value: stored.value }],
          now: deps.clock(),
        });
        if (recorded?.notice) deps.log.warn({ connectionId: row.id, side }, recorded.notice);
        return outcome.done();
      },
    }),
  ];
}
