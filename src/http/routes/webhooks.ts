// POST /webhooks/intercom and /webhooks/hubspot: thin — hand the raw bytes to the intake
// (src/webhooks/intake.ts) and answer what it says. Bodies are never logged (src/log.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptHubSpotDelivery, acceptIntercomDelivery, type IntakeAnswer, type IntakeDeps } from '../../webhooks/intake.ts';
import type { AppDeps, RouteLogConfig } from '../app.ts';
import type { RouteAuthConfig } from '../authenticate.ts';
import { HttpError } from '../errors.ts';
import { publicBaseUrl } from '../public-url.ts';
import type { Vendor } from '../../vendor.ts';

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function answer(intake: IntakeDeps, provider: Vendor, result: IntakeAnswer) {
  intake.observe?.(provider, result);
  if (result.status === 200) return result.body;
  throw new HttpError(result.status, result.code, result.message, result.details ? { details: result.details } : {});
}


export async function webhookRoutes(app: FastifyInstance, deps: AppDeps & { intake: IntakeDeps }): Promise<void> {
  await app.register(async (scope) => {
    // Signatures are computed over the exact bytes received, so the body is kept raw; the intake
    // parses it only after the signature matched.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'application/json; charset=utf-8'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('*', (request, _payload, done) =>
      done(new HttpError(415, 'unsupported_media_type', `Webhook deliveries are JSON; this one says ${request.headers['content-type'] ?? 'nothing'}.`), undefined),
    );

    // Intercom checks a webhook URL with a HEAD request when it is saved (intercom-api.md §2).
    scope.head('/webhooks/intercom', { config: { public: true } }, async (_request, reply) => reply.code(200).send());

    // An accepted delivery's "request completed" line is debug (src/http/app.ts): at the default
    // level a line each cost ~50 µs of the thread a delivery, more than its commit, and made the log
    // one line per event (test/bench/RESULTS.md, "ingest at the shipped log level"). Deliveries are
    // counted in /metrics; refused ones are still logged at info.
    const route = { config: { public: true, quietWhenOk: true } satisfies RouteAuthConfig & RouteLogConfig };

    scope.post('/webhooks/intercom', route, async (request) =>
      answer(deps.intake, 'intercom', await acceptIntercomDelivery(deps.intake, request.body as Buffer, header(request, 'x-hub-signature'))),
    );

    scope.post('/webhooks/hubspot', route, async (request) =>
      answer(
        deps.intake,
        'hubspot',
        await acceptHubSpotDelivery(deps.intake, {
          method: request.method,
          uri: `${publicBaseUrl(deps.config, request)}${request.url}`,
          rawBody: request.body as Buffer,
          headers: {
            v3: header(request, 'x-hubspot-signature-v3'),
            timestamp: header(request, 'x-hubspot-request-timestamp'),
            v1: header(request, 'x-hubspot-signature'),
            version: header(request, 'x-hubspot-signature-version'),
          },
        }),
      ),
    );
  });
}
