import { useEffect, useState } from 'preact/hooks';
import type { AuditList } from '../../../src/http/api-types.ts';
import { api } from '../api.ts';
import { AuditTable } from '../components/audit/AuditTable.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { useApiData } from '../use-api-data.ts';

const PAGE = 50;

/** Settings → Audit: who changed what, when; newest first, filtered, paged, exported. */
export function AuditPage() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const audit = useApiData<AuditList>(() => api.listAudit({ actor, action, limit: PAGE }), [actor, action]);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    document.title = 'Audit · Settings · Interhubz';
  }, []);

  async function older() {
    const before = audit.data?.nextBefore;
    if (before == null) return;
    setLoadingMore(true);
    await audit.extend(
      () => api.listAudit({ actor, action, before, limit: PAGE }),
      (current, answer) => (current ? { ...answer, entries: [...current.entries, ...answer.entries] } : answer),
    );
    setLoadingMore(false);
  }

  const filters = new URLSearchParams({ ...(actor ? { actor } : {}), ...(action ? { action } : {}) });
  const exportHref = (format: string) => `/api/audit/export?${new URLSearchParams({ format, ...Object.fromEntries(filters) })}`;

  return (
    <>
      <PageHeading title="Audit trail" />
      <p class="page-lead">
        Every change — settings, connections, tokens, people, and what the configuration file applied at start — with who
        made it and when. Keys only: values and secrets are never recorded. <Link href="/settings">Back to settings</Link>
      </p>
      <form class="filter-bar" onSubmit={(event) => event.preventDefault()}>
        <label class="label" for="audit-actor">
          Who
        </label>
        <select id="audit-actor" class="input" value={actor} onChange={(e) => setActor(e.currentTarget.value)}>
          <option value="">Anyone</option>
          {(audit.data?.actors ?? []).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <label class="label" for="audit-action">
          What
        </label>
        <select id="audit-action" class="input" value={action} onChange={(e) => setAction(e.currentTarget.value)}>
          <option value="">Any action</option>
          {(audit.data?.actions ?? []).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <a class="button button-secondary" href={exportHref('csv')} download>
          Export CSV
        </a>
        <a class="button button-secondary" href={exportHref('ndjson')} download>
          Export NDJSON
        </a>
      </form>
      {audit.error ? <ErrorAlert error={audit.error} /> : null}
      {audit.data && audit.data.entries.length === 0 ? (
        <EmptyState title="Nothing recorded yet" icon="activity">
          <p>Changes appear here as they are made.</p>
        </EmptyState>
      ) : null}
      {audit.data && audit.data.entries.length > 0 ? <AuditTable entries={audit.data.entries} /> : null}
      {audit.data?.nextBefore != null ? (
        <button type="button" class="button button-secondary" disabled={loadingMore} onClick={() => void older()}>
          {loadingMore ? 'Loading…' : 'Older entries'}
        </button>
      ) : null}
    </>
  );
}
