// The control API over HTTP under /_sim, for a benchmark or a demo in another process. JSON in
// and out, bodies checked with zod; exempt from faults, rate limits and the request log.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FaultSpec, LatencySpec } from '../shared/faults.ts';
import { ControlError, type IntercomControl } from './control.ts';

const Region = z.enum(['US', 'EU', 'AU']);
const Attributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const AppBody = z.strictObject({
  name: z.string().optional(),
  clientId: z.string().optional(),
  clientSecret: z.string().optional(),
  redirectUris: z.array(z.string().url()).optional(),
  apiVersion: z.string().optional(),
  private: z.boolean().optional(),
});
const AdminBody = z.strictObject({
  name: z.string().optional(),
  email: z.string().optional(),
  jobTitle: z.string().nullable().optional(),
  kind: z.enum(['admin', 'bot']).optional(),
  hasInboxSeat: z.boolean().optional(),
  awayModeEnabled: z.boolean().optional(),
  teamIds: z.array(z.number().int()).optional(),
});
const WorkspaceBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+$/).optional(),
  name: z.string().optional(),
  region: Region.optional(),
  timezone: z.string().optional(),
  appId: z.string().optional(),
  planRestricted: z.boolean().optional(),
  owner: AdminBody.optional(),
});
const ContactPatch = z.strictObject({
  email: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  externalId: z.string().nullable().optional(),
  customAttributes: Attributes.optional(),
});
const ContactBody = ContactPatch.extend({
  role: z.enum(['user', 'lead']).optional(),
  companyIds: z.array(z.string()).optional(),
  location: z.strictObject({ country: z.string().nullable().optional(), region: z.string().nullable().optional(), city: z.string().nullable().optional() }).optional(),
});
const CompanyBody = z.strictObject({
  companyId: z.string().optional(),
  name: z.string().optional(),
  website: z.string().nullable().optional(),
  industry: z.string().nullable().optional(),
  size: z.number().int().nullable().optional(),
  monthlySpend: z.number().optional(),
  planName: z.string().nullable().optional(),
  customAttributes: Attributes.optional(),
});
const CompanyPatch = z.strictObject({
  name: z.string().optional(),
  website: z.string().optional(),
  industry: z.string().optional(),
  size: z.number().int().optional(),
  monthlySpend: z.number().optional(),
  plan: z.string().optional(),
  customAttributes: Attributes.optional(),
});
const DataAttributeBody = z.strictObject({
  name: z.string().min(1),
  model: z.enum(['contact', 'company']),
  dataType: z.enum(['string', 'integer', 'float', 'boolean', 'date']),
  options: z.array(z.string()).min(2).optional(),
  description: z.string().optional(),
});
const AdminRef = { adminId: z.string().optional() };
const AdminActions = {
  reply: z.strictObject({ ...AdminRef, body: z.string().min(1), messageType: z.enum(['comment', 'note', 'quick_reply']).optional(), attachmentUrls: z.array(z.string()).optional() }),
  note: z.strictObject({ ...AdminRef, body: z.string().min(1) }),
  close: z.strictObject({ ...AdminRef, body: z.string().optional() }),
  open: z.strictObject({ ...AdminRef }),
  snooze: z.strictObject({ ...AdminRef, snoozedUntil: z.number().int() }),
  assign: z.strictObject({ ...AdminRef, assigneeId: z.string(), assigneeType: z.enum(['admin', 'team']).optional(), body: z.string().optional() }),
  tag: z.strictObject({ ...AdminRef, tag: z.string().min(1) }),
  priority: z.strictObject({ ...AdminRef, priority: z.enum(['priority', 'not_priority']) }),
};

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const message = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new ControlError(400, message);
}

type P<K extends string> = { Params: Record<K, string> };

