// pino options shared by the daemon and the tests. Logs never carry secrets or message bodies:
// requests are serialised field by field (no headers, no body), query values that carry secrets are
// masked, and any object logged with a secret-looking key is redacted.
import type { FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const REDACTED = '[redacted]';

const SECRET_KEYS = [
  'authorization', 'cookie', 'set-cookie', 'password', 'passwordHash', 'token', 'accessToken', 'access_token',
  'refreshToken', 'refresh_token', 'clientSecret', 'client_secret', 'secret', 'apiKey', 'csrfToken',
  'x-csrf-token', 'x-hub-signature', 'x-hubspot-signature', 'x-hubspot-signature-v3', 'body', 'payload',
];

const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`]),
  ...['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers'].flatMap((base) =>
    SECRET_KEYS.map((key) => `${base}["${key}"]`),
  ),
];

const SECRET_QUERY = /([?&](?:code|state|token|access_token|refresh_token|client_secret|password|api_key|key)=)[^&#]*/gi;

/**
 * A path segment that looks like a secret: an API token (ihz_…), or a long run of base64url with
 * letters of both cases and digits (session tokens, OAuth codes, signed states). UUIDs and numeric
 * ids stay readable, because they are what a log reader searches for.
 */
const SECRET_SEGMENT = /^(?:ihz_[A-Za-z0-9_-]+|(?=[A-Za-z0-9_-]{24,}$)(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[A-Za-z0-9_-]+)$/;

function maskPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // A malformed escape is shown as it came.
      }
      return SECRET_SEGMENT.test(decoded) ? REDACTED : segment;
    })
    .join('/');
}

function maskUrl(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const rest = cut === -1 ? '' : url.slice(cut);
  return maskPath(path) + rest.replace(SECRET_QUERY, `$1${REDACTED}`);
}

function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: maskUrl(request.url),
    remoteAddress: request.ip,
  };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'interhubz' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: {
      req: serializeRequest as (value: unknown) => unknown,
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
