import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeFocusRequest } from '../router.ts';

interface PageHeadingProps {
  title: string;
  /** One line under the heading that says what the page is for. */
  description?: ComponentChildren;
  /** Shown beside the heading: status badges and tags. */
  meta?: ComponentChildren;
  /** Shown above the heading: a link back to the list the page belongs to. */
  back?: ComponentChildren;
}

/** The page's <h1>. Sets the document title and takes focus after a client-side navigation. */
export function PageHeading({ title, description, meta, back }: PageHeadingProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Interhubz`;
    if (takeFocusRequest()) heading.current?.focus();
  }, [title]);
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
