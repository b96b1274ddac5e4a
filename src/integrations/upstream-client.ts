// The HTTP core under both vendor clients: plan the call against its rate budget, send it with
// explicit timeouts, read JSON, learn from the rate-limit headers, and retry what is safe to retry
// within a small per-call budget. What is left over reaches the caller as an UpstreamError that
// says whether and when to try again — a job turns it into its outcome (src/jobs/upstream-outcome.ts).
import { noteCall } from './call-count.ts';
import { noteTracedCall } from './call-trace.ts';
import { assertNotInTransaction } from '../transaction-context.ts';
import type { Logger } from 'pino';
import { loadUndici } from './undici.ts';
import type { z } from 'zod';
import { realClock, type BudgetClock } from './rate-budget.ts';
import type { HttpPools } from './http-pools.ts';
import { statusKind, waitBeforeRetry, type Headers } from './retry-policy.ts';
import { UpstreamError, type FailureKind, type UpstreamErrorDetails, type UpstreamService } from './upstream-error.ts';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamCall {
  method: HttpMethod;
  /** Path below the base URL, starting with '/'. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | readonly string[]>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of `body` (OAuth token endpoints). */
  form?: Record<string, string>;
  /** May this call be sent twice without a second effect? Default: GET, PUT, DELETE yes; POST, PATCH no. */
  idempotent?: boolean;
  /** The rate budget the call spends, for vendors with several ('search' at HubSpot). */
  budget?: string;
  /** No Authorization header (OAuth token endpoints authenticate with the client secret). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

interface UpstreamResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface ErrorDescription {
  code?: string | undefined;
  vendorMessage?: string | undefined;
  requestId?: string | undefined;
  missingScopes?: string[] | undefined;
  survivorId?: string | undefined;
  /** Overrides the kind the status implies (a merged contact's 404, say). */
  kind?: FailureKind | undefined;
}

export interface RetrySettings {
  /** Tries per call, the first included. */
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  /** A wait longer than this is not slept inside the call: the error goes to the job with the wait. */
  maxWaitMs: number;
}

export interface UpstreamClientOptions {
  service: UpstreamService;
  baseUrl: string;
  pools: HttpPools;
  timeouts: { headersMs: number; bodyMs: number };
  retry: RetrySettings;
  /** The Authorization header value; asked before every try, so a refreshed token is used at once. */
  authorize(): Promise<string>;
  /** A 401 came back. Return true if a fresh credential was obtained and the call should be tried again (once). */
  onUnauthorized?(): Promise<boolean>;
  /** Waits until the call's budget allows it. */
  plan(call: UpstreamCall, signal?: AbortSignal): Promise<void>;
  /** Corrects the budget from the response (headers, 429s). */
  learn(call: UpstreamCall, status: number, headers: Headers): void;
  describeError(status: number, headers: Headers, body: unknown): ErrorDescription;
  /** Headers every call carries (Intercom-Version, Accept). */
  headers?: Record<string, string>;
  log: Logger;
  clock?: BudgetClock;
  random?: () => number;
}

