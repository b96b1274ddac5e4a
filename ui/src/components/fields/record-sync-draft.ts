// The tab's draft of the whole recordSync section (both object types: a save replaces the section
// whole, src/http/routes/settings.ts), built from the stored settings in the shape the server stores,
// so an untouched draft is not "changed".
import type { SettingsView } from '../../../../src/http/api-types.ts';
import type { MappingInput, RecordFilters, RecordObject } from './fields-api.ts';

export interface ObjectDraft {
  enabled: boolean;
  mappings: MappingInput[];
  filters: RecordFilters;
}

export type RecordSyncDraft = Record<RecordObject, ObjectDraft>;

type StoredObjectSync = SettingsView['settings']['recordSync'][RecordObject];

function objectDraft(stored: StoredObjectSync): ObjectDraft {
  return { enabled: stored.enabled, mappings: stored.mappings, filters: stored.filters };
}

export function toDraft(settings: SettingsView['settings']): RecordSyncDraft {
  return { contacts: objectDraft(settings.recordSync.contacts), companies: objectDraft(settings.recordSync.companies) };
}
