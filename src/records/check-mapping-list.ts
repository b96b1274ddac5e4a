// A mapping list checked before it is saved, for the Fields tab (#18 item 1): the settings' own
// schema (field-mapping.ts — the shape, read-only directions, always-mapped fields, one source per
// field) and then the types against the accounts' fields (check-mapping-types.ts), each problem by
// the mapping's index in the list given and the key the UI shows it at. Pure: writes nothing.
import { mappingTypeProblems, type AccountFields } from './check-mapping-types.ts';
import { RecordSyncSettings, type FieldMapping, type RecordObject } from './field-mapping.ts';

const PROBLEM_KEYS = ['intercom', 'hubspot', 'direction', 'onConflict'] as const;
type ProblemKey = (typeof PROBLEM_KEYS)[number];

interface ListProblem {
  index: number;
  key: ProblemKey;
  message: string;
}

export interface MappingListCheck {
  problems: ListProblem[];
  /** Input no mapping editor sends (a key that is not a mapping's, `create` not a boolean, not a list): answered 400 by path. */
  malformed: Array<{ path: string; message: string }>;
  /** Each mapping as the settings would hold it (defaults filled in), by index; undefined where its own shape is wrong. */
  mappings: Array<FieldMapping | undefined>;
  /**
   * The list as the settings would hold it (the always-mapped fields added), without the mappings
   * the schema refused; absent when even that list is refused.
   */
  saved?: FieldMapping[];
}

const isProblemKey = (key: unknown): key is ProblemKey => (PROBLEM_KEYS as readonly unknown[]).includes(key);

/** Parses mappings as connections[n].recordSync.<object>.mappings; `fields` undefined checks the shape only. */
export function checkMappingList(object: RecordObject, mappings: readonly unknown[], fields: AccountFields | undefined): MappingListCheck {
  const problems: ListProblem[] = [];
  const malformed: MappingListCheck['malformed'] = [];
  const whole = RecordSyncSettings.safeParse({ [object]: { mappings } });
  if (!whole.success) {
    for (const issue of whole.error.issues) {
      // Paths are [object, 'mappings', index, key].
      const [, , index, key] = issue.path;
      if (typeof index === 'number' && isProblemKey(key)) problems.push({ index, key, message: issue.message });
      else {
        const path = ['mappings', ...issue.path.slice(2)].join('.');
        malformed.push({ path, message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message });
      }
    }
  }
  const refused = new Set(problems.map((problem) => problem.index));
  const rest = whole.success ? whole : RecordSyncSettings.safeParse({ [object]: { mappings: mappings.filter((_mapping, index) => !refused.has(index)) } });
  // Each mapping on its own, so one bad mapping does not hide the others' type problems. The schema
  // puts the always-mapped fields a list lacks first: the mapping given is the last one.
  const normalised = mappings.map((mapping) => {
    const one = RecordSyncSettings.safeParse({ [object]: { mappings: [mapping] } });
    return one.success ? one.data[object].mappings.at(-1) : undefined;
  });
  if (fields) {
    normalised.forEach((mapping, index) => {
      if (!mapping) return;
      for (const problem of mappingTypeProblems(object, [mapping], fields)) {
        // One problem per key: the schema's own comes first.
        if (!problems.some((known) => known.index === index && known.key === problem.path[1])) problems.push({ index, key: problem.path[1], message: problem.message });
      }
    });
  }
  problems.sort((a, b) => a.index - b.index);
  return { problems, malformed, mappings: normalised, ...(rest.success ? { saved: rest.data[object].mappings } : {}) };
}
