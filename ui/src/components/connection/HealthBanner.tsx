import type { ConnectionHealth, HealthState } from '../../../../src/http/api-types.ts';
import { Link } from '../Link.tsx';

const titles: Partial<Record<HealthState, string>> = {
  needs_attention: 'Needs attention',
  needs_reauth: 'Needs re-authorisation',
};

/** Where the health link leads, said as a link a person follows. */
export function workLinkLabel(link: string): string {
  const state = new URL(link, 'http://x').searchParams.get('state');
  switch (state) {
    case 'failed':
      return 'See the failed work';
    case 'parked':
      return 'See the work held';
    case 'retrying':
      return 'See the retries';
    case 'late':
      return 'See the late work';
    default:
      return 'See the work';
  }
}

/**
 * Above the connection's tabs: whether it needs attention and why, in the one line the list shows
 * too, with a link to the work concerned (the "Failed & waiting" tab). Nothing when all is well.
 */
export function HealthBanner({ health }: { health: ConnectionHealth }) {
  const title = titles[health.state];
  if (!title || health.reason === null) return null;
  return (
    <section class={`health-banner health-banner-${health.state}`} aria-labelledby="health-banner-title">
      <h2 id="health-banner-title" class="health-banner-title">
        {title}
      </h2>
      <p class="health-banner-reason">{health.reason}</p>
      {health.link ? (
        <p class="health-banner-link">
          <Link href={health.link}>{workLinkLabel(health.link)} →</Link>
        </p>
      ) : null}
    </section>
  );
}
