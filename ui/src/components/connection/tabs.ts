// The connection page's tabs: each has its own address, /connections/:id for the overview and
// /connections/:id/<slug> for the others.
export const connectionTabs = [
  { slug: 'overview', label: 'Overview' },
  // What the tab holds is how conversations are captured (when, which, where to): "Capture".
  { slug: 'capture', label: 'Capture' },
  { slug: 'matching', label: 'Matching' },
  { slug: 'tickets', label: 'Tickets' },
  { slug: 'fields', label: 'Fields & filters' },
  { slug: 'users', label: 'Users' },
  { slug: 'activity', label: 'Activity' },
  { slug: 'work', label: 'Failed & waiting' },
] as const;

export type ConnectionTab = (typeof connectionTabs)[number]['slug'];

/** Tabs renamed since their addresses were shared or bookmarked: the old address leads to the new. */
const MOVED_TABS: Readonly<Record<string, ConnectionTab>> = { conversations: 'capture' };

/** The new address of a renamed tab's old one (/connections/:id/conversations), else null. */
export function movedTabPath(path: string): string | null {
  const match = /^\/connections\/([^/]+)\/([^/]+)\/?$/.exec(path);
  const moved = match?.[2] === undefined ? undefined : MOVED_TABS[match[2]];
  return match?.[1] && moved ? `/connections/${match[1]}/${moved}` : null;
}

export function isConnectionTab(slug: string): slug is ConnectionTab {
  return connectionTabs.some((tab) => tab.slug === slug);
}

export function connectionPath(id: string, tab: ConnectionTab = 'overview'): string {
  const base = `/connections/${encodeURIComponent(id)}`;
  return tab === 'overview' ? base : `${base}/${tab}`;
}
