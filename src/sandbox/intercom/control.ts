// The in-process control API: set up apps, workspaces, people and tokens, act as customers and
// admins, manage webhook subscriptions, inject faults, inspect records and the request log. The
// HTTP control routes (control-routes.ts) mirror it one to one.
import type { z } from 'zod';
import { FaultSpec, type FaultPlan, type LatencySpec } from '../shared/faults.ts';
import type { LoggedRequest, RequestLog } from '../shared/request-log.ts';
import { ControlError, createInboxControl } from './control-inbox.ts';
import { createInboxApps } from './inbox-app.ts';
import { emitCompany, emitContact, type SimCore } from './core.ts';
import { createDataAttribute, customWire, declareMissing } from './data-attributes.ts';
import { mergeContacts, updateCompany, updateContact } from './people-writes.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { AdminInit, AppInit, CompanyInit, ContactInit, WorkspaceInit } from './state.ts';
import type { Contact, DataType } from './types.ts';
import type { WebhookFault, WebhookFaultRates, Webhooks } from './webhooks.ts';
import { conversationWire } from './wire/conversation.ts';
import { adminWire, companyWire, contactWire } from './wire/people.ts';

export { ControlError };

/** Late-bound pieces that exist only once the plugin is registered on a Fastify instance. */
export interface Mount {
  prefix: string;
  faults: FaultPlan | null;
  log: RequestLog | null;
  pendingFaults: FaultSpec[];
  pendingLatency: LatencySpec | null | undefined;
}

