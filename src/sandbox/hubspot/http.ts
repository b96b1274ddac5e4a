// Route plumbing: every API route is registered under its classic v3/v4 path and the date-versioned
// paths that declare it (DESIGN.md §2, hubspot-api.md §1 "route both forms to the same handlers"), behind bearer
// auth, scopes and the rate limiter; bodies are parsed with zod into HubSpot's 400s.
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { z } from 'zod';
import { authenticate } from './auth.ts';
import { bodyExpected, invalidInput, JSON_TYPE } from './errors.ts';
import { consume, type LimitKind } from './rate-limit.ts';
import { tokenSource } from './crm/history.ts';
import type { Ctx, ChangeEvent } from './crm/records.ts';
import type { AccessToken, Portal, SimState } from './state.ts';

export const DATED_VERSIONS = ['2026-03', '2026-09'] as const;

/**
 * Dated routes that the classic form has but that version does not declare for the object types the
 * simulator serves: they answer 404 like any unknown route. 2026-09 declares the per-record
 * associations list only for partner services (../shared/docs/hubspot-routes-2026-09.md; the test
 * test/sandbox/hubspot/dated-routes.test.ts holds every served 2026-09 route to that list); 2026-03
 * maps every classic route (hubspot-api.md §1).
 */
const UNDECLARED = new Set(['GET /crm/objects/2026-09/:objectType/:objectId/associations/:toObjectType']);

export interface Runtime {
  state: SimState;
  emit: (event: ChangeEvent) => void;
}

interface Access {
  token: AccessToken;
  portal: Portal;
  ctx: Ctx;
}

export type Params = Record<string, string>;
export type Query = Record<string, string | string[] | undefined>;

export interface RouteDef {
  method: HTTPMethods;
  paths: string[];
  /** Any one suffices; [] = any valid token. */
  scopes: (params: Params) => readonly string[];
  limit: LimitKind;
  handler: (request: FastifyRequest, reply: FastifyReply, access: Access) => unknown;
}

/** Classic and dated forms of one API area: crm('objects', '/:objectType') etc. */
export const crm = (area: 'objects' | 'pipelines' | 'properties' | 'owners', suffix: string, classic = 'v3') => [
  `/crm/${classic}/${area}${suffix}`,
  ...DATED_VERSIONS.map((version) => `/crm/${area}/${version}${suffix}`),
];

export const associationPaths = (suffix: string, extraClassic: string[] = []) => [
  `/crm/v4/associations${suffix}`,
  ...extraClassic,
  ...DATED_VERSIONS.map((version) => `/crm/associations/${version}${suffix}`),
];

/** Route patterns with their methods, so the 404 handler can answer 405 like HubSpot does. */
export interface RouteTable {
  patterns: Array<{ regex: RegExp; methods: Set<string> }>;
}

function remember(table: RouteTable, method: string, path: string): void {
  const source = `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`;
  let entry = table.patterns.find((p) => p.regex.source === source);
  if (!entry) table.patterns.push((entry = { regex: new RegExp(source), methods: new Set() }));
  entry.methods.add(method);
}

export function allowedMethods(table: RouteTable, path: string): string[] {
  const methods = new Set<string>();
  for (const p of table.patterns) if (p.regex.test(path)) for (const m of p.methods) methods.add(m);
  return [...methods];
}

export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(JSON.stringify(body));
}

export function register(app: FastifyInstance, rt: Runtime, table: RouteTable, def: RouteDef): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as Params;
    const token = authenticate(rt.state, request, def.scopes(params));
    const portal = rt.state.portals.get(token.hubId)!;
    const headers = consume(portal, token, def.limit, rt.state.clock.now());
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    const body = await def.handler(request, reply, { token, portal, ctx: { state: rt.state, portal, emit: rt.emit, source: tokenSource(token) } });
    if (reply.sent) return reply;
    if (body === undefined) return reply.code(reply.statusCode === 200 ? 204 : reply.statusCode).send();
    return reply.type(JSON_TYPE).send(JSON.stringify(body));
  };
  for (const url of def.paths.filter((path) => !UNDECLARED.has(`${def.method} ${path}`))) {
    app.route({ method: def.method, url, handler });
    remember(table, def.method, url);
  }
}

export function rememberRoute(table: RouteTable, method: string, path: string): void {
  remember(table, method, path);
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || body === '') throw bodyExpected();
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
  throw invalidInput(`${issue?.message ?? 'invalid body'}${where}`);
}

/** Comma-separated query values, also when repeated (?properties=a&properties=b). */
export function listParam(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function boolParam(value: string | string[] | undefined): boolean {
  const v = Array.isArray(value) ? value[0] : value;
  return v === 'true';
}

export function stringParam(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
