import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.ts';

interface ErrorAlertProps {
  error: ApiError;
  /** Optional lead-in such as "Couldn't load tokens."; the server's message follows it. */
  title?: string;
  children?: ComponentChildren;
}

/** An error announced to assistive technology (role="alert"), with the server's details if any. */
export function ErrorAlert({ error, title, children }: ErrorAlertProps) {
  return (
    <div class="alert alert-error" role="alert">
      <svg class="alert-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <circle cx="10" cy="10" r="8.25" fill="none" stroke="currentColor" stroke-width="1.5" />
        <path d="M10 5.5v5.5" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
        <circle cx="10" cy="14" r="1.1" fill="currentColor" />
      </svg>
      <div class="alert-body">
        {title ? <p class="alert-title">{title}</p> : null}
        <p>{error.message}</p>
        {error.details.length > 0 ? (
          <ul class="alert-details">
            {error.details.map((detail, index) => (
              <li key={index}>
                {detail.path ? <code>{detail.path}</code> : null}
                {detail.path ? ': ' : null}
                {detail.message}
              </li>
            ))}
          </ul>
        ) : null}
        {children}
      </div>
    </div>
  );
}
