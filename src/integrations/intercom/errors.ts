// Reading Intercom's error answers: the `error.list` envelope (intercom-api.md §5.2; S14
// #/components/schemas/error), which codes mean "re-authorise" (§5.4), and merged contacts.
import { z } from 'zod';
import type { ErrorDescription } from '../upstream-client.ts';
import type { Headers } from '../retry-policy.ts';
import type { FailureKind } from '../upstream-error.ts';

// `code` is open-ended ("Clients must treat `code` as open-ended", §5.4): a string, never an enum.
const ErrorList = z.looseObject({
  type: z.string().optional(),
  request_id: z.string().nullish(),
  errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish(), field: z.string().nullish() })).optional(),
});

/**
 * Any of these means the token is no longer usable and only a person can fix it: Intercom has no
 * refresh tokens (§1.3). Which one a revoked token yields is UNCONFIRMED (§1.4), so all are taken.
 */
const REAUTH_CODES = new Set(['unauthorized', 'token_revoked', 'token_blocked', 'token_not_found', 'token_unauthorized', 'token_expired', 'missing_authorization']);

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * A survivor named by a Link header (`<…/contacts/ID>; rel="canonical"` or rel="merged"/"alternate").
 * Intercom 2.14 is not documented to send one — a merged-away contact is a plain 404 (§4.1) — but a
 * proxy or a later version might, and reading it costs nothing.
 */
function survivorFromLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;.*rel="?(canonical|merged|alternate|successor-version)"?/i.exec(part);
    const id = match?.[1]?.match(/\/contacts\/([^/?#>]+)/)?.[1];
    if (id) return decodeURIComponent(id);
  }
  return undefined;
}

/** A survivor named in the body (2.16 has `merge_history`; some proxies send `merged_into`). */
function survivorFromBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['merged_into', 'merged_into_id', 'survivor_id']) {
    const value = record[key];
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  }
  return undefined;
}

export function describeIntercomError(status: number, headers: Headers, body: unknown): ErrorDescription {
  const parsed = ErrorList.safeParse(body);
  const firstError = parsed.success ? parsed.data.errors?.[0] : undefined;
  const code = firstError?.code ?? undefined;
  const requestId = (parsed.success ? parsed.data.request_id : undefined) ?? header(headers, 'x-request-id') ?? undefined;
  let kind: FailureKind | undefined;
  let survivorId: string | undefined;
  if (status === 401 || (code !== undefined && REAUTH_CODES.has(code))) kind = 'unauthorized';
  else if (status === 429 || code === 'rate_limit_exceeded') kind = 'rate_limited';
  // 408 "Request timeout" (§5.3): the server gave up; retry like a 5xx (an unsafe write becomes ambiguous).
  else if (status === 408) kind = 'server_error';
  else if (status === 404 || status === 410) {
    survivorId = survivorFromLink(header(headers, 'link')) ?? survivorFromBody(body);
    if (survivorId) kind = 'merged';
  }
  // Only keys with a value: the core spreads this over `{ kind, status }` (upstream-client.ts
  // send()), so an explicit `kind: undefined` would erase the kind the status implies.
  const description: ErrorDescription = {};
  if (kind !== undefined) description.kind = kind;
  if (code !== undefined) description.code = code;
  if (firstError?.message) description.vendorMessage = firstError.message;
  if (requestId !== undefined) description.requestId = requestId;
  if (survivorId !== undefined) description.survivorId = survivorId;
  return description;
}
