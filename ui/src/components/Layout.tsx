import type { ComponentChildren } from 'preact';
import { Link } from './Link.tsx';

const navItems = [
  { href: '/connections', label: 'Connections' },
  { href: '/activity', label: 'Activity' },
  { href: '/settings', label: 'Settings' },
] as const;

interface LayoutProps {
  path: string;
  username: string;
  signingOut: boolean;
  onSignOut: () => void;
  /** Shown above the page, for problems that belong to no page (a failed sign-out). */
  banner?: ComponentChildren;
  children: ComponentChildren;
}

export function Layout({ path, username, signingOut, onSignOut, banner, children }: LayoutProps) {
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link href="/connections" class="brand">
            <BrandMark />
            <span class="brand-name">Interhubz</span>
          </Link>
          <nav class="primary-nav" aria-label="Main">
            <ul>
              {navItems.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} class="nav-link" current={path === item.href || path.startsWith(`${item.href}/`)}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div class="account">
            <span class="account-user">
              <span class="account-label">Signed in as</span> <strong>{username}</strong>
            </span>
            <button type="button" class="button button-secondary button-small" onClick={onSignOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </div>
        </div>
      </header>
      <main id="main" class="content" tabIndex={-1}>
        {banner}
        {children}
      </main>
    </div>
  );
}

export function BrandMark() {
  return (
    <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <g fill="none" stroke="#fff" stroke-width="2.4">
        <circle cx="12.5" cy="16" r="5.25" />
        <circle cx="19.5" cy="16" r="5.25" />
      </g>
    </svg>
  );
}
