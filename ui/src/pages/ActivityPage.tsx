// The Activity page (issue #16 item 3): every connection's entries, newest first, filtered,
// searched by conversation, paged, and exported as shown. The filters live in the address, so a
// reload or a shared link shows the same entries.
import { useState } from 'preact/hooks';
import type { ActivityFeed, ActivityFeedEntry } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { ActivityFeedTable } from '../components/activity/ActivityFeedTable.tsx';
import { ActivityFiltersForm } from '../components/activity/ActivityFiltersForm.tsx';
import { type ActivityFilterValues, exportHref, feedParams, filtersFromLocation, hasFilters, locationOf, NO_FILTERS } from '../components/activity/activity-filters.ts';
import { navigate } from '../router.ts';
import { useApiData } from '../use-api-data.ts';

const PAGE = 50;

export function ActivityPage() {
  const [filters, setFilters] = useState<ActivityFilterValues>(() => filtersFromLocation(window.location.search));
  const connections = useApiData(() => api.listConnections(), []);
  const feed = useApiData<ActivityFeed>(() => api.listAllActivity({ ...feedParams(filters), limit: PAGE }), [JSON.stringify(filters)]);
  const entries = feed.data?.entries ?? null;
  const next = feed.data?.next ?? null;
  const connectionList = connections.data?.connections ?? null;

  function applyFilters(values: ActivityFilterValues) {
    setFilters(values);
    navigate(locationOf(values), { replace: true });
  }

  function loadOlder() {
    if (next === null) return;
    void feed.extend(
      () => api.listAllActivity({ ...feedParams(filters), limit: PAGE, before: next }),
      (current, page) => ({ entries: [...(current?.entries ?? []), ...page.entries], next: page.next }),
    );
  }

  const follow = (entry: ActivityFeedEntry) => applyFilters({ ...NO_FILTERS, connection: entry.connectionId ?? '', search: entry.conversationId ?? '' });

  const description = 'What Interhubz did with each conversation across all connections, and why: captures, updates, skips with their reason, failures with the vendor’s words.';

  if (connectionList !== null && connectionList.length === 0 && !hasFilters(filters)) {
    return (
      <>
        <PageHeading title="Activity" description={description} />
        <EmptyState icon="activity" title="No connections yet">
          <p>
            Activity starts once a connection pairs an Intercom workspace with a HubSpot portal. <Link href="/connections">Create a connection</Link> (or try
            the sandbox); every capture, update, skipped conversation (with the reason) and failure (with the error from Intercom or HubSpot) will be listed
            here.
          </p>
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeading title="Activity" description={description} />
      <section class="card activity-page" aria-label="Activity entries">
        {connections.error ? <ErrorAlert error={connections.error} title="Couldn’t load the connections." /> : null}
        <ActivityFiltersForm values={filters} connections={connectionList ?? []} onChange={applyFilters} />
        <div class="activity-exports">
          <p class="toolbar-note">{hasFilters(filters) ? 'Export the entries these filters match, all pages:' : 'Export every entry, all pages:'}</p>
          <a class="button button-secondary button-small" href={exportHref(filters, 'csv')} download>
            Export CSV
          </a>
          <a class="button button-secondary button-small" href={exportHref(filters, 'ndjson')} download>
            Export NDJSON
          </a>
        </div>
        {feed.error ? <ErrorAlert error={feed.error} title="Couldn’t load the activity." /> : null}
        {entries === null ? (
          feed.error ? null : (
            <p class="muted" aria-busy="true">
              Loading the activity…
            </p>
          )
        ) : entries.length === 0 ? (
          hasFilters(filters) ? (
            <p class="empty-inline">
              No entries match these filters.{' '}
              <button type="button" class="button-link" onClick={() => applyFilters(NO_FILTERS)}>
                Clear the filters
              </button>
            </p>
          ) : (
            <EmptyState icon="activity" title="Nothing has happened yet">
              <p>
                No conversation has been captured, updated or skipped so far. Entries appear here as conversations close in Intercom or are pushed, on every
                connection.
              </p>
            </EmptyState>
          )
        ) : (
          <>
            <ActivityFeedTable entries={entries} oneConversation={filters.search !== '' && filters.connection !== ''} onFollow={follow} />
            <div class="table-footer">
              {next !== null ? (
                <button type="button" class="button button-secondary button-small" disabled={feed.loading} onClick={loadOlder}>
                  {feed.loading ? 'Loading…' : 'Load more'}
                </button>
              ) : (
                <p class="table-footnote">{entries.length === 1 ? 'One entry.' : `${entries.length} entries.`} That is all.</p>
              )}
            </div>
          </>
        )}
      </section>
    </>
  );
}
