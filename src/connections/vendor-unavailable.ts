// A vendor that could not be asked, said in plain words to the person connecting: where the
// daemon tried to go and what stopped it ("Could not reach HubSpot (api.hubapi.com): the network
// refused the connection — …"), or what the vendor answered ("HubSpot answered 503 — try again
// later."). Never an undici error string, a stack or a cause chain. Pure.
import type { UpstreamError } from '../integrations/upstream-error.ts';

const CHECK = "check the container's outbound access/proxy";

/** The first `code` along the cause chain (undici wraps the socket's error: fetch failed → ECONNREFUSED). */
function transportCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

/** OpenSSL's and Node's certificate and TLS failure codes. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

function whatStopped(code: string, timedOut: boolean): string {
  if (timedOut || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `no answer came in time — ${CHECK}`;
  }
  if (code === 'ECONNREFUSED') return `the network refused the connection — ${CHECK}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the name could not be resolved (DNS) — ${CHECK}`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `there is no route to it — ${CHECK}`;
  if (TLS_CODE.test(code)) {
    return `the secure connection failed (${code}) — a proxy that inspects TLS needs its certificate authority trusted (NODE_EXTRA_CA_CERTS)`;
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return `the connection was cut off — ${CHECK}`;
  return `the connection failed — ${CHECK}`;
}

/**
 * A call that got no answer: `cause` is the transport's error (its code is looked for along the
 * cause chain), `timedOut` when the client gave up waiting.
 */
export function describeUnreachable(vendor: string, baseUrl: string, cause: unknown, timedOut: boolean): string {
  return `Could not reach ${vendor} (${new URL(baseUrl).host}): ${whatStopped(transportCode(cause), timedOut)}.`;
}

/** `vendor`: "HubSpot" or "Intercom"; `baseUrl`: where the call went (its host is named). */
export function describeVendorUnavailable(vendor: string, baseUrl: string, error: UpstreamError): string {
  const { kind, status } = error.details;
  if (kind === 'network' || kind === 'timeout' || kind === 'ambiguous_write' || status === null) {
    return describeUnreachable(vendor, baseUrl, error.details.cause, kind === 'timeout');
  }
  if (kind === 'rate_limited') return `${vendor} answered ${status} (too many requests) — try again in a minute.`;
  if (kind === 'server_error') return `${vendor} answered ${status} — try again later.`;
  if (kind === 'invalid_response') return `${vendor} answered, but not with what Interhubz expects from ${new URL(baseUrl).host} — check that the address is ${vendor}'s.`;
  const said = error.details.vendorMessage ? `: ${error.details.vendorMessage}` : '';
  return `${vendor} answered ${status}${said}.`;
}
