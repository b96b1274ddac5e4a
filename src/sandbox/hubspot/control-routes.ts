// The control API over HTTP under /_sim, a plugin of its own beside the API's (so exempt from its
// faults, rate limits and request log), so a benchmark in another process can drive the simulator.
// Plain JSON, zod-validated; errors are {"error": "..."} with 400 or 404, not HubSpot's envelope,
// since this is not HubSpot.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FaultSpec, LatencySpec } from '../shared/faults.ts';
import type { HubSpotControl } from './control.ts';

const HubId = z.object({ hubId: z.coerce.number().int().optional() });
const PortalBody = z.strictObject({
  hubId: z.number().int().optional(), domain: z.string().optional(), timeZone: z.string().optional(),
  limits: z.strictObject({ burstPer10s: z.number().optional(), searchPerSecond: z.number().optional(), daily: z.number().optional() }).optional(),
  owners: z.array(z.object({ email: z.string(), firstName: z.string().optional(), lastName: z.string().optional() })).optional(),
});
const AppBody = z.strictObject({ appId: z.number().int().optional(), clientId: z.string().optional(), clientSecret: z.string().optional(), redirectUris: z.array(z.string()).optional() });
const TokenBody = z.strictObject({ hubId: z.number().int().optional(), scopes: z.array(z.string()).optional(), token: z.string().optional(), appId: z.number().int().optional() });
const OAuthBody = z.strictObject({ hubId: z.number().int().optional(), clientId: z.string().optional(), scopes: z.array(z.string()).optional() });
const Revoke = z.strictObject({ token: z.string() });
const WebhookBody = z.strictObject({
  hubId: z.number().int().optional(), targetUrl: z.url(), clientSecret: z.string().optional(), appId: z.number().int().optional(),
  subscriptions: z.array(z.object({ eventType: z.string(), objectTypeId: z.string().optional(), objectName: z.string().optional(), propertyName: z.string().optional(), active: z.boolean().optional() })).min(1),
  maxConcurrentRequests: z.number().int().min(1).optional(), duplicate: z.boolean().optional(), outOfOrder: z.boolean().optional(),
});
const SeedBody = z.strictObject({
  properties: z.record(z.string(), z.string()),
  associations: z.array(z.object({ to: z.object({ id: z.union([z.string(), z.number()]) }), types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })) })).optional(),
});
const AsUserBody = z.strictObject({ properties: z.record(z.string(), z.string()), ownerEmail: z.string().optional() });
const OwnerBody = z.strictObject({ email: z.string(), firstName: z.string().optional(), lastName: z.string().optional(), type: z.enum(['PERSON', 'QUEUE']).optional(), archived: z.boolean().optional() });
const LimitsBody = z.strictObject({ burstPer10s: z.number().optional(), searchPerSecond: z.number().optional(), daily: z.number().optional() });
const SettingsBody = z.strictObject({ accessTokenTtlMs: z.number().int().min(1).optional(), searchIndexDelayMs: z.number().int().min(0).optional(), rotateRefreshTokens: z.boolean().optional(), autoConsent: z.boolean().optional() });
const ClockBody = z.strictObject({ set: z.number().optional(), advance: z.number().optional(), release: z.boolean().optional() });

