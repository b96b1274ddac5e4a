import { api } from '../api.ts';
import { ApiTokensSection } from '../components/ApiTokensSection.tsx';
import { ConfigExportSection } from '../components/ConfigExportSection.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { ChangePasswordSection } from '../components/people/ChangePasswordSection.tsx';
import { PeopleSection } from '../components/people/PeopleSection.tsx';
import { SignOutEverywhereSection } from '../components/SignOutEverywhereSection.tsx';
import { useApiData } from '../use-api-data.ts';

export function SettingsPage() {
  const me = useApiData(() => api.getMe(), []);
  return (
    <>
      <PageHeading title="Settings" />
      <p class="page-lead">
        <Link href="/settings/audit">Audit trail</Link>: who changed what, and when.
        {' '}
        <Link href="/settings/alerts">Alerts</Link>: where Interhubz says a connection needs attention.
      </p>
      {me.error ? <ErrorAlert error={me.error} /> : null}
      {me.data ? <PeopleSection me={me.data} /> : null}
      {me.data ? <ChangePasswordSection me={me.data} /> : null}
      <ApiTokensSection />
      {me.data ? <ConfigExportSection me={me.data} /> : null}
      <SignOutEverywhereSection />
    </>
  );
}
