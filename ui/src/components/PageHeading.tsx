import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeFocusRequest } from '../router.ts';

interface PageHeadingProps {
  title: string;
  /** One line under the heading that says what the page is for. */
  description?: ComponentChildren;
}

/** The page's <h1>. Sets the document title and takes focus after a client-side navigation. */
export function PageHeading({ title, description }: PageHeadingProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Interhubz`;
    if (takeFocusRequest()) heading.current?.focus();
  }, [title]);
  return (
    <div class="page-heading">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {description ? <p class="page-description">{description}</p> : null}
    </div>
  );
}
