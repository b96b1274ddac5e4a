// The shared half of POST /conversations/search and POST /contacts/search: body validation, query
// compilation, sort and cursor paging (S14 search_request; D-pag for `sort`).
import { z } from 'zod';
import { IntercomError, parameterInvalid } from '../errors.ts';
import { cursorPage, parsePerPage, type CursorPage } from '../paginate.ts';
import { compileQuery, type CompileOptions, type SearchDoc } from '../search-query.ts';

const SearchBody = z.object({
  query: z.unknown(),
  pagination: z
    .object({
      per_page: z.union([z.number(), z.string()]).optional(),
      starting_after: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  sort: z
    .object({
      field: z.string(),
      order: z.enum(['ascending', 'descending']).optional(),
    })
    .optional(),
});

export interface SearchSpec<T> {
  items: readonly T[];
  docOf: (item: T) => SearchDoc;
  idOf: (item: T) => string;
  compile: CompileOptions;
  defaultPerPage: number;
  /** Sort when the body has none. D-pag's generic default is last_request_at desc; per resource UNCONFIRMED. */
  defaultSort: string;
}

export function runSearch<T>(body: unknown, spec: SearchSpec<T>): CursorPage<T> {
  const parsed = SearchBody.safeParse(body ?? {});
  if (!parsed.success) throw parameterInvalid(parsed.error.issues[0]?.message ?? 'invalid search request');
  const { query, pagination, sort } = parsed.data;
  if (query === undefined || query === null) throw new IntercomError(400, 'parameter_not_found', 'query is required');
  const compiled = compileQuery(query, spec.compile);
  if (!compiled.ok) throw new IntercomError(400, compiled.code, compiled.message);
  const sortField = sort?.field ?? spec.defaultSort;
  const sortType = spec.compile.fields[sortField];
  if (sortType !== 'date' && sortType !== 'integer') throw parameterInvalid(`${sortField} cannot be used to sort`);
  const docs = new Map<T, SearchDoc>();
  const matched = spec.items.filter((item) => {
    const doc = spec.docOf(item);
    docs.set(item, doc);
    return compiled.match(doc);
  });
  const perPage = parsePerPage(pagination?.per_page, spec.defaultPerPage);
  const keyOf = (item: T) => {
    const value = docs.get(item)?.[sortField];
    return { value: typeof value === 'number' ? value : 0, id: spec.idOf(item) };
  };
  return cursorPage(matched, keyOf, sort?.order ?? 'descending', perPage, pagination?.starting_after);
}
