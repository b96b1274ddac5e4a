// The connection page's tab bar. Each tab is a link with its own address (so it can be bookmarked,
// opened in a new tab or reloaded) marked up as an ARIA tab: the selected one is in the Tab order,
// the arrow keys, Home and End move between them.
import { useEffect, useRef } from 'preact/hooks';
import { handleLinkClick, navigate } from '../../router.ts';
import { type ConnectionTab, connectionPath, connectionTabs } from './tabs.ts';

export const TAB_PANEL_ID = 'connection-tabpanel';
export const tabId = (tab: ConnectionTab) => `connection-tab-${tab}`;

export function ConnectionTabs({ id, current }: { id: string; current: ConnectionTab }) {
  const list = useRef<HTMLDivElement>(null);

  // On a narrow screen the bar scrolls sideways: keep the selected tab in sight.
  useEffect(() => {
    list.current?.querySelector(`#${tabId(current)}`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);

  function onKeyDown(event: KeyboardEvent) {
    const index = connectionTabs.findIndex((tab) => tab.slug === current);
    const last = connectionTabs.length - 1;
    const target =
      event.key === 'ArrowRight'
        ? (index + 1) % connectionTabs.length
        : event.key === 'ArrowLeft'
          ? (index + last) % connectionTabs.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    if (target === null) return;
    event.preventDefault();
    const tab = connectionTabs[target];
    if (!tab) return;
    list.current?.querySelector<HTMLElement>(`#${tabId(tab.slug)}`)?.focus();
    navigate(connectionPath(id, tab.slug), { focus: false });
  }

  return (
    <div ref={list} class="tabs" role="tablist" aria-label="Connection sections" onKeyDown={onKeyDown}>
      {connectionTabs.map((tab) => {
        const selected = tab.slug === current;
        return (
          <a
            key={tab.slug}
            id={tabId(tab.slug)}
            class="tab"
            role="tab"
            href={connectionPath(id, tab.slug)}
            aria-selected={selected ? 'true' : 'false'}
            aria-controls={selected ? TAB_PANEL_ID : undefined}
            tabIndex={selected ? 0 : -1}
            // Focus stays on the tab: the page heading does not move.
            onClick={(event) => handleLinkClick(event, { focus: false })}
          >
            {tab.label}
          </a>
        );
      })}
    </div>
  );
}
