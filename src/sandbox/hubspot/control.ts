// The simulator's control surface for tests and benchmarks (not HubSpot's): portals, apps and
// tokens, webhooks, faults and latency, the request log, records with their associations, rate
// limits, settings and the clock. The HTTP form under /_sim mirrors these functions.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { FaultSpec, LatencySpec, type FaultPlan } from '../shared/faults.ts';
import type { LoggedRequest, RequestLog } from '../shared/request-log.ts';
import { assertTimeZone, DEFAULT_TIME_ZONE } from './account-info.ts';
import { ALL_SCOPES } from './auth.ts';
import { associationsOf } from './crm/association-store.ts';
import { dealAssociations } from './crm/deals.ts';
import { restoreRecord } from './crm/merge.ts';
import { commitCreate, commitUpdate, find, prepareCreate, prepareUpdate, type Ctx, type InlineAssociation } from './crm/records.ts';
import { userSource } from './crm/history.ts';
import { isoTime, objectType, OBJECT_TYPES } from './crm/types.ts';
import { issueTokens } from './oauth.ts';
import { ownerJson } from './owners.ts';
import { addOwner, createPortal, type OwnerSeed, type PortalSeed } from './seed.ts';
import { getPortal, type CrmRecord, type OAuthApp, type RateLimits, type SimSettings, type SimState } from './state.ts';
import type { SubscriptionInput, WebhookDispatcher } from './webhooks.ts';

export interface Mount {
  prefix: string;
  faults: FaultPlan;
  log: RequestLog;
}

export interface RecordView {
  id: string;
  objectType: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  associations: Record<string, Array<{ id: string; typeIds: number[] }>>;
}

