// The tabs whose settings come in later versions: one honest sentence each, no controls yet.
import type { ConnectionTab } from './tabs.ts';

const comingLater: Record<Exclude<ConnectionTab, 'overview'>, { title: string; text: string }> = {
  conversations: {
    title: 'Conversations',
    text: 'Capture mode, grace window, noise guards and routing rules will be set here.',
  },
  matching: {
    title: 'Matching',
    text: 'How Intercom contacts and companies are matched to HubSpot contacts and companies will be set here.',
  },
  tickets: {
    title: 'Tickets',
    text: 'The ticket policy and how ticket stages follow conversations will be set here.',
  },
  users: {
    title: 'Users',
    text: 'Which HubSpot owner stands for each Intercom teammate will be set here.',
  },
  activity: {
    title: 'Activity',
    text: 'What this connection captured, skipped and failed to sync will be listed here.',
  },
};

export function PlaceholderTab({ tab }: { tab: Exclude<ConnectionTab, 'overview'> }) {
  const { title, text } = comingLater[tab];
  return (
    <section class="card" aria-labelledby="tab-section-heading">
      <h2 id="tab-section-heading" class="section-title">
        {title}
      </h2>
      <p class="muted">{text}</p>
    </section>
  );
}
