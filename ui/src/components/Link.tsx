import type { ComponentChildren } from 'preact';
import { handleLinkClick } from '../router.ts';

interface LinkProps {
  href: string;
  class?: string;
  current?: boolean;
  children: ComponentChildren;
}

/** An ordinary <a href> that navigates client-side; `current` marks it with aria-current="page". */
export function Link({ href, class: className, current = false, children }: LinkProps) {
  return (
    <a href={href} class={className} aria-current={current ? 'page' : undefined} onClick={handleLinkClick}>
      {children}
    </a>
  );
}
