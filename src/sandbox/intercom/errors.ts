// Intercom's error envelope (S14 #/components/schemas/error): {"type":"error.list","request_id",
// "errors":[{"code","message"}]}. Routes throw IntercomError; the plugin's error handler renders it.
import { randomUUID } from 'node:crypto';

export class IntercomError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'IntercomError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export interface ErrorList {
  type: 'error.list';
  request_id: string;
  errors: Array<{ code: string; message: string }>;
}

export const errorList = (code: string, message: string): ErrorList => ({
  type: 'error.list',
  // request_id is typed uuid in S14; real ones are uuids too (S14 Unauthorized example).
  request_id: randomUUID(),
  errors: [{ code, message }],
});

// Messages as S14's examples spell them.
export const unauthorized = () => new IntercomError(401, 'unauthorized', 'Access Token Invalid');
export const notFound = (message = 'Resource Not Found') => new IntercomError(404, 'not_found', message);
export const planRestricted = () => new IntercomError(403, 'api_plan_restricted', 'Active subscription needed.');
export const parameterInvalid = (message: string) => new IntercomError(400, 'parameter_invalid', message);
