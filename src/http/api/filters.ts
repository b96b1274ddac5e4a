// The filters editor's API shapes (#18 item 2): a record filter as the settings hold it, and "N of M
// records would sync" on a sample before the filters are saved. The UI imports the types with
// `import type`; the route parses the body with the schema, then checks each filter against the
// accounts' fields (src/records/record-filters.ts).
import { z } from 'zod';
import type { FilterSettings, Operator, RecordFilter } from '../../records/filter-schema.ts';

/** One condition: `{field, operator, value?}` (recordSync.<object>.filters.<toHubSpot|toIntercom>[n]). */
export type Filter = RecordFilter;
export type FilterOperator = Operator;
/** `recordSync.<object>.filters`. */
export type RecordFilters = FilterSettings;

export const FilterPreviewBody = z.strictObject({
  /** to_hubspot: judged on Intercom's records; to_intercom: on HubSpot's. */
  direction: z.enum(['to_hubspot', 'to_intercom'], { error: "must be 'to_hubspot' or 'to_intercom'" }),
  /** Each checked as a saved filter would be (filters[n].field / .operator / .value). */
  filters: z.array(z.unknown(), { error: 'must be a list of {field, operator, value} conditions' }).max(50, { error: 'takes at most 50 conditions' }),
});
export type FilterPreviewBody = z.input<typeof FilterPreviewBody>;

export interface FilterPreviewAnswer {
  direction: 'to_hubspot' | 'to_intercom';
  /** Records judged: the source side's most recently updated, at most 100. */
  sampled: number;
  /** Of them, those every filter lets through: "passing of sampled would sync". */
  passing: number;
  /** Records on the source side (Intercom `total_count`, HubSpot search `total`); null when it does not say. */
  total: number | null;
  /** Per filter, the sampled records it excludes on its own. */
  byFilter: Array<{ index: number; excluded: number }>;
}