export function createControl(state: SimState, webhooks: WebhookDispatcher) {
  let mount: Mount | undefined;
  const queuedFaults: FaultSpec[] = [];
  let queuedLatency: LatencySpec | null | undefined;
  const ctxFor = (hubId?: number): Ctx => ({ state, portal: getPortal(state, hubId), emit: webhooks.emit });
  // Fault paths are written as the API sees them ("/crm/v3/objects/notes"); the shared hook
  // matches the raw URL, which carries the mount prefix.
  const withPrefix = <T extends { pathPrefix?: string | undefined }>(spec: T): T =>
    mount && spec.pathPrefix !== undefined ? { ...spec, pathPrefix: mount.prefix + spec.pathPrefix } : spec;
  const strip = (path: string) => (mount && path.startsWith(mount.prefix) ? path.slice(mount.prefix.length) || '/' : path);

  /** A write by one of the portal's owners (the first unless named) in HubSpot's UI. */
  const asPerson = (hubId: number | undefined, ownerEmail: string | undefined): Ctx => {
    const portal = getPortal(state, hubId);
    const owners = [...portal.owners.values()];
    const person = ownerEmail === undefined ? owners[0] : owners.find((o) => o.email === ownerEmail);
    if (!person) throw new Error(`no owner ${ownerEmail ?? ''} in portal ${portal.hubId}`);
    return { ...ctxFor(hubId), source: userSource(person.userIdIncludingInactive) };
  };

  const view = (record: CrmRecord, hubId?: number): RecordView => {
    const portal = getPortal(state, hubId);
    const info = objectType(record.type);
    const associations: RecordView['associations'] = {};
    for (const to of Object.values(OBJECT_TYPES)) {
      const list = associationsOf(portal, { info, id: record.id }, to);
      if (list.length > 0) associations[to.name] = list.map((a) => ({ id: a.id, typeIds: a.types.map((t) => t.typeId) }));
    }
    return { id: record.id, objectType: info.name, properties: { ...record.properties }, createdAt: isoTime(record.createdAt), updatedAt: isoTime(record.updatedAt), archived: record.archived, associations };
  };

  const control = {
    attach(next: Mount): void {
      mount = next;
      for (const spec of queuedFaults.splice(0)) next.faults.add(withPrefix(spec));
      if (queuedLatency !== undefined) next.faults.setLatency(queuedLatency && withPrefix(queuedLatency));
    },
    defaultHubId: () => state.defaultHubId,
    createPortal(seed: PortalSeed & { timeZone?: string } = {}) {
      const { timeZone, ...rest } = seed;
      if (timeZone !== undefined) assertTimeZone(timeZone);
      const portal = createPortal(state, rest);
      if (timeZone !== undefined) portal.timeZone = timeZone;
      return { hubId: portal.hubId, domain: portal.domain, timeZone: portal.timeZone ?? DEFAULT_TIME_ZONE };
    },
    createApp(input: Partial<OAuthApp> = {}): OAuthApp {
      const app: OAuthApp = {
        appId: input.appId ?? Number(state.ids.next('hubspot-app')) + 1_159_451,
        clientId: input.clientId ?? randomUUID(), clientSecret: input.clientSecret ?? randomUUID(), redirectUris: input.redirectUris ?? [],
      };
      state.apps.set(app.clientId, app);
      return { ...app };
    },
    /** A private-app style token: never expires, all scopes unless given. */
    createStaticToken(input: { hubId?: number; scopes?: string[]; token?: string; appId?: number } = {}): string {
      const portal = getPortal(state, input.hubId);
      const token = input.token ?? `pat-na1-${randomUUID()}`;
      const owner = [...portal.owners.values()][0];
      state.tokens.set(token, {
        token, kind: 'static', hubId: portal.hubId, scopes: input.scopes ?? ALL_SCOPES, userId: owner?.userIdIncludingInactive ?? 1,
        user: owner?.email ?? '', expiresAt: Number.POSITIVE_INFINITY, revoked: false,
        privateAppId: input.appId ?? Number(state.ids.next('hubspot-private-app')) + 2_000_000,
      });
      return token;
    },
    /** Skips the browser step: tokens as if the portal's admin had installed the app. */
    issueOAuthTokens(input: { hubId?: number; clientId?: string; scopes?: string[] } = {}) {
      const app = input.clientId ? state.apps.get(input.clientId) : [...state.apps.values()][0];
      if (!app) throw new Error(`no OAuth app ${input.clientId ?? ''}`);
      const { access, refresh } = issueTokens(state, app, getPortal(state, input.hubId).hubId, input.scopes ?? ALL_SCOPES.filter((s) => s !== 'oauth'));
      return { accessToken: access.token, refreshToken: refresh.token, expiresIn: Math.floor(state.settings.accessTokenTtlMs / 1000) };
    },
    revokeToken(token: string): boolean {
      const found = state.tokens.get(token);
      if (found) found.revoked = true;
      return found !== undefined;
    },
    revokeRefreshToken(token: string): boolean {
      const found = state.refreshTokens.get(token);
      if (found) found.revoked = true;
      return found !== undefined;
    },
    /** Makes an access token expire now (without moving the clock). */
    expireToken(token: string): boolean {
      const found = state.tokens.get(token);
      if (found) found.expiresAt = state.clock.now();
      return found !== undefined;
    },
    subscribeWebhooks(input: { hubId?: number; targetUrl: string; clientSecret?: string; appId?: number; subscriptions: SubscriptionInput[]; maxConcurrentRequests?: number; duplicate?: boolean; outOfOrder?: boolean }) {
      const app = [...state.apps.values()][0];
      return webhooks.subscribe({
        ...input, hubId: getPortal(state, input.hubId).hubId, clientSecret: input.clientSecret ?? app?.clientSecret ?? '', appId: input.appId ?? app?.appId ?? 0,
      });
    },
    /** A record restored from HubSpot's recycle bin, which only its UI offers (crm/merge.ts). */
    restoreRecord(input: { hubId?: number; objectType: string; id: string }): RecordView {
      return view(restoreRecord(ctxFor(input.hubId), objectType(input.objectType), input.id), input.hubId);
    },
    unsubscribeWebhooks: (hubId?: number) => webhooks.unsubscribeAll(hubId),
    unsubscribeWebhooksSignedWith: (clientSecret: string) => webhooks.unsubscribeSignedWith(clientSecret),
    webhookSubscriptions: (hubId?: number) => webhooks.subscriptions(hubId),
    /** Which format a subscription's events arrive in: legacy `ticket.*` or generic `object.*` (webhooks.ts). */
    setWebhookSubscriptionForm: (id: number, form: 'legacy' | 'generic') => webhooks.setSubscriptionForm(id, form),
    webhookDeliveries: () => [...webhooks.deliveries()],
    webhooksIdle: () => webhooks.idle(),
    addFault(input: z.input<typeof FaultSpec>): void {
      const spec = FaultSpec.parse(input);
      if (mount) mount.faults.add(withPrefix(spec));
      else queuedFaults.push(spec);
    },
    setLatency(input: z.input<typeof LatencySpec> | null): void {
      const spec = input === null ? null : LatencySpec.parse(input);
      if (mount) mount.faults.setLatency(spec && withPrefix(spec));
      else queuedLatency = spec;
    },
    clearFaults(): void {
      queuedFaults.length = 0;
      queuedLatency = undefined;
      mount?.faults.clear();
    },
    pendingFaults: (): FaultSpec[] => [...(mount?.faults.pending() ?? queuedFaults)].map((f) => ({ ...f, ...(f.pathPrefix !== undefined ? { pathPrefix: strip(f.pathPrefix) } : {}) })),
    /** Served API calls (never the control API), with the mount prefix removed. */
    requests(): { total: number; counts: Record<string, number>; entries: LoggedRequest[] } {
      const entries = (mount?.log.entries() ?? []).map((e) => ({ ...e, path: strip(e.path), route: strip(e.route) }));
      const counts: Record<string, number> = {};
      for (const e of entries) counts[`${e.method} ${e.route}`] = (counts[`${e.method} ${e.route}`] ?? 0) + 1;
      return { total: entries.length, counts, entries };
    },
    clearRequests: () => mount?.log.clear(),
    records(input: { hubId?: number; objectType: string; includeArchived?: boolean }): RecordView[] {
      const portal = getPortal(state, input.hubId);
      return [...portal.records[objectType(input.objectType).name].values()].filter((r) => input.includeArchived || !r.archived).map((r) => view(r, portal.hubId));
    },
    record(input: { hubId?: number; objectType: string; id: string }): RecordView | undefined {
      const record = getPortal(state, input.hubId).records[objectType(input.objectType).name].get(input.id);
      return record && view(record, input.hubId);
    },
    /**
     * Creates a record as the API would (validation, webhooks), without HTTP or rate limits. It
     * stands for data already in the portal, so search sees it at once: the index delay is for writes.
     */
    seedRecord(input: { hubId?: number; objectType: string; properties: Record<string, string>; associations?: InlineAssociation[] }): string {
      const ctx = ctxFor(input.hubId);
      const record = commitCreate(ctx, prepareCreate(ctx, objectType(input.objectType), input));
      for (const version of record.versions) version.visibleAt = record.createdAt;
      return record.id;
    },
    /** A deal already in the portal (as seedRecord), on these contacts and companies: `dealstage` is required, `pipeline` defaults to "default". */
    seedDeal(input: { hubId?: number; properties: Record<string, string>; contactIds?: string[]; companyIds?: string[] }): string {
      const { contactIds, companyIds, ...rest } = input;
      return control.seedRecord({ ...rest, objectType: 'deals', associations: dealAssociations({ ...(contactIds ? { contactIds } : {}), ...(companyIds ? { companyIds } : {}) }) });
    },
    /**
     * Creates a record as a person in HubSpot's UI would: a fresh write (search sees it after the
     * index delay, unlike seedRecord), CRM_UI in history and webhooks.
     */
    createRecordAsUser(input: { hubId?: number; objectType: string; properties: Record<string, string>; ownerEmail?: string }): RecordView {
      const ctx = asPerson(input.hubId, input.ownerEmail);
      return view(commitCreate(ctx, prepareCreate(ctx, objectType(input.objectType), input)), input.hubId);
    },
    /**
     * Changes properties as a person in HubSpot's UI would: validated like an API write, recorded in
     * the history as CRM_UI by that user, and sent to webhooks with changeSource CRM_UI. The user is
     * an owner's (the portal's first by default); tests of the HubSpot → Intercom direction use it.
     */
    updateRecordAsUser(input: { hubId?: number; objectType: string; id: string; properties: Record<string, string>; ownerEmail?: string }): RecordView {
      const ctx = asPerson(input.hubId, input.ownerEmail);
      const info = objectType(input.objectType);
      const record = find(ctx, info, input.id);
      commitUpdate(ctx, info, record, prepareUpdate(ctx, info, record, input.properties));
      return view(record, input.hubId);
    },
    addOwner: (input: OwnerSeed & { hubId?: number }) => ownerJson(addOwner(state, getPortal(state, input.hubId), input)),
    setRateLimits(input: Partial<RateLimits> & { hubId?: number }): RateLimits {
      const portal = getPortal(state, input.hubId);
      const { hubId: _ignored, ...limits } = input;
      Object.assign(portal.limits, limits);
      portal.usage = { burst: new Map(), search: [], day: '', dailyUsed: 0 };
      return { ...portal.limits };
    },
    setSettings(input: Partial<Omit<SimSettings, 'searchFilterCaps'>>): SimSettings {
      Object.assign(state.settings, input);
      return { ...state.settings };
    },
    clock: state.clock,
  };
  return control;
}

export type HubSpotControl = ReturnType<typeof createControl>;
