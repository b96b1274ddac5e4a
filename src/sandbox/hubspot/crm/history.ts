// Per-property change history: who set which value when, for `propertiesWithHistory` on GET, list
// and batch read (hubspot-api.md §5.2–§5.3; not on search, [ISSUE:HubSpot/hubspot-api-python#244]).
// The writer is the request's source: an app's token writes as INTEGRATION with the app id as
// sourceId, a person in HubSpot's UI as CRM_UI with "userId:N" and updatedByUserId N (captured
// bodies: [ISSUE:HubSpot/hubspot-api-nodejs#154] for CRM_UI; for INTEGRATION, responses pasted in
// public client code, sourceId a numeric app id — [2ND], not in hubspot-api.md;
// the "userId:N" form per developers.hubspot.com/changelog/crm-property-change-source-will-show-owner-id-instead-of-owner-email).
import type { AccessToken, CrmRecord, PropertyVersion } from '../state.ts';
import { isoTime } from './types.ts';

export interface WriteSource {
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** Writes the simulator makes on its own (seeding, restore): no app, no person. */
export const SIMULATOR_SOURCE: WriteSource = { sourceType: 'API' };

/** HubSpot's own derived values (activity dates, merged ids); sourceType UNCONFIRMED for those. */
export const CALCULATED_SOURCE: WriteSource = { sourceType: 'CALCULATED' };

/** Versions kept per property: the simulator's own bound on memory, not HubSpot's. */
const MAX_VERSIONS = 50;

export function tokenSource(token: AccessToken): WriteSource {
  const appId = token.kind === 'static' ? token.privateAppId : token.appId;
  return appId === undefined ? { sourceType: 'INTEGRATION' } : { sourceType: 'INTEGRATION', sourceId: String(appId) };
}

export function userSource(userId: number): WriteSource {
  return { sourceType: 'CRM_UI', sourceId: `userId:${userId}`, updatedByUserId: userId };
}

export function recordVersion(record: CrmRecord, name: string, value: string, at: number, source: WriteSource): void {
  const versions = (record.history[name] ??= []);
  versions.unshift({ value, timestamp: at, ...source });
  if (versions.length > MAX_VERSIONS) versions.length = MAX_VERSIONS;
}

/**
 * The history of the asked properties, newest first. A value set by HubSpot itself (the modified
 * date, the record id) has no writer on record here; it is reported as one CALCULATED version at
 * the record's last change (sourceType UNCONFIRMED for those).
 */
export function historyOf(record: CrmRecord, names: string[], known: (name: string) => boolean): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const name of names) {
    if (!known(name)) continue;
    const current = record.properties[name];
    const versions: PropertyVersion[] = record.history[name]
      ?? (current !== undefined ? [{ value: current, timestamp: record.updatedAt, ...CALCULATED_SOURCE }] : []);
    out[name] = versions.map((v) => ({ ...v, timestamp: isoTime(v.timestamp) }));
  }
  return out;
}
