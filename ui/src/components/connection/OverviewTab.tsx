// The Overview tab: the two sides (as numbered steps while the connection is being set up), the
// webhook addresses, and pause/resume/delete. The things to look at are above every tab.
import type { ConnectionDetail } from '../../../../src/http/api-types.ts';
import { RecordSyncPanel } from '../sync/RecordSyncPanel.tsx';
import { BudgetMeter } from './BudgetMeter.tsx';
import { ManageSection } from './ManageSection.tsx';
import { SandboxPanel } from './SandboxPanel.tsx';
import { SandboxInboxPanel } from '../canvas/SandboxInboxPanel.tsx';
import { SideCard, type TokenForms } from './SideCard.tsx';
import { WebhooksSection } from './WebhooksSection.tsx';

interface OverviewTabProps {
  detail: ConnectionDetail;
  forms: TokenForms;
  onChanged: (detail: ConnectionDetail, status: string) => void;
}

export function OverviewTab({ detail, forms, onChanged }: OverviewTabProps) {
  const settingUp = !detail.sandbox && !(detail.intercom.connected && detail.hubspot.connected);
  return (
    <>
      {detail.sandbox ? <SandboxPanel connectionId={detail.id} /> : null}
      {detail.sandbox ? <SandboxInboxPanel connectionId={detail.id} /> : null}

      {settingUp ? (
        <section aria-labelledby="setup-heading">
          <h2 id="setup-heading" class="section-title">
            Connect Intercom and HubSpot
          </h2>
          <p class="section-lead">Two steps. Syncing starts once both sides are connected.</p>
          <ol class="overview-grid connect-steps">
            <li>
              <SideCard side="intercom" step={1} detail={detail} forms={forms} />
            </li>
            <li>
              <SideCard side="hubspot" step={2} detail={detail} forms={forms} />
            </li>
          </ol>
        </section>
      ) : (
        <section aria-labelledby="accounts-heading">
          <h2 id="accounts-heading" class="section-title">
            Accounts
          </h2>
          <div class="overview-grid">
            <SideCard side="intercom" detail={detail} forms={forms} />
            <SideCard side="hubspot" detail={detail} forms={forms} />
          </div>
        </section>
      )}

      {settingUp ? null : <RecordSyncPanel connectionId={detail.id} />}
      {settingUp ? null : <BudgetMeter connectionId={detail.id} />}
      <WebhooksSection detail={detail} />
      <ManageSection detail={detail} onChanged={onChanged} />
    </>
  );
}
