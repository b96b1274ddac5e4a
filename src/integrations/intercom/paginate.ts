// Intercom's two pagination styles as async iterators (D-pag; intercom-api.md §3.5, §4.3):
// cursor pages (`pages.next.starting_after`, conversations and contacts, list and search) and
// offset pages (`page`/`per_page`, `pages.next` a URL or null — companies), plus the companies
// scroll (`scroll_param`, one open scroll per app, ends with an empty page).

export interface Page<T> {
  items: T[];
  /** What fetches the next page, or undefined on the last one. */
  next: string | undefined;
  /** `total_count`, where the answer gives it (contact lists and searches). */
  total?: number;
}

/** The cursor of a cursor page: `pages.next.starting_after`; the last page has no `pages.next` (D-pag). */
export function nextCursor(pages: { next?: unknown } | null | undefined): string | undefined {
  const next = pages?.next;
  if (typeof next === 'object' && next !== null) {
    const cursor = (next as { starting_after?: unknown }).starting_after;
    return typeof cursor === 'string' && cursor !== '' ? cursor : undefined;
  }
  return undefined;
}

/**
 * Pages until `pages.next` is gone. A cursor that repeats ends the walk: search is stateless and
 * D-pag warns of repeats, so a loop on the same cursor must not spin forever.
 */
export async function* cursorPages<T>(fetchPage: (startingAfter: string | undefined) => Promise<Page<T>>, startingAfter?: string): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let cursor = startingAfter;
  for (;;) {
    const page = await fetchPage(cursor);
    yield page;
    if (page.next === undefined || seen.has(page.next)) return;
    seen.add(page.next);
    cursor = page.next;
  }
}

/**
 * Offset pages from 1 until `pages.next` is null or the page is empty. Intercom caps
 * POST /companies/list at 10,000 companies (S14 description); use the scroll for more.
 */
export async function* offsetPages<T>(fetchPage: (page: number) => Promise<{ items: T[]; hasNext: boolean }>): AsyncGenerator<{ page: number; items: T[] }> {
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    if (result.items.length > 0) yield { page, items: result.items };
    if (!result.hasNext || result.items.length === 0) return;
  }
}

/**
 * The companies scroll: first call without `scroll_param`, then with the one each answer returns,
 * until an empty page (S14 #/paths/~1companies~1scroll/get). If it fails midway Intercom says to
 * "restart the scroll operation", so an error ends the walk and the caller starts again.
 */
export async function* scrollPages<T>(fetchPage: (scrollParam: string | undefined) => Promise<{ items: T[]; scrollParam: string | undefined }>): AsyncGenerator<T[]> {
  let param: string | undefined;
  for (;;) {
    const result = await fetchPage(param);
    if (result.items.length === 0) return;
    yield result.items;
    if (result.scrollParam === undefined) return;
    param = result.scrollParam;
  }
}

/** Flattens pages into items. */
export async function* itemsOf<T>(pages: AsyncIterable<{ items: T[] } | T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* Array.isArray(page) ? page : page.items;
}
