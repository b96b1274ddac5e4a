import { ApiTokensSection } from '../components/ApiTokensSection.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function SettingsPage() {
  return (
    <>
      <PageHeading title="Settings" />
      <ApiTokensSection />
    </>
  );
}
