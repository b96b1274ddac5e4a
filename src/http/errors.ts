// The API's error catalogue: every error leaves as { error: { code, message, details? } }.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ErrorBody } from './api-types.ts';

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: ErrorBody['error']['details'];
  readonly headers: Record<string, string>;

  constructor(
    statusCode: number,
    code: string,
    message: string,
    options: { details?: ErrorBody['error']['details']; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export const unauthorized = () => new HttpError(401, 'unauthorized', 'Sign in, or send an API token as "Authorization: Bearer <token>".');
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} was not found.`);

/** Parses a request body with a zod schema; a mismatch is a 400 naming each field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  const message = `The request body is invalid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}.`;
  throw new HttpError(400, 'invalid_request', message, { details });
}

/** A query string checked against its schema; a mismatch is a 400 that names each parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ path: key, message: 'is not a parameter of this endpoint' })) : [{ path: issue.path.join('.') || '(query)', message: issue.message }],
  );
  throw new HttpError(400, 'invalid_query', `The query is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}.`, { details });
}

const FASTIFY_CODES: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'The request body is larger than the 1 MiB this endpoint accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Send the body as application/json.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_request', message: 'The request says it has a JSON body but the body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: 'The request body is not valid JSON.' },
  FST_ERR_BAD_URL: { code: 'bad_url', message: 'The request path is not a valid URL (a malformed percent-encoding, for instance).' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'bad_url', message: 'A part of the request path is too long.' },
};

function toBody(error: FastifyError | HttpError, request: FastifyRequest): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof HttpError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details) body.error.details = error.details;
    return { status: error.statusCode, body, headers: error.headers };
  }
  const status = error.statusCode ?? 500;
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { status, body: { error: known }, headers: {} };
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && status === 400)) {
    return { status: 400, body: { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } }, headers: {} };
  }
  if (status >= 400 && status < 500) {
    return { status, body: { error: { code: 'bad_request', message: error.message } }, headers: {} };
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: `Something went wrong on our side; the server log has the details (request id ${request.id}).` } },
    headers: {},
  };
}

export function handleError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, headers } = toBody(error, request);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ errorCode: body.error.code, statusCode: status }, 'request rejected');
  return reply.code(status).headers(headers).send(body);
}

/**
 * Bytes that never became a request (malformed HTTP, headers too large, a request that took too
 * long) are answered on the raw socket, in the same { error: {...} } shape as everything else.
 */
export function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, { code: 'request_timeout', message: 'The request was not received in time.' }]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, { code: 'headers_too_large', message: 'The request headers are larger than the server accepts.' }]
        : [400, { code: 'bad_request', message: 'The request is not valid HTTP.' }];
  this.log.debug({ errorCode: body.code, statusCode: status }, 'client error');
  const text = JSON.stringify({ error: body } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