export function createControl(core: SimCore, webhooks: Webhooks, limiter: RateLimiter, mount: Mount) {
  const { state, make } = core;

  const workspace = (id: string | undefined) => {
    const found = state.workspaces.get(id ?? [...state.workspaces.keys()][0] ?? '');
    if (!found) throw new ControlError(404, `workspace ${id ?? '(default)'} not found`);
    return found;
  };
  const contactOf = (id: string): Contact => {
    const found = state.contacts.get(id);
    if (!found) throw new ControlError(404, `contact ${id} not found`);
    return found;
  };
  const appOf = (id: string | undefined) => {
    const found = state.apps.get(id ?? [...state.apps.keys()][0] ?? '');
    if (!found) throw new ControlError(404, `app ${id ?? '(default)'} not found`);
    return found;
  };
  // Fault specs name paths as Intercom does ("/conversations"); under a mount they need its prefix.
  const mounted = (spec: FaultSpec | LatencySpec) => ({ ...spec, pathPrefix: spec.pathPrefix === undefined ? undefined : mount.prefix + spec.pathPrefix });
  const unmount = (entry: LoggedRequest): LoggedRequest => ({
    ...entry,
    route: entry.route.startsWith(mount.prefix) ? entry.route.slice(mount.prefix.length) : entry.route,
    path: entry.path.startsWith(mount.prefix) ? entry.path.slice(mount.prefix.length) : entry.path,
  });

  return {
    ...createInboxControl(core),
    // An app's Canvas Kit card in the Inbox's conversation details: inboxApp, openInbox, clickInbox.
    ...createInboxApps(core),
    apps: {
      create: (init: AppInit = {}) => ({ ...make.createApp(init) }),
      list: () => [...state.apps.values()].map((a) => ({ ...a })),
    },
    workspaces: {
      create(init: WorkspaceInit = {}) {
        const w = make.createWorkspace(init);
        return { id: w.id, name: w.name, region: w.region, timezone: w.timezone, ownerAdminId: w.ownerAdminId, appIds: [...w.appIds] };
      },
      list: () => [...state.workspaces.values()].map((w) => ({ id: w.id, name: w.name, region: w.region, timezone: w.timezone, ownerAdminId: w.ownerAdminId, appIds: [...w.appIds] })),
      setPlanRestricted(workspaceId: string, restricted: boolean) {
        workspace(workspaceId).planRestricted = restricted;
      },
    },
    /** A private-app access token for a workspace (D-auth), as if copied from the Developer Hub. */
    createAccessToken(workspaceId?: string, appId?: string): string {
      const w = workspace(workspaceId);
      return make.createToken(w.id, appOf(appId).id, 'private').token;
    },
    /** Revoke/uninstall: the token answers 401 from now on (intercom-api.md §1.6). */
    revokeToken(token: string): void {
      const record = state.tokens.get(token);
      if (!record) throw new ControlError(404, 'token not found');
      record.revoked = true;
    },
    admins: {
      create: (workspaceId: string, init: AdminInit = {}) => adminWire(make.createAdmin(workspace(workspaceId).id, init)),
      createTeam: (workspaceId: string, name: string, adminIds: string[] = []) => ({ ...make.createTeam(workspace(workspaceId).id, name, adminIds) }),
    },
    contacts: {
      create(workspaceId: string, init: ContactInit = {}) {
        const w = workspace(workspaceId);
        declareMissing(core, w.id, 'contact', init.customAttributes ?? {});
        const contact = make.createContact(w.id, init);
        emitContact(core, contact.role === 'user' ? 'contact.user.created' : 'contact.lead.created', contact);
        return contactWire(state, contact);
      },
      /** A teammate edits the contact in Intercom: a custom attribute it lacks is created first, as in the UI. */
      update(contactId: string, patch: Omit<ContactInit, 'role' | 'companyIds'>) {
        const contact = contactOf(contactId);
        if (patch.customAttributes) declareMissing(core, contact.workspaceId, 'contact', patch.customAttributes);
        updateContact(core, contact, {
          email: patch.email,
          name: patch.name,
          phone: patch.phone,
          externalId: patch.externalId,
          customAttributes: patch.customAttributes,
        });
        return contactWire(state, contact);
      },
      /** The lead signs up (identifies as a user in the Messenger): role user, contact.lead.signed_up. */
      signUp(contactId: string, changes: { externalId?: string | undefined; email?: string | undefined } = {}) {
        const contact = contactOf(contactId);
        if (contact.role !== 'lead') throw new ControlError(409, `contact ${contactId} is not a lead`);
        updateContact(core, contact, { role: 'user', externalId: changes.externalId, email: changes.email });
        return contactWire(state, contact);
      },
      /** Merges `fromId` into `intoId`: the absorbed contact 404s and leaves list/search (S14). */
      merge(fromId: string, intoId: string) {
        return contactWire(state, mergeContacts(core, contactOf(fromId), contactOf(intoId)));
      },
      /** Deleted: gone from the API; the webhook item is minimal (Z contact_deleted.json). */
      delete(contactId: string) {
        const contact = contactOf(contactId);
        state.contacts.delete(contact.id);
        const item = { id: contact.id, external_id: contact.externalId, type: 'contact', deleted: true };
        core.emit({ topic: 'contact.deleted', workspaceId: contact.workspaceId, item, createdAt: core.nowSec() });
      },
      attachCompany(contactId: string, companyId: string) {
        const contact = contactOf(contactId);
        const company = state.companies.get(companyId);
        if (!company || company.workspaceId !== contact.workspaceId) throw new ControlError(404, `company ${companyId} not found`);
        if (!contact.companyIds.includes(company.id)) contact.companyIds.push(company.id);
        contact.updatedAt = core.nowSec();
        return contactWire(state, contact);
      },
    },
    companies: {
      create(workspaceId: string, init: CompanyInit = {}) {
        const w = workspace(workspaceId);
        declareMissing(core, w.id, 'company', init.customAttributes ?? {});
        const company = make.createCompany(w.id, init);
        emitCompany(core, 'company.created', company);
        return companyWire(state, company);
      },
      /** A teammate edits the company in Intercom: company.updated (a missing custom attribute is created first). */
      update(companyId: string, patch: { name?: string | undefined; website?: string | undefined; industry?: string | undefined; size?: number | undefined; monthlySpend?: number | undefined; plan?: string | undefined; customAttributes?: Record<string, string | number | boolean | null> | undefined }) {
        const company = state.companies.get(companyId);
        if (!company) throw new ControlError(404, `company ${companyId} not found`);
        if (patch.customAttributes) declareMissing(core, company.workspaceId, 'company', patch.customAttributes);
        return companyWire(state, updateCompany(core, company, patch));
      },
    },
    dataAttributes: {
      /** A teammate creates a custom attribute in Intercom's settings (the API's name and clash checks apply). */
      create(workspaceId: string, input: { name: string; model: 'contact' | 'company'; dataType: DataType; options?: string[] | undefined; description?: string | undefined }) {
        const w = workspace(workspaceId);
        // A list attribute is a string with options (S14 PUT /data_attributes/{id} 200 example).
        if (input.options !== undefined && input.dataType !== 'string') throw new ControlError(400, 'options belong to a string (list) attribute');
        return customWire(createDataAttribute(core, w.id, { ...input, adminId: w.ownerAdminId }));
      },
    },
    webhooks: {
      async subscribe(input: { url: string; topics: string[]; appId?: string | undefined }) {
        const sub = await webhooks.subscribe(appOf(input.appId).id, input.url, input.topics);
        return { appId: sub.appId, url: sub.url, topics: [...sub.topics], status: sub.status };
      },
      unsubscribe: (appId?: string) => void webhooks.unsubscribe(appOf(appId).id),
      resume: (appId?: string) => webhooks.resume(appOf(appId).id),
      ping: (appId?: string, workspaceId?: string) => webhooks.ping(appOf(appId).id, workspace(workspaceId).id),
      addFault: (fault: WebhookFault) => webhooks.addFault(fault),
      /** Per-notification drop/duplicate/reorder probabilities (0–1) from now on. */
      setFaultRates: (rates: { [K in keyof WebhookFaultRates]?: number | undefined }) => webhooks.setFaultRates(rates),
      flush: () => webhooks.flush(),
      notifications: () => webhooks.notifications().map(({ item: _item, ...rest }) => rest),
      attempts: () => [...webhooks.attempts()],
      subscriptions: () => webhooks.subscriptions().map((s) => ({ ...s, topics: [...s.topics] })),
    },
    faults: {
      /** `count` defaults to 1, as FaultSpec says. */
      add(input: z.input<typeof FaultSpec>) {
        const spec = FaultSpec.parse(input);
        if (mount.faults) mount.faults.add(mounted(spec) as FaultSpec);
        else mount.pendingFaults.push(spec);
      },
      setLatency(spec: LatencySpec | null) {
        if (mount.faults) mount.faults.setLatency(spec && (mounted(spec) as LatencySpec));
        else mount.pendingLatency = spec;
      },
      clear() {
        mount.faults?.clear();
        mount.pendingFaults.length = 0;
        mount.pendingLatency = undefined;
      },
      pending: () => [...(mount.faults?.pending() ?? []), ...mount.pendingFaults].map((f) => ({ ...f })),
    },
    requests: {
      entries: () => (mount.log?.entries() ?? []).map(unmount),
      counts(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const entry of (mount.log?.entries() ?? []).map(unmount)) counts[`${entry.method} ${entry.route}`] = (counts[`${entry.method} ${entry.route}`] ?? 0) + 1;
        return counts;
      },
      clear: () => mount.log?.clear(),
    },
    clock: {
      now: () => core.clock.now(),
      set: (ms: number) => core.clock.set(ms),
      advance: (ms: number) => core.clock.advance(ms),
    },
    settings: {
      setIndexDelaySeconds: (seconds: number) => void (core.settings.indexDelaySeconds = seconds),
      setRateLimits(limits: { appPerMinute?: number | undefined; workspacePerMinute?: number | undefined }) {
        if (limits.appPerMinute !== undefined) limiter.settings.appPerMinute = limits.appPerMinute;
        if (limits.workspacePerMinute !== undefined) limiter.settings.workspacePerMinute = limits.workspacePerMinute;
        limiter.reset();
      },
    },
    /** Everything in one workspace, in wire shape (conversations with all parts, uncapped). */
    records(workspaceId?: string) {
      const w = workspace(workspaceId);
      const mine = <T extends { workspaceId: string }>(map: Map<string, T>) => [...map.values()].filter((r) => r.workspaceId === w.id);
      return {
        workspace: { id: w.id, name: w.name, region: w.region, timezone: w.timezone },
        admins: mine(state.admins).map(adminWire),
        contacts: mine(state.contacts).map((c) => ({ ...contactWire(state, c), merged_into: c.mergedInto })),
        companies: mine(state.companies).map((c) => companyWire(state, c)),
        conversations: mine(state.conversations).map((c) => conversationWire(state, c, { parts: { kind: 'only', parts: c.parts } })),
      };
    },
  };
}

export type IntercomControl = ReturnType<typeof createControl>;
