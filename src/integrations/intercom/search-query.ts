// Intercom's search query language (S14 #/components/schemas/search_request; intercom-api.md §3.5,
// §4.2): a single filter `{field, operator, value}` or a group `{operator: AND|OR, value: [...]}`.
// Its structural limits are checked before sending, so a bad query fails here with a clear
// message instead of a 400 from Intercom.

type SearchOperator = '=' | '!=' | 'IN' | 'NIN' | '>' | '<' | '>=' | '<=' | '~' | '!~' | '^' | '$';

interface SearchFilter {
  field: string;
  operator: SearchOperator;
  /** Dates are Unix seconds (string timestamps fail, §3.5); IN/NIN take arrays. */
  value: string | number | boolean | null | ReadonlyArray<string | number>;
}

interface SearchGroup {
  operator: 'AND' | 'OR';
  value: ReadonlyArray<SearchQuery>;
}

export type SearchQuery = SearchFilter | SearchGroup;

export interface SearchSort {
  field: string;
  order: 'ascending' | 'descending';
}

/** "max 2 levels of nesting, max 15 filters per AND/OR group" (§3.5). */
const MAX_SEARCH_NESTING = 2;
const MAX_FILTERS_PER_GROUP = 15;
/** "Max `per_page` for any API: 150" (D-pag, §3.5). */
const MAX_PER_PAGE = 150;

const isGroup = (query: SearchQuery): query is SearchGroup => query.operator === 'AND' || query.operator === 'OR';

/** Returns a sentence naming the problem, or null when the query respects Intercom's limits. */
export function searchQueryProblem(query: SearchQuery, depth = 0): string | null {
  if (!isGroup(query)) return query.field ? null : 'a search filter needs a field';
  if (depth >= MAX_SEARCH_NESTING) return `search queries nest at most ${MAX_SEARCH_NESTING} levels of AND/OR`;
  if (query.value.length === 0) return 'an AND/OR group needs at least one filter';
  if (query.value.length > MAX_FILTERS_PER_GROUP) return `an AND/OR group holds at most ${MAX_FILTERS_PER_GROUP} filters, not ${query.value.length}`;
  for (const child of query.value) {
    const problem = searchQueryProblem(child, depth + 1);
    if (problem) return problem;
  }
  return null;
}

export const clampPerPage = (perPage: number | undefined, fallback: number): number => Math.min(Math.max(1, Math.floor(perPage ?? fallback)), MAX_PER_PAGE);