export function registerControlRoutes(app: FastifyInstance, control: IntercomControl): void {
  app.post('/_sim/apps', async (req) => control.apps.create(parse(AppBody, req.body)));
  app.get('/_sim/apps', async () => control.apps.list());
  app.post('/_sim/workspaces', async (req) => control.workspaces.create(parse(WorkspaceBody, req.body)));
  app.get('/_sim/workspaces', async () => control.workspaces.list());
  app.put<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/plan', async (req) => {
    control.workspaces.setPlanRestricted(req.params.workspaceId, parse(z.strictObject({ restricted: z.boolean() }), req.body).restricted);
    return { ok: true };
  });
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/tokens', async (req) => ({
    token: control.createAccessToken(req.params.workspaceId, parse(z.strictObject({ appId: z.string().optional() }), req.body).appId),
  }));
  app.post('/_sim/tokens/revoke', async (req) => {
    control.revokeToken(parse(z.strictObject({ token: z.string() }), req.body).token);
    return { ok: true };
  });
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/admins', async (req) => control.admins.create(req.params.workspaceId, parse(AdminBody, req.body)));
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/teams', async (req) => {
    const body = parse(z.strictObject({ name: z.string(), adminIds: z.array(z.string()).optional() }), req.body);
    return control.admins.createTeam(req.params.workspaceId, body.name, body.adminIds);
  });
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/contacts', async (req) => control.contacts.create(req.params.workspaceId, parse(ContactBody, req.body)));
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/companies', async (req) => control.companies.create(req.params.workspaceId, parse(CompanyBody, req.body)));
  app.patch<P<'contactId'>>('/_sim/contacts/:contactId', async (req) => control.contacts.update(req.params.contactId, parse(ContactPatch, req.body)));
  app.delete<P<'contactId'>>('/_sim/contacts/:contactId', async (req) => ({ ok: control.contacts.delete(req.params.contactId) ?? true }));
  app.post<P<'workspaceId'>>('/_sim/workspaces/:workspaceId/data-attributes', async (req) => control.dataAttributes.create(req.params.workspaceId, parse(DataAttributeBody, req.body)));
  app.post<P<'contactId'>>('/_sim/contacts/:contactId/sign-up', async (req) =>
    control.contacts.signUp(req.params.contactId, parse(z.strictObject({ externalId: z.string().optional(), email: z.string().optional() }), req.body ?? {})),
  );
  app.patch<P<'companyId'>>('/_sim/companies/:companyId', async (req) => control.companies.update(req.params.companyId, parse(CompanyPatch, req.body)));
  app.post<P<'contactId'>>('/_sim/contacts/:contactId/merge', async (req) => control.contacts.merge(req.params.contactId, parse(z.strictObject({ intoId: z.string() }), req.body).intoId));
  app.post<P<'contactId'>>('/_sim/contacts/:contactId/companies', async (req) =>
    control.contacts.attachCompany(req.params.contactId, parse(z.strictObject({ companyId: z.string() }), req.body).companyId),
  );

  app.post('/_sim/customer/conversations', async (req) =>
    control.actAsCustomer.startConversation(
      parse(z.strictObject({ contactId: z.string(), body: z.string().min(1), subject: z.string().optional(), url: z.string().nullable().optional() }), req.body),
    ),
  );
  app.post<P<'conversationId'>>('/_sim/customer/conversations/:conversationId/reply', async (req) => {
    const body = parse(z.strictObject({ body: z.string().min(1), contactId: z.string().optional(), attachmentUrls: z.array(z.string()).optional() }), req.body);
    return control.actAsCustomer.reply({ conversationId: req.params.conversationId, ...body });
  });
  app.post<P<'conversationId' | 'action'>>('/_sim/admin/conversations/:conversationId/:action', async (req) => {
    const conversationId = req.params.conversationId;
    const a = control.actAsAdmin;
    switch (req.params.action) {
      case 'reply': return a.reply({ conversationId, ...parse(AdminActions.reply, req.body) });
      case 'note': return a.note({ conversationId, ...parse(AdminActions.note, req.body) });
      case 'close': return a.close({ conversationId, ...parse(AdminActions.close, req.body) });
      case 'open': return a.open({ conversationId, ...parse(AdminActions.open, req.body) });
      case 'snooze': return a.snooze({ conversationId, ...parse(AdminActions.snooze, req.body) });
      case 'assign': return a.assign({ conversationId, ...parse(AdminActions.assign, req.body) });
      case 'tag': return a.tag({ conversationId, ...parse(AdminActions.tag, req.body) });
      case 'priority': return a.setPriority({ conversationId, ...parse(AdminActions.priority, req.body) });
      case 'delete': return a.delete({ conversationId, ...parse(AdminActions.open, req.body) });
      default: throw new ControlError(404, `unknown admin action ${req.params.action}`);
    }
  });

  // The Inbox app (inbox-app.ts): install a Canvas Kit card, open a conversation, click a component.
  app.post('/_sim/inbox/apps', async (req) => control.inboxApp(parse(z.strictObject({
    initializeUrl: z.string().url(), submitUrl: z.string().url(), clientSecret: z.string().min(1).optional(), workspaceId: z.string().optional(), appId: z.string().optional(),
  }), req.body)));
  app.get('/_sim/inbox/apps', async () => control.inboxApps());
  const InboxView = z.strictObject({ conversationId: z.string(), adminId: z.string().optional(), contactId: z.string().optional(), appId: z.string().optional(), locale: z.string().optional() });
  app.post('/_sim/inbox/open', async (req) => control.openInbox(parse(InboxView, req.body)));
  app.post('/_sim/inbox/click', async (req) => control.clickInbox(parse(InboxView.extend({
    componentId: z.string(),
    inputValues: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    storedData: z.record(z.string(), z.unknown()).optional(),
  }), req.body)));

  app.post('/_sim/webhooks/subscriptions', async (req) => {
    const body = parse(z.strictObject({ url: z.string().url(), topics: z.array(z.string()), appId: z.string().optional() }), req.body);
    return control.webhooks.subscribe(body).catch((error: unknown) => {
      throw new ControlError(400, error instanceof Error ? error.message : String(error));
    });
  });
  app.get('/_sim/webhooks/subscriptions', async () => control.webhooks.subscriptions());
  app.delete<P<'appId'>>('/_sim/webhooks/subscriptions/:appId', async (req) => ({ ok: control.webhooks.unsubscribe(req.params.appId) ?? true }));
  app.post('/_sim/webhooks/resume', async (req) => ({ ok: control.webhooks.resume(parse(z.strictObject({ appId: z.string().optional() }), req.body).appId) ?? true }));
  app.post('/_sim/webhooks/ping', async (req) => {
    const body = parse(z.strictObject({ appId: z.string().optional(), workspaceId: z.string().optional() }), req.body);
    control.webhooks.ping(body.appId, body.workspaceId);
    return { ok: true };
  });
  app.post('/_sim/webhooks/faults', async (req) => {
    control.webhooks.addFault(parse(z.strictObject({ kind: z.enum(['drop', 'duplicate', 'reorder']), count: z.number().int().min(1).default(1), topic: z.string().optional() }), req.body));
    return { ok: true };
  });
  app.put('/_sim/webhooks/fault-rates', async (req) => {
    const rate = z.number().min(0).max(1).optional();
    return control.webhooks.setFaultRates(parse(z.strictObject({ drop: rate, duplicate: rate, reorder: rate }), req.body));
  });
  app.post('/_sim/webhooks/flush', async () => {
    await control.webhooks.flush();
    return { ok: true };
  });
  app.get('/_sim/webhooks/notifications', async () => control.webhooks.notifications());
  app.get('/_sim/webhooks/attempts', async () => control.webhooks.attempts());

  app.post('/_sim/faults', async (req) => {
    control.faults.add(parse(FaultSpec, req.body));
    return { ok: true };
  });
  app.get('/_sim/faults', async () => control.faults.pending());
  app.delete('/_sim/faults', async () => ({ ok: control.faults.clear() ?? true }));
  app.put('/_sim/latency', async (req) => ({ ok: control.faults.setLatency(parse(LatencySpec.nullable(), req.body ?? null)) ?? true }));

  app.get('/_sim/requests', async () => control.requests.entries());
  app.get('/_sim/requests/counts', async () => control.requests.counts());
  app.delete('/_sim/requests', async () => ({ ok: control.requests.clear() ?? true }));

  app.get('/_sim/clock', async () => ({ now: control.clock.now() }));
  app.post('/_sim/clock', async (req) => {
    const body = parse(z.strictObject({ advanceMs: z.number().int().min(0).optional(), setMs: z.number().int().optional() }), req.body);
    if (body.setMs !== undefined) control.clock.set(body.setMs);
    if (body.advanceMs !== undefined) control.clock.advance(body.advanceMs);
    return { now: control.clock.now() };
  });
  app.put('/_sim/settings', async (req) => {
    const body = parse(
      z.strictObject({ indexDelaySeconds: z.number().int().min(0).optional(), appPerMinute: z.number().int().min(1).optional(), workspacePerMinute: z.number().int().min(1).optional() }),
      req.body,
    );
    if (body.indexDelaySeconds !== undefined) control.settings.setIndexDelaySeconds(body.indexDelaySeconds);
    control.settings.setRateLimits(body);
    return { ok: true };
  });
  app.get<{ Querystring: { workspaceId?: string } }>('/_sim/records', async (req) => control.records(req.query.workspaceId));
}
