// The Fields & filters tab's calls: the live field lists of both accounts, the mapping check and its
// dry run, and the filters' preview on a sample. Shapes: src/http/api/record-fields.ts and
// src/http/api/filters.ts (#18).
import { request } from '../../api.ts';
import type { SettingsView } from '../../../../src/http/api-types.ts';
import type { Filter, FilterOperator, FilterPreviewAnswer, RecordFilters } from '../../../../src/http/api/filters.ts';
import type { MappingCheckAnswer, MappingPreviewAnswer, RecordFieldsAnswer } from '../../../../src/http/api/record-fields.ts';

export type { MappingCheckAnswer, MappingPreviewAnswer };
export type RecordFieldsView = RecordFieldsAnswer;

type ObjectSync = SettingsView['settings']['recordSync']['contacts'];
export type RecordObject = RecordFieldsAnswer['object'];
export type MappingInput = ObjectSync['mappings'][number];
export type Direction = MappingInput['direction'];
export type ConflictRule = NonNullable<MappingInput['onConflict']>;
export type { RecordFilters };
export type RecordFilter = Filter;
export type Operator = FilterOperator;
export type FilterValue = NonNullable<Filter['value']>;
export type FilterDirection = 'to_hubspot' | 'to_intercom';

const base = (id: string, object: RecordObject) => `/api/connections/${encodeURIComponent(id)}/records/${object}`;

export const fieldsApi = {
  getFields: (id: string, object: RecordObject) => request<RecordFieldsView>('GET', `${base(id, object)}/fields`),
  checkMappings: (id: string, object: RecordObject, mappings: MappingInput[]) =>
    request<MappingCheckAnswer>('POST', `${base(id, object)}/mappings/check`, { body: { mappings } }),
  previewMappings: (id: string, object: RecordObject, mappings: MappingInput[], intercomId?: string) =>
    request<MappingPreviewAnswer>('POST', `${base(id, object)}/mappings/preview`, { body: { mappings, ...(intercomId ? { intercomId } : {}) } }),
  previewFilters: (id: string, object: RecordObject, direction: FilterDirection, filters: RecordFilter[]) =>
    request<FilterPreviewAnswer>('POST', `${base(id, object)}/filters/preview`, { body: { direction, filters } }),
};
