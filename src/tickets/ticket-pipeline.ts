// The connection's ticket pipeline and stage mapping, checked against the live pipelines in
// HubSpot (read at most every few minutes per connection). A value that does not exist is a
// warning on the connection naming the settings key, and no ticket is written with it.
import type { Kysely } from 'kysely';
import type { TicketSettings } from '../config/connection-settings.ts';
import { SettingsProblemError } from '../config/settings-problem.ts';
import type { Database } from '../db/schema.ts';
import type { Connection } from '../db/repos/connections.ts';
import type { HubSpotClient } from '../integrations/hubspot/client.ts';
import type { Pipeline } from '../integrations/hubspot/schemas.ts';
import { UpstreamError } from '../integrations/upstream-error.ts';
import { resolvePipeline, type PipelineProblem, type ResolvedPipeline } from './resolve-pipeline.ts';
import { clearWarning, raiseWarning } from './ticket-store.ts';

export const TICKET_SETTINGS_WARNING = 'ticket_settings';
export const TICKET_PERMISSION_WARNING = 'ticket_permission';

/** The ticket settings name a pipeline or stage HubSpot does not have, or tickets are not permitted. */
export class TicketSettingsError extends SettingsProblemError {
  override name = 'TicketSettingsError';
}

interface PipelineRead {
  pipelines: Pipeline[];
  /** When the read was sent: what it shows is known true from then on. */
  readAt: number;
}

export interface PipelineCache {
  get(connectionId: string, hubspot: HubSpotClient): Promise<PipelineRead>;
  /** After settings change, or a stage turned out to be gone. */
  forget(connectionId: string): void;
}

export function createPipelineCache(options: { ttlMs?: number; now: () => number }): PipelineCache {
  const ttl = options.ttlMs ?? 5 * 60_000;
  const entries = new Map<string, PipelineRead>();
  return {
    async get(connectionId, hubspot) {
      const cached = entries.get(connectionId);
      if (cached && options.now() - cached.readAt < ttl) return cached;
      const readAt = options.now();
      const read = { pipelines: await hubspot.pipelines.list('tickets'), readAt };
      entries.set(connectionId, read);
      return read;
    },
    forget: (connectionId) => void entries.delete(connectionId),
  };
}

export interface TicketPipelineDeps {
  db: Kysely<Database>;
  pipelines: PipelineCache;
  now: () => number;
  /** Where the connection's settings live, for messages: `connections[2]` (YAML) or `settings` (UI). */
  settingsKey(row: Connection): string;
}

export async function resolveTicketPipeline(deps: TicketPipelineDeps, row: Connection, hubspot: HubSpotClient, settings: TicketSettings): Promise<ResolvedPipeline> {
  const keyPrefix = `${deps.settingsKey(row)}.tickets`;
  let read: PipelineRead;
  try {
    read = await deps.pipelines.get(row.id, hubspot);
  } catch (error) {
    if (error instanceof UpstreamError && error.kind === 'forbidden') {
      // The cached pipelines were read with a permission the connection no longer has.
      deps.pipelines.forget(row.id);
      const message = `HubSpot does not let this connection read ticket pipelines (${error.details.vendorMessage ?? error.message}); grant the 'tickets' scope or turn tickets off (${keyPrefix}.policy: none).`;
      await raiseWarning(deps.db, row.id, TICKET_PERMISSION_WARNING, message, deps.now());
      throw new TicketSettingsError(message, [{ key: `${keyPrefix}.pipeline`, message }]);
    }
    throw error;
  }
  // Only a warning raised before this read began is disproved by it (a newer 403 stands).
  await clearWarning(deps.db, row.id, TICKET_PERMISSION_WARNING, { raisedBefore: read.readAt });
  const result = resolvePipeline(read.pipelines, settings, keyPrefix);
  if (!result.ok) {
    const message = `The ticket settings do not match HubSpot, so no ticket is written: ${result.problems.map((problem) => `${problem.key}: ${problem.message}`).join('; ')}.`;
    await raiseWarning(deps.db, row.id, TICKET_SETTINGS_WARNING, message, deps.now());
    throw new TicketSettingsError(message, result.problems);
  }
  await clearWarning(deps.db, row.id, TICKET_SETTINGS_WARNING, { raisedBefore: read.readAt });
  return result.resolved;
}
