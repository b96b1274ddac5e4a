// The Conversations, Matching and Tickets tabs' API: a connection's settings, read whole and saved by section.
// A recordSync that enables an object type is first checked against the live accounts and its
// `create: true` fields made (src/records/check-record-sync.ts); nothing is saved when that fails.
import type { FastifyInstance } from 'fastify';
import { ConnectionSettings } from '../../config/connection-settings.ts';
import { yamlEntryKey } from '../../connections/seed-from-config.ts';
import { getConnection, updateConnectionSettings, type Connection } from '../../db/repos/connections.ts';
import { SettingsBody, type SettingsView } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';
import { requestActor } from '../authenticate.ts';
import { recordSettingsChange } from '../../audit/record-audit.ts';
import { checkRecordSync } from '../../records/check-record-sync.ts';
import { filterRefusal } from './record-filters.ts';

type ById = { Params: { id: string } };

export type SettingsRouteDeps = Pick<AppDeps, 'db' | 'config' | 'clock' | 'clients' | 'records'>;

const SECTIONS = ['timeZone', 'conversations', 'matching', 'tickets', 'recordSync'] as const;

export function settingsRoutes(app: FastifyInstance, deps: SettingsRouteDeps): void {
  const load = async (id: string): Promise<Connection> => (await getConnection(deps.db, id)) ?? Promise.reject(notFound('A connection with that id'));
  const configKey = (row: Connection) => yamlEntryKey(deps.config, row);
  // The record sync's own catalogue: fields created here are seen by the sync at once.
  const catalogue = deps.records.catalogue;
  const view = (row: Connection, settings: ConnectionSettings): SettingsView => ({
    settings,
    managedByConfig: row.managedByConfig,
    configKey: configKey(row),
  });

  app.get<ById>('/api/connections/:id/settings', async (request) => {
    const row = await load(request.params.id);
    return view(row, row.settings);
  });

  app.put<ById>('/api/connections/:id/settings', async (request) => {
    const row = await load(request.params.id);
    const key = configKey(row);
    if (key) throw new HttpError(409, 'managed_by_config', `'${row.name}' takes its settings from the configuration file (${key}); change them there.`);
    let body;
    try {
      body = parseBody(SettingsBody, request.body);
    } catch (error) {
      throw filterRefusal(error);
    }
    // Parsing gives every section its defaults: only the sections the caller sent replace stored ones.
    const sent = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const given = Object.fromEntries(SECTIONS.filter((section) => Object.hasOwn(sent, section)).map((section) => [section, body[section]]));
    let recordSyncCheck: SettingsView['recordSyncCheck'];
    if (body.recordSync && Object.hasOwn(given, 'recordSync')) {
      // Before the save, so that a refusal leaves the stored settings as they were.
      const check = await checkRecordSync({ catalogue, clients: deps.clients }, row, body.recordSync);
      if (!check.ok) {
        const made = check.created.length > 0 ? ` Created before that: ${check.created.map((field) => `${field.vendor} ${field.name}`).join(', ')}.` : '';
        throw new HttpError(check.status, check.code, `${check.message} Nothing was saved.${made}`, { details: check.problems });
      }
      recordSyncCheck = { checked: check.checked, created: check.created, notices: check.notices };
    }
    const settings = await updateConnectionSettings(deps.db, row.id, (current) => parseBody(ConnectionSettings, { ...current, ...given }), deps.clock());
    request.log.info({ connectionId: row.id, sections: Object.keys(given) }, 'connection settings saved');
    await recordSettingsChange(deps.db, deps.clock(), requestActor(request), row, row.settings, settings);
    return { ...view(row, settings), ...(recordSyncCheck ? { recordSyncCheck } : {}) };
  });
}
