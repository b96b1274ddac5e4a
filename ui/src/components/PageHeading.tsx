import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { takeFocusRequest } from '../router.ts';

interface PageHeadingProps {
  title: string;
  /** The browser tab's title, when it should say more than the heading (a tab of the page). */
  documentTitle?: string;
  /** One line under the heading that says what the page is for. */
  description?: ComponentChildren;
  /** Shown beside the heading: status badges and tags. */
  meta?: ComponentChildren;
  /** Shown above the heading: a link back to the list the page belongs to. */
  back?: ComponentChildren;
}

/** The page's <h1>. Sets the document title and takes focus after a client-side navigation. */
export function PageHeading({ title, documentTitle, description, meta, back }: PageHeadingProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) heading.current?.focus();
  }, [title]);
  // Before the page is painted, not after: the tab's title changes with the heading, never a frame late.
  useLayoutEffect(() => {
    document.title = `${documentTitle ?? title} · Interhubz`;
  }, [documentTitle, title]);
  return (
    <div class="page-heading">
      {back ? <p class="page-back">{back}</p> : null}
      <div class="page-title-row">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {meta ? <div class="page-meta">{meta}</div> : null}
      </div>
      {description ? <p class="page-description">{description}</p> : null}
    </div>
  );
}
