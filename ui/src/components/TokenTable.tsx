import type { ApiTokenInfo, ApiTokenScope } from '../../../src/http/api-types.ts';
import { formatDateTime } from '../format.ts';

const SCOPE_LABELS: Record<ApiTokenScope, string> = { push: 'API Push only', read: 'Read only', metrics: 'Metrics only', admin: 'Admin' };

interface TokenTableProps {
  tokens: ApiTokenInfo[];
  onRevoke: (token: ApiTokenInfo) => void;
}

export function TokenTable({ tokens, onRevoke }: TokenTableProps) {
  return (
    <div class="table-wrap">
      <table class="data-table">
        <caption class="visually-hidden">API tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Scope</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col" class="cell-actions">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row" class="cell-name">
                {token.name}
              </th>
              <td>
                <code class="token-prefix">{token.prefix}…</code>
              </td>
              <td>{SCOPE_LABELS[token.scope]}</td>
              <td>
                <Timestamp iso={token.createdAt} />
              </td>
              <td>{token.lastUsedAt ? <Timestamp iso={token.lastUsedAt} /> : <span class="muted">Never</span>}</td>
              <td>{token.expiresAt ? <Timestamp iso={token.expiresAt} /> : <span class="muted">No expiry</span>}</td>
              <td class="cell-actions">
                <button type="button" class="button button-danger-quiet button-small" onClick={() => onRevoke(token)}>
                  Revoke<span class="visually-hidden"> {token.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Timestamp({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={iso}>
      {formatDateTime(iso)}
    </time>
  );
}