export interface UpstreamClient {
  /** Sends a call and returns its response (2xx), or throws UpstreamError. */
  send(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Sends a call and validates the JSON body it relies on. */
  json<S extends z.ZodType>(call: UpstreamCall, schema: S): Promise<z.infer<S>>;
}

const NOT_SENT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isIdempotent(call: UpstreamCall): boolean {
  return call.idempotent ?? (call.method === 'GET' || call.method === 'PUT' || call.method === 'DELETE');
}

function buildUrl(baseUrl: string, call: UpstreamCall): URL {
  const url = new URL(baseUrl.replace(/\/$/, '') + call.path);
  for (const [key, value] of Object.entries(call.query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
    else url.searchParams.set(key, String(value));
  }
  return url;
}

/** What a transport failure means for this call: safe to retry, or maybe already done upstream. */
function transportKind(error: unknown, idempotent: boolean): FailureKind {
  const code = (error as { code?: string }).code ?? '';
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
  if (NOT_SENT.has(code) || NOT_SENT.has(cause)) return error instanceof loadUndici().errors.ConnectTimeoutError ? 'timeout' : 'network';
  if (!idempotent) return 'ambiguous_write';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : 'network';
}

async function readBody(body: { text(): Promise<string> }): Promise<unknown> {
  const text = await body.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { unparsed: text.slice(0, 500) };
  }
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const origin = new URL(options.baseUrl).origin;
  const log = options.log.child({ upstream: options.service });

  const fail = (call: UpstreamCall, details: Omit<UpstreamErrorDetails, 'service' | 'method' | 'path'>) =>
    new UpstreamError({ service: options.service, method: call.method, path: call.path, ...details });

  async function attempt(call: UpstreamCall): Promise<UpstreamResponse> {
    await options.plan(call, call.signal);
    noteCall(options.service);
    const url = buildUrl(options.baseUrl, call);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (!call.anonymous) headers.authorization = await options.authorize();
    let payload: string | undefined;
    if (call.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(call.form).toString();
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(call.body);
    }
    const response = await loadUndici().request(url, {
      method: call.method,
      headers,
      body: payload,
      dispatcher: options.pools.dispatcherFor(origin),
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyMs,
      signal: call.signal,
    }).catch((error: unknown) => {
      options.pools.observe(options.service, call, null);
      throw error;
    });
    options.pools.observe(options.service, call, response.statusCode);
    const body = await readBody(response.body);
    const responseHeaders = response.headers as Headers;
    options.learn(call, response.statusCode, responseHeaders);
    return { status: response.statusCode, headers: responseHeaders, body };
  }

  async function send(call: UpstreamCall): Promise<UpstreamResponse> {
    // Before the budget is spent or anything is sent: a call from inside a transaction is a bug.
    assertNotInTransaction(() => {
      const url = buildUrl(options.baseUrl, call);
      return `${url.host}${url.pathname}`;
    });
    const idempotent = isIdempotent(call);
    let refreshed = false;
    for (let tryNumber = 1; ; tryNumber++) {
      let result: UpstreamResponse;
      const startedAt = clock.now();
      // The explainer's record of this try (call-trace.ts): status, duration, the vendor's words on a failure.
      const traced = (status: number | null, failure?: { kind: FailureKind | 'transport'; vendorMessage: string | null }) =>
        noteTracedCall(call, { service: options.service, status, durationMs: clock.now() - startedAt, attempt: tryNumber, ...(failure ? { failure } : {}) });
      try {
        result = await attempt(call);
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        traced(null, { kind: 'transport', vendorMessage: (error as Error).message ?? null });
        if (call.signal?.aborted) throw error;
        const kind = transportKind(error, idempotent);
        const failure = fail(call, { kind, status: null, vendorMessage: (error as Error).message, cause: error });
        if (kind === 'ambiguous_write') throw failure; // never blindly repeat a write that may have happened
        const waitMs = waitBeforeRetry(kind, {}, tryNumber, clock.now(), options.retry, random);
        if (tryNumber >= options.retry.maxAttempts || waitMs > options.retry.maxWaitMs) {
          throw fail(call, { ...failure.details, retryAfterMs: waitMs });
        }
        log.info({ method: call.method, path: call.path, kind, attempt: tryNumber, waitMs }, 'upstream call failed; retrying');
        await clock.sleep(waitMs, call.signal);
        continue;
      }
      if (result.status < 400) {
        traced(result.status);
        return result;
      }

      const described = options.describeError(result.status, result.headers, result.body);
      const kind = described.kind ?? statusKind(result.status) ?? 'invalid_request';
      traced(result.status, { kind, vendorMessage: described.vendorMessage ?? null });
      if (kind === 'unauthorized' && !refreshed && options.onUnauthorized) {
        refreshed = true;
        if (await options.onUnauthorized()) continue;
      }
      // `kind` last: a description that spells out `kind: undefined` must not erase it.
      const details = { ...described, status: result.status, kind };
      if (!(kind === 'rate_limited' || kind === 'server_error')) throw fail(call, details);
      const waitMs = waitBeforeRetry(kind, result.headers, tryNumber, clock.now(), options.retry, random);
      // A 5xx on a write that is not idempotent may have been applied before the error.
      if (kind === 'server_error' && !idempotent) throw fail(call, { ...details, kind: 'ambiguous_write', retryAfterMs: waitMs });
      if (tryNumber >= options.retry.maxAttempts || waitMs > options.retry.maxWaitMs) throw fail(call, { ...details, retryAfterMs: waitMs });
      log.info({ method: call.method, path: call.path, status: result.status, attempt: tryNumber, waitMs, requestId: described.requestId }, 'upstream call refused; retrying');
      await clock.sleep(waitMs, call.signal);
    }
  }

  return {
    send,
    async json(call, schema) {
      const result = await send(call);
      const parsed = schema.safeParse(result.body);
      if (parsed.success) return parsed.data;
      const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
      throw fail(call, { kind: 'invalid_response', status: result.status, vendorMessage: `unexpected response shape: ${problems}` });
    },
  };
}
