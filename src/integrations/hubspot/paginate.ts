// HubSpot cursor paging (hubspot-api.md §5.4, §10, §11.2, §15): each page may carry
// paging.next.after; its absence means the last page. Pages are fetched lazily, one at a time, so a
// caller that stops early spends no more of the rate budget.

export interface Page<T> {
  results: T[];
  paging?: { next?: { after: string } | undefined } | undefined;
}

/** Yields every item across pages. `fetchPage(after)` fetches one page (after undefined = first). */
export async function* paginate<T>(fetchPage: (after: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let after: string | undefined;
  for (;;) {
    const page = await fetchPage(after);
    yield* page.results;
    const next = page.paging?.next?.after;
    // A cursor that does not move would loop forever; HubSpot should never send one, but stop if it does.
    if (next === undefined || next === after) return;
    after = next;
  }
}

/** Collects an async iterator into an array (tests, small lists such as owners). */
export async function collect<T>(items: AsyncIterable<T>, max = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= max) break;
  }
  return out;
}
