import type { AuditEntryInfo } from '../../../../src/http/api-types.ts';

const ACTOR_KIND: Record<AuditEntryInfo['actor']['kind'], string> = { person: 'Person', token: 'API token', config: 'Configuration file' };

/** The audit trail's rows: when, who, what, on what, which setting. */
export function AuditTable({ entries }: { entries: readonly AuditEntryInfo[] }) {
  return (
    <div class="table-wrap">
      <table class="data-table audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">On</th>
            <th scope="col">Setting</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>
              </td>
              <td>
                {entry.actor.name}
                <div class="hint">{ACTOR_KIND[entry.actor.kind]}</div>
              </td>
              <td>
                <code>{entry.action}</code>
              </td>
              <td>{entry.target ? `${entry.target.kind} ${entry.target.name ?? entry.target.id}` : '—'}</td>
              <td>{entry.key ? <code>{entry.key}</code> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