// JSON has no Infinity: a null or absent limit in the body means "no limit".
const limits = (body: z.infer<typeof LimitsBody>) =>
  Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === undefined || v <= 0 ? Number.POSITIVE_INFINITY : v]));

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export function registerControlRoutes(app: FastifyInstance, control: HubSpotControl): void {
  const route = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, handler: Handler) =>
    app.route({
      method, url: `/_sim${url}`,
      handler: async (request, reply) => {
        try {
          const result = await handler(request, reply);
          if (reply.sent) return reply;
          return result === undefined ? reply.code(204).send() : reply.send(result);
        } catch (error) {
          const message = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
          return reply.code(/^no /.test(message) ? 404 : 400).send({ error: message });
        }
      },
    });
  const hub = (request: FastifyRequest) => HubId.parse(request.params).hubId;
  const params = (request: FastifyRequest) => request.params as Record<string, string>;

  route('POST', '/portals', (request, reply) => reply.code(201).send(control.createPortal(PortalBody.parse(request.body ?? {}))));
  route('POST', '/apps', (request, reply) => reply.code(201).send(control.createApp(AppBody.parse(request.body ?? {}))));
  route('POST', '/tokens', (request, reply) => reply.code(201).send({ token: control.createStaticToken(TokenBody.parse(request.body ?? {})) }));
  route('POST', '/oauth/tokens', (request, reply) => reply.code(201).send(control.issueOAuthTokens(OAuthBody.parse(request.body ?? {}))));
  route('POST', '/tokens/revoke', (request) => ({ revoked: control.revokeToken(Revoke.parse(request.body).token) }));
  route('POST', '/tokens/expire', (request) => ({ expired: control.expireToken(Revoke.parse(request.body).token) }));
  route('POST', '/refresh-tokens/revoke', (request) => ({ revoked: control.revokeRefreshToken(Revoke.parse(request.body).token) }));

  route('POST', '/webhooks', (request, reply) => reply.code(201).send(control.subscribeWebhooks(WebhookBody.parse(request.body))));
  route('DELETE', '/webhooks', () => control.unsubscribeWebhooks());
  route('GET', '/webhooks/deliveries', () => ({ deliveries: control.webhookDeliveries() }));

  route('POST', '/faults', (request, reply) => {
    control.addFault(FaultSpec.parse(request.body));
    return reply.code(201).send({ pending: control.pendingFaults() });
  });
  route('GET', '/faults', () => ({ pending: control.pendingFaults() }));
  route('DELETE', '/faults', () => control.clearFaults());
  route('PUT', '/latency', (request) => {
    control.setLatency(request.body === null || request.body === undefined ? null : LatencySpec.parse(request.body));
    return { ok: true };
  });

  route('GET', '/requests', () => control.requests());
  route('DELETE', '/requests', () => control.clearRequests());

  route('GET', '/portals/:hubId/records/:objectType', (request) => ({ results: control.records({ hubId: hub(request), objectType: params(request).objectType ?? '' }) }));
  route('GET', '/portals/:hubId/records/:objectType/:id', (request) => {
    const found = control.record({ hubId: hub(request), objectType: params(request).objectType ?? '', id: params(request).id ?? '' });
    if (!found) throw new Error(`no record ${params(request).id}`);
    return found;
  });
  route('POST', '/portals/:hubId/records/:objectType', (request, reply) => {
    const body = SeedBody.parse(request.body);
    const id = control.seedRecord({ hubId: hub(request), objectType: params(request).objectType ?? '', properties: body.properties, associations: body.associations ?? [] });
    return reply.code(201).send({ id });
  });
  // A person's edit in HubSpot's UI (control.updateRecordAsUser): CRM_UI in history and webhooks.
  route('PATCH', '/portals/:hubId/records/:objectType/:id', (request) => {
    const body = AsUserBody.parse(request.body);
    return control.updateRecordAsUser({
      hubId: hub(request), objectType: params(request).objectType ?? '', id: params(request).id ?? '', properties: body.properties,
      ...(body.ownerEmail !== undefined ? { ownerEmail: body.ownerEmail } : {}),
    });
  });
  route('POST', '/portals/:hubId/owners', (request, reply) => reply.code(201).send(control.addOwner({ ...OwnerBody.parse(request.body), hubId: hub(request) })));
  route('PUT', '/portals/:hubId/rate-limits', (request) => control.setRateLimits({ ...limits(LimitsBody.parse(request.body)), hubId: hub(request) }));
  route('PUT', '/settings', (request) => control.setSettings(SettingsBody.parse(request.body)));
  route('POST', '/clock', (request) => {
    const body = ClockBody.parse(request.body ?? {});
    if (body.release) control.clock.release();
    if (body.set !== undefined) control.clock.set(body.set);
    if (body.advance !== undefined) control.clock.advance(body.advance);
    return { now: control.clock.now() };
  });
  route('GET', '/state', () => ({ defaultHubId: control.defaultHubId() }));
}
