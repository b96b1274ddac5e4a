// Intercom's two pagination styles (D-pag). Cursor pages (contacts, conversations, search) are
// stateless: `starting_after` encodes the sort key of the last item served, like Intercom's own
// "WzE3MDc5MzAwODEwMDAsMTMxLDJd" = base64("[1707930081000,131,2]") = [sort value ms, id, next page].
// So items changed between pages can repeat or be skipped, as D-pag warns. Companies use offset
// pages whose `next` is a URL (S14 examples; OV offset_pages).
import { parameterInvalid } from './errors.ts';

const MAX_PER_PAGE = 150; // D-pag: "the maximum per_page for any API is 150"

export interface CursorPage<T> {
  items: T[];
  pages: {
    type: 'pages';
    page: number;
    per_page: number;
    total_pages: number;
    next?: { page: number; starting_after: string };
  };
  total_count: number;
}

export interface SortKey {
  value: number;
  id: string;
}

/** Per-page values arrive as numbers or numeric strings (D-pag examples send "5"). */
export function parsePerPage(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw parameterInvalid('per_page must be a positive integer');
  // Above 150: clamp (D-pag gives the max but not the error; UNCONFIRMED whether the API answers 400).
  return Math.min(n, MAX_PER_PAGE);
}

const encode = (key: SortKey, page: number) => Buffer.from(JSON.stringify([key.value * 1000, key.id, page])).toString('base64');

function decode(cursor: string): { key: SortKey; page: number } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string' && typeof parsed[2] === 'number') {
      return { key: { value: parsed[0] / 1000, id: parsed[1] }, page: parsed[2] };
    }
  } catch {
    // fall through
  }
  throw parameterInvalid('starting_after is invalid');
}

const compareKeys = (a: SortKey, b: SortKey) => a.value - b.value || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Sorts, then serves the page after the cursor. `keyOf` gives the sort value (seconds) and id. */
export function cursorPage<T>(
  all: readonly T[],
  keyOf: (item: T) => SortKey,
  order: 'ascending' | 'descending',
  perPage: number,
  startingAfter: string | null | undefined,
): CursorPage<T> {
  const sign = order === 'ascending' ? 1 : -1;
  const sorted = [...all].sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b)));
  let rest = sorted;
  let page = 1;
  if (startingAfter) {
    const cursor = decode(startingAfter);
    page = cursor.page;
    rest = sorted.filter((item) => sign * compareKeys(keyOf(item), cursor.key) > 0);
  }
  const items = rest.slice(0, perPage);
  const last = items.at(-1);
  const pages: CursorPage<T>['pages'] = {
    type: 'pages',
    page,
    per_page: perPage,
    total_pages: Math.ceil(sorted.length / perPage),
  };
  if (last && rest.length > items.length) pages.next = { page: page + 1, starting_after: encode(keyOf(last), page + 1) };
  return { items, pages, total_count: sorted.length };
}

export interface OffsetPage<T> {
  items: T[];
  pages: { type: 'pages'; page: number; per_page: number; total_pages: number; next: string | null };
  total_count: number;
}

/** `nextUrl(page)` builds the absolute URL Intercom puts in `pages.next`. */
export function offsetPage<T>(all: readonly T[], page: number, perPage: number, nextUrl: (page: number) => string): OffsetPage<T> {
  const totalPages = Math.ceil(all.length / perPage);
  const items = all.slice((page - 1) * perPage, page * perPage);
  return {
    items,
    pages: { type: 'pages', page, per_page: perPage, total_pages: totalPages, next: page < totalPages ? nextUrl(page + 1) : null },
    total_count: all.length,
  };
}
