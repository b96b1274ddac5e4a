// The connection page's tabs: each has its own address, /connections/:id for the overview and
// /connections/:id/<slug> for the others.
export const connectionTabs = [
  { slug: 'overview', label: 'Overview' },
  { slug: 'conversations', label: 'Conversations' },
  { slug: 'matching', label: 'Matching' },
  { slug: 'tickets', label: 'Tickets' },
  { slug: 'users', label: 'Users' },
  { slug: 'activity', label: 'Activity' },
  { slug: 'work', label: 'Failed & waiting' },
] as const;

export type ConnectionTab = (typeof connectionTabs)[number]['slug'];

export function isConnectionTab(slug: string): slug is ConnectionTab {
  return connectionTabs.some((tab) => tab.slug === slug);
}

export function connectionPath(id: string, tab: ConnectionTab = 'overview'): string {
  const base = `/connections/${encodeURIComponent(id)}`;
  return tab === 'overview' ? base : `${base}/${tab}`;
}
