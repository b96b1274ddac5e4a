import { useState } from 'preact/hooks';
import type { AdminRole, CreatedInvitation, Me, OneTimeLink as Link, PeopleList, PersonInfo } from '../../../../src/http/api-types.ts';
import { api } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';
import { useSubmit } from '../../use-submit.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { OneTimeLink } from './OneTimeLink.tsx';

const ROLE_LABEL: Record<AdminRole, string> = { admin: 'Admin', viewer: 'Viewer' };

function origin(person: PersonInfo): string {
  if (person.managedByConfig) return 'Managed by config';
  if (person.source === 'bootstrap') return 'admin.username';
  return 'Invited';
}

/**
 * Settings → People: everyone who can sign in. Admins invite (the one-time link is shown once),
 * change roles, reset passwords, disable and remove; accounts from the configuration file are
 * read-only here. Viewers see the list only.
 */
export function PeopleSection({ me }: { me: Me }) {
  const people = useApiData<PeopleList>(() => api.listPeople(), []);
  const isAdmin = me.role === 'admin';
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<AdminRole>('viewer');
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [resetLink, setResetLink] = useState<{ who: string; link: Link } | null>(null);
  const [removing, setRemoving] = useState<PersonInfo | null>(null);
  const invite = useSubmit();
  const action = useSubmit();
  const removal = useSubmit();

  async function sendInvite(event: SubmitEvent) {
    event.preventDefault();
    await invite.run(async () => {
      const answer = await api.invitePerson({ username: username.trim(), role, displayName: '' });
      setCreated(answer);
      setUsername('');
      await people.reload({ quiet: true });
    });
  }

  const act = (work: () => Promise<unknown>, success: string) =>
    action.run(async () => {
      await work();
      await people.reload({ quiet: true });
    }, { success });

  return (
    <section class="card people-card" aria-labelledby="people-heading">
      <div class="card-header">
        <h2 id="people-heading">People</h2>
        <p class="card-description">
          Everyone who can sign in. Admins can change everything; viewers can see everything and change nothing. Accounts
          from the configuration file (admin.users) are shown here and changed there.
        </p>
      </div>
      {people.error ? <ErrorAlert error={people.error} /> : null}
      {action.error ? <ErrorAlert error={action.error} /> : null}
      <p role="status" class="status-line">
        {action.status}
      </p>
      {resetLink ? <OneTimeLink id="reset-link" link={resetLink.link} who={resetLink.who} /> : null}
      <div class="table-wrap">
        <table class="data-table people-table">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Account</th>
              <th scope="col">Status</th>
              {isAdmin ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {(people.data?.people ?? []).map((person) => (
              <tr key={person.id} data-username={person.username}>
                <th scope="row">
                  {person.username}
                  {person.id === me.userId ? <span class="hint"> (you)</span> : null}
                  {person.displayName ? <div class="hint">{person.displayName}</div> : null}
                </th>
                <td>
                  {isAdmin && !person.managedByConfig ? (
                    <select
                      class="input input-compact"
                      aria-label={`Role of ${person.username}`}
                      value={person.role}
                      disabled={action.busy}
                      onChange={(event) => {
                        const next = event.currentTarget.value as AdminRole;
                        void act(() => api.updatePerson(person.id, { role: next }), `${person.username} is now ${ROLE_LABEL[next].toLowerCase()}.`);
                      }}
                    >
                      <option value="admin">Admin</option>
                      <option value="viewer">Viewer</option>
                    </select>
                  ) : (
                    ROLE_LABEL[person.role]
                  )}
                </td>
                <td>
                  <span class={person.managedByConfig ? 'badge badge-config' : 'badge'}>{origin(person)}</span>
                </td>
                <td>{person.disabled ? 'Disabled' : 'Active'}</td>
                {isAdmin ? (
                  <td class="people-actions">
                    {person.managedByConfig ? (
                      <span class="hint">Change it in the configuration file</span>
                    ) : (
                      <>
                        {person.passwordManagedByConfig ? null : (
                          <button
                            type="button"
                            class="button button-secondary button-small"
                            disabled={action.busy}
                            onClick={() =>
                              void action.run(async () => {
                                const answer = await api.resetPassword(person.id, {});
                                if (answer.link) setResetLink({ who: person.username, link: answer.link });
                              }, { success: `A password reset link for ${person.username} is below.` })
                            }
                          >
                            Reset password
                          </button>
                        )}
                        <button
                          type="button"
                          class="button button-secondary button-small"
                          disabled={action.busy}
                          onClick={() => void act(() => api.updatePerson(person.id, { disabled: !person.disabled }), `${person.username} is ${person.disabled ? 'enabled' : 'disabled'}.`)}
                        >
                          {person.disabled ? 'Enable' : 'Disable'}
                        </button>
                        {person.source === 'invited' ? (
                          <button type="button" class="button button-danger button-small" disabled={action.busy} onClick={() => setRemoving(person)}>
                            Remove
                          </button>
                        ) : null}
                      </>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {people.data && people.data.invitations.length > 0 ? (
        <>
          <h3>Pending invitations</h3>
          <ul class="invitation-list">
            {people.data.invitations.map((invitation) => (
              <li key={invitation.id}>
                <strong>{invitation.username}</strong> as {ROLE_LABEL[invitation.role].toLowerCase()}, invited by {invitation.createdBy}, until{' '}
                {new Date(invitation.expiresAt).toLocaleString()}{' '}
                {isAdmin ? (
                  <button type="button" class="button button-secondary button-small" disabled={action.busy} onClick={() => void act(() => api.revokeInvitation(invitation.id), `The invitation for ${invitation.username} is withdrawn.`)}>
                    Withdraw
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {isAdmin ? (
        <form class="stack invite-form" onSubmit={sendInvite} noValidate>
          <h3>Invite someone</h3>
          {invite.error ? <ErrorAlert error={invite.error} /> : null}
          <div class="field">
            <label for="invite-username" class="label">
              Username
            </label>
            <input id="invite-username" class="input" type="text" autoComplete="off" maxLength={200} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="invite-role" class="label">
              Role
            </label>
            <select id="invite-role" class="input" value={role} onChange={(e) => setRole(e.currentTarget.value as AdminRole)}>
              <option value="viewer">Viewer: sees everything, changes nothing</option>
              <option value="admin">Admin: may change everything</option>
            </select>
          </div>
          <div>
            <button type="submit" class="button button-primary" disabled={invite.busy}>
              {invite.busy ? 'Inviting…' : 'Create invitation link'}
            </button>
          </div>
          {created ? <OneTimeLink id="invitation-link" link={created.link} who={created.invitation.username} /> : null}
        </form>
      ) : null}

      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.username}?`}
          confirmLabel="Remove"
          busyLabel="Removing…"
          busy={removal.busy}
          error={removal.error}
          onCancel={() => setRemoving(null)}
          onConfirm={() =>
            void removal.run(async () => {
              await api.removePerson(removing.id);
              setRemoving(null);
              await people.reload({ quiet: true });
            })
          }
        >
          <p>{removing.username} can no longer sign in, and is signed out now. What they changed stays in the audit trail.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
