import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function ActivityPage() {
  return (
    <>
      <PageHeading
        title="Activity"
        description="A record of what Interhubz did with each conversation, and why."
      />
      <EmptyState icon="activity" title="No activity yet">
        <p>
          Nothing has been synced, because there are no connections yet. Once there are, every capture, update, skipped
          conversation (with the reason) and failure (with the error from Intercom or HubSpot) will be listed here.
        </p>
      </EmptyState>
    </>
  );
}
