import type { OneTimeLink as Link } from '../../../../src/http/api-types.ts';
import { CopyField } from '../CopyField.tsx';

/** A one-time link, shown once (only its hash is kept): copy it and send it to the person. */
export function OneTimeLink({ id, link, who }: { id: string; link: Link; who: string }) {
  const url = link.url ?? `${window.location.origin}${link.path}`;
  return (
    <div class="one-time-link" role="status">
      <CopyField
        id={id}
        label={`One-time link for ${who}`}
        value={url}
        hint={`Send it to ${who} yourself; it is shown only now, works once, and expires ${new Date(link.expiresAt).toLocaleString()}.`}
      />
    </div>
  );
}
