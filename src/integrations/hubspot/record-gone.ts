// Whether a HubSpot record is really gone. A 404 names no culprit: a deleted record answers it, and
// so does a route the pinned API version does not declare, a wrong path or a wrong object type.
// Code that acts on "a person deleted it" — writing a second note or ticket, stopping a ticket's
// sync — first reads the record by id: only a 404 to that read (archived records answer 404 too,
// hubspot-api.md §5.9) confirms it; otherwise the original failure stands and is retried or shown.
import type { ObjectCalls } from './calls/objects.ts';
import { UpstreamError } from '../upstream-error.ts';

export const isNotFound = (error: unknown): error is UpstreamError => error instanceof UpstreamError && error.kind === 'not_found';

/** True when `error` is a 404 and a GET of the record by id answers 404 too. A failure of the GET itself is thrown. */
export async function confirmedGone(objects: Pick<ObjectCalls, 'get'>, id: string, error: unknown): Promise<boolean> {
  if (!isNotFound(error)) return false;
  try {
    await objects.get(id);
    return false;
  } catch (read) {
    if (isNotFound(read)) return true;
    throw read;
  }
}
