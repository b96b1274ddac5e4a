// Reads HubSpot's error bodies for createUpstreamClient's describeError hook. Bodies are read
// loosely: a shape we did not expect still yields the status-derived kind, never a crash.
//   API errors (hubspot-api.md §4): {status:"error", message, correlationId, category, subCategory?,
//     errors?[{message, code?, context?}], context?}, correlation id also in X-HubSpot-Correlation-Id.
//   429s (§3): the same envelope with errorType:"RATE_LIMIT" and policyName (DAILY, TEN_SECONDLY_ROLLING, SECONDLY).
//   OAuth token endpoint (§2.3): {error, error_description, status:"BAD_REFRESH_TOKEN", message}, HTTP 400.
import { z } from 'zod';
import type { ErrorDescription } from '../upstream-client.ts';
import type { Headers } from '../retry-policy.ts';
import { UpstreamError } from '../upstream-error.ts';

const Detail = z.object({
  message: z.string().optional(),
  code: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});

const Body = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  correlationId: z.string().optional(),
  category: z.string().optional(),
  subCategory: z.string().optional(),
  policyName: z.string().optional(),
  errors: z.array(Detail).optional().catch(undefined),
  context: z.record(z.string(), z.array(z.string())).optional().catch(undefined),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/** Refusals of a refresh token that only a person can fix by re-authorising (hubspot-api.md §2.3). */
const DEAD_GRANT = new Set(['invalid_grant', 'BAD_REFRESH_TOKEN']);

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Scope names from a MISSING_SCOPES body: errors[].context.requiredGranularScopes (§2.6), or requiredScopes. */
function scopesOf(body: z.infer<typeof Body>): string[] {
  const names = new Set<string>();
  for (const detail of body.errors ?? []) {
    for (const key of ['requiredGranularScopes', 'requiredScopes']) for (const scope of detail.context?.[key] ?? []) names.add(scope);
  }
  for (const key of ['requiredGranularScopes', 'requiredScopes']) for (const scope of body.context?.[key] ?? []) names.add(scope);
  return [...names];
}

export function describeHubSpotError(status: number, headers: Headers, raw: unknown): ErrorDescription {
  const requestId = header(headers, 'x-hubspot-correlation-id');
  // Not JSON (a proxy's HTML 502, say): the core hands us its first 500 characters as `unparsed`.
  if (typeof raw === 'object' && raw !== null && 'unparsed' in raw) return { requestId, vendorMessage: String(raw.unparsed) };
  const parsed = Body.safeParse(raw);
  if (!parsed.success) return { requestId, vendorMessage: undefined };
  const body = parsed.data;
  const description: ErrorDescription = {
    requestId: requestId ?? body.correlationId,
    code: body.category ?? body.policyName ?? body.error ?? (body.status !== 'error' ? body.status : undefined),
    vendorMessage: body.message ?? body.error_description,
  };
  if (body.category === 'MISSING_SCOPES') description.missingScopes = scopesOf(body);
  if (status === 400 && (DEAD_GRANT.has(body.error ?? '') || DEAD_GRANT.has(body.status ?? ''))) {
    description.kind = 'unauthorized';
    description.code = body.status && body.status !== 'error' ? body.status : body.error;
  }
  return description;
}

/**
 * The id of the record a 409 duplicate names ("Contact already exists. Existing ID: 37765128953",
 * hubspot-api.md §4 and §6). The core's UpstreamErrorDetails has no field for it, so it is read
 * back from vendorMessage, which keeps HubSpot's text.
 */
export function existingIdOf(error: unknown): string | undefined {
  if (!(error instanceof UpstreamError) || error.kind !== 'conflict') return undefined;
  return /Existing ID: (\d+)/.exec(error.details.vendorMessage ?? '')?.[1];
}
