// HubSpot's error envelope: {"status":"error","message","correlationId","category",...}, with the
// correlation id echoed in X-HubSpot-Correlation-Id (hubspot-api.md §0, §4). Handlers throw
// HubSpotError; the plugin's error handler turns it into the body.
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export const JSON_TYPE = 'application/json;charset=utf-8';

export interface ErrorBody {
  message: string;
  category?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: Array<{ message: string; code?: string; in?: string; subCategory?: string; context?: Record<string, string[]> }>;
  links?: Record<string, string>;
  /** Fields some bodies carry beside the standard ones (429: errorType, policyName, requestId). */
  extra?: Record<string, unknown>;
}

export class HubSpotError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Record<string, string>;
  constructor(status: number, body: ErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export function errorPayload(body: ErrorBody, correlationId: string): Record<string, unknown> {
  // Key order follows the captured bodies: status, message, correlationId, then the rest.
  const payload: Record<string, unknown> = { status: 'error', message: body.message, correlationId };
  if (body.extra) Object.assign(payload, body.extra);
  if (body.context) payload.context = body.context;
  if (body.errors) payload.errors = body.errors;
  if (body.links) payload.links = body.links;
  if (body.category) payload.category = body.category;
  if (body.subCategory) payload.subCategory = body.subCategory;
  return payload;
}

export function sendError(reply: FastifyReply, status: number, body: ErrorBody, headers: Record<string, string> = {}): FastifyReply {
  const correlationId = randomUUID();
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply
    .code(status)
    .header('x-hubspot-correlation-id', correlationId)
    .type(JSON_TYPE)
    .send(JSON.stringify(errorPayload(body, correlationId)));
}

export const validation = (message: string, extra: Omit<ErrorBody, 'message' | 'category'> = {}) =>
  new HubSpotError(400, { message, category: 'VALIDATION_ERROR', ...extra });

/** 404 for a numeric id that does not exist: no category in the captured body (hubspot-api.md §4). */
export const resourceNotFound = () => new HubSpotError(404, { message: 'resource not found' });

/** 404 for a non-numeric id looked up without idProperty ([ISSUE:HubSpot/hubspot-api-nodejs#669]). */
export const objectNotFound = (id: string) =>
  new HubSpotError(404, { message: 'Object not found.  objectId are usually numeric.', context: { id: [id] }, category: 'OBJECT_NOT_FOUND' });

/** Unknown object type segment: "Unable to infer object type from: X" ([ISSUE:HubSpot/hubspot-api-php#128]). */
export const unknownObjectType = (segment: string) => validation(`Unable to infer object type from: ${segment}`);

export const bodyExpected = () => validation('Invalid JSON input: a request body was expected, but none found');

export function invalidInput(detail: string): HubSpotError {
  // HubSpot reports Jackson deserialisation problems as "Invalid input JSON on line L, column C: …";
  // the simulator has no line/column for a schema mismatch, so it names the field instead.
  return validation(`Invalid input JSON on line 1, column 1: ${detail}`);
}
