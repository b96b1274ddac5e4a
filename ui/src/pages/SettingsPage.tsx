import { ApiTokensSection } from '../components/ApiTokensSection.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { SignOutEverywhereSection } from '../components/SignOutEverywhereSection.tsx';

export function SettingsPage() {
  return (
    <>
      <PageHeading title="Settings" />
      <ApiTokensSection />
      <SignOutEverywhereSection />
    </>
  );
}
