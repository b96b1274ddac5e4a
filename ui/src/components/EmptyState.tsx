import type { ComponentChildren } from 'preact';

interface EmptyStateProps {
  title: string;
  icon: 'connections' | 'activity';
  children: ComponentChildren;
}

const icons = {
  connections: (
    <g fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <rect x="2" y="8" width="12" height="18" rx="3" />
      <rect x="22" y="8" width="12" height="18" rx="3" />
      <path d="M15.5 17h5" stroke-dasharray="1.6 1.8" />
    </g>
  ),
  activity: (
    <g fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <rect x="5" y="5" width="26" height="24" rx="3" />
      <path d="M10 12h16M10 17h11M10 22h13" />
    </g>
  ),
};

/** A calm placeholder for a list with nothing in it yet; says why, and what will appear. */
export function EmptyState({ title, icon, children }: EmptyStateProps) {
  return (
    <div class="empty-state">
      <svg class="empty-state-icon" viewBox="0 0 36 34" aria-hidden="true" focusable="false">
        {icons[icon]}
      </svg>
      <h2 class="empty-state-title">{title}</h2>
      <div class="empty-state-text">{children}</div>
    </div>
  );
}
