// The mapping as it stands: each teammate, its HubSpot owner, how that owner was found, and a plain
// warning when the owner is archived in HubSpot (new notes then go to the default owner).
import type { OwnerOption, UserMappingRow, UserMappingSource } from '../../../../src/http/api-types.ts';

const sourceLabels: Record<UserMappingSource, string> = {
  email: 'Same email',
  override: 'Override',
  default: 'Default owner',
  none: 'No owner',
};

interface UserMappingTableProps {
  mappings: UserMappingRow[];
  fallbackOwner: OwnerOption | null;
}

export function UserMappingTable({ mappings, fallbackOwner }: UserMappingTableProps) {
  return (
    <div class="table-wrap">
      <table class="data-table user-table">
        <caption class="visually-hidden">Intercom teammates and their HubSpot owners</caption>
        <thead>
          <tr>
            <th scope="col">Teammate</th>
            <th scope="col">HubSpot owner</th>
            <th scope="col">How matched</th>
          </tr>
        </thead>
        <tbody>
          {mappings.map((row) => (
            <tr key={row.adminId}>
              <th scope="row" class="cell-name">
                {row.adminName}
                <span class="cell-sub">{row.adminEmail ?? `Intercom id ${row.adminId}`}</span>
              </th>
              <td>
                {row.ownerId ? (
                  <>
                    <span class="owner-name">{row.ownerName}</span>
                    {row.ownerEmail ? <span class="cell-sub">{row.ownerEmail}</span> : null}
                    {row.ownerArchived ? <ArchivedNote fallbackOwner={fallbackOwner} /> : null}
                  </>
                ) : (
                  <span class="muted">None: notes get no owner</span>
                )}
              </td>
              <td>
                <span class={`match-badge match-${row.source}`}>{sourceLabels[row.source]}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ArchivedNote({ fallbackOwner }: { fallbackOwner: OwnerOption | null }) {
  return (
    <p class="owner-archived">
      <strong>Archived in HubSpot.</strong>{' '}
      {fallbackOwner
        ? `New notes go to the default owner, ${fallbackOwner.name}, instead.`
        : 'New notes get no owner: choose a default owner or an override below.'}
    </p>
  );
}
