// Settings → Alerts: the channels (secrets never answered), their deliveries, and "send a test".
// Reads: anyone signed in and `read` tokens. Changes: admins (sessions or `admin` tokens; the
// authentication hook refuses viewers), each audited. Channels from the YAML are read-only here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { lastDeliveryByChannel, recentDeliveries, type DeliveryView } from '../../alerts/alert-store.ts';
import { channelParts, createChannel, deleteChannel, findChannelByName, getChannel, hasChannelSecret, listChannels, updateChannel, type AlertChannel } from '../../alerts/channel-store.ts';
import { alertSender } from '../../alerts/feature.ts';
import { sendTestAlert } from '../../alerts/send-test.ts';
import { recordAudit } from '../../audit/record-audit.ts';
import {
  CreateAlertChannelBody,
  UpdateAlertChannelBody,
  type AlertChannelInfo,
  type AlertChannelList,
  type AlertDeliveryInfo,
  type AlertDeliveryList,
  type AlertTestResult,
} from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { requestActor } from '../authenticate.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toDeliveryInfo(view: DeliveryView): AlertDeliveryInfo {
  return {
    id: view.id,
    channelId: view.channelId,
    channelName: view.channelName,
    status: view.status,
    attempts: view.attempts,
    lastAttemptAt: iso(view.lastAttemptAt),
    lastError: view.lastError,
    createdAt: new Date(view.createdAt).toISOString(),
    event: view.message.event,
    connection: view.message.connectionId === null ? null : { id: view.message.connectionId, name: view.message.connectionName ?? view.message.connectionId },
    state: view.message.state,
    reason: view.message.reason,
  };
}

function yamlKeyOf(deps: AppDeps, channel: AlertChannel): string | null {
  if (!channel.managedByConfig) return null;
  const index = deps.config.alerts.channels.findIndex((declared) => declared.name === channel.name);
  return `alerts.channels[${index < 0 ? 'n' : index}]`;
}

async function toInfo(deps: AppDeps, channel: AlertChannel, last: DeliveryView | undefined): Promise<AlertChannelInfo> {
  const settings = channel.settings;
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    managedByConfig: channel.managedByConfig,
    yamlKey: yamlKeyOf(deps, channel),
    url: settings.type === 'webhook' ? settings.url : null,
    secretSet: await hasChannelSecret(deps.db, channel.id),
    email: settings.type === 'email' ? { ...settings.smtp, from: settings.from, to: settings.to } : null,
    lastDelivery: last ? toDeliveryInfo(last) : null,
    createdAt: new Date(channel.createdAt).toISOString(),
    updatedAt: new Date(channel.updatedAt).toISOString(),
  };
}

async function editableChannel(deps: AppDeps, id: string): Promise<AlertChannel> {
  const channel = await getChannel(deps.db, id);
  if (!channel) throw notFound('An alert channel with that id');
  const key = yamlKeyOf(deps, channel);
  if (key) throw new HttpError(409, 'managed_by_config', `The channel "${channel.name}" is declared in the configuration file (${key}); change it there and restart.`);
  return channel;
}

async function refuseTakenName(deps: AppDeps, name: string, exceptId?: string): Promise<void> {
  const other = await findChannelByName(deps.db, name);
  if (other && other.id !== exceptId) {
    throw new HttpError(409, 'name_taken', `An alert channel is already named "${name}".`, { details: [{ path: 'name', message: 'is already taken' }] });
  }
}

const audit = (deps: AppDeps, request: FastifyRequest, action: 'alert_channel.create' | 'alert_channel.update' | 'alert_channel.delete' | 'alert_channel.test', channel: { id: string; name: string }) =>
  recordAudit(deps.db, { at: deps.clock(), actor: requestActor(request), action, target: { kind: 'alert_channel', id: channel.id, name: channel.name } });

export function alertRoutes(app: FastifyInstance, deps: AppDeps): void {
  const sender = alertSender(deps);

  app.get('/api/alerts/channels', async (): Promise<AlertChannelList> => {
    const channels = await listChannels(deps.db);
    const last = await lastDeliveryByChannel(deps.db, channels.map((channel) => channel.id));
    return {
      channels: await Promise.all(channels.map((channel) => toInfo(deps, channel, last.get(channel.id)))),
      maxPerChannelPerHour: deps.config.alerts.maxPerChannelPerHour,
      noWebhookForMinutes: Math.round(deps.config.alerts.noWebhookFor / 60_000),
      linksInAlerts: deps.config.server.publicUrl !== '',
    };
  });

  app.get<{ Querystring: { channelId?: string } }>('/api/alerts/deliveries', async (request): Promise<AlertDeliveryList> => {
    const channelId = typeof request.query.channelId === 'string' && request.query.channelId !== '' ? request.query.channelId : undefined;
    const views = await recentDeliveries(deps.db, { limit: 50, ...(channelId ? { channelId } : {}) });
    return { deliveries: views.map(toDeliveryInfo) };
  });

  app.post('/api/alerts/channels', async (request, reply): Promise<AlertChannelInfo> => {
    const body = parseBody(CreateAlertChannelBody, request.body);
    await refuseTakenName(deps, body.name);
    const channel = await createChannel(deps.db, deps.vault, body, { managedByConfig: false, now: deps.clock() });
    await audit(deps, request, 'alert_channel.create', channel);
    request.log.info({ channelId: channel.id, channel: channel.name, type: channel.type }, 'alert channel created');
    reply.code(201);
    return toInfo(deps, channel, undefined);
  });

  app.put<{ Params: { id: string } }>('/api/alerts/channels/:id', async (request): Promise<AlertChannelInfo> => {
    const channel = await editableChannel(deps, request.params.id);
    const body = parseBody(UpdateAlertChannelBody, request.body);
    await refuseTakenName(deps, body.name, channel.id);
    const given = body.type === 'webhook' ? body.secret : body.type === 'slack' ? body.url : body.smtp.password;
    // Changing the type needs the new type's secret: the old one means something else.
    if (given === undefined && body.type !== channel.type && body.type !== 'email') {
      const path = body.type === 'webhook' ? 'secret' : 'url';
      throw new HttpError(400, 'invalid_request', `The request body is invalid: ${path}: is required when a channel becomes a ${body.type} channel.`, { details: [{ path, message: 'is required' }] });
    }
    const { settings } = channelParts(
      body.type === 'webhook' ? { ...body, secret: body.secret ?? '' } : body.type === 'slack' ? { ...body, url: body.url ?? '' } : { ...body, smtp: { ...body.smtp, password: body.smtp.password ?? '' } },
    );
    const secret = given === undefined && body.type !== channel.type ? '' : given;
    const now = deps.clock();
    if (await updateChannel(deps.db, deps.vault, channel.id, { name: body.name, settings, secret, managedByConfig: false }, now)) {
      await audit(deps, request, 'alert_channel.update', { id: channel.id, name: body.name });
      request.log.info({ channelId: channel.id, channel: body.name }, 'alert channel updated');
    }
    const updated = await getChannel(deps.db, channel.id);
    if (!updated) throw notFound('An alert channel with that id');
    return toInfo(deps, updated, (await lastDeliveryByChannel(deps.db, [channel.id])).get(channel.id));
  });

  app.delete<{ Params: { id: string } }>('/api/alerts/channels/:id', async (request, reply) => {
    const channel = await editableChannel(deps, request.params.id);
    await deleteChannel(deps.db, channel.id);
    await audit(deps, request, 'alert_channel.delete', channel);
    request.log.info({ channelId: channel.id, channel: channel.name }, 'alert channel deleted');
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/alerts/channels/:id/test', async (request): Promise<AlertTestResult> => {
    const channel = await getChannel(deps.db, request.params.id);
    if (!channel) throw notFound('An alert channel with that id');
    await audit(deps, request, 'alert_channel.test', channel);
    const result = await sendTestAlert({ db: deps.db, vault: deps.vault, sender, clock: deps.clock }, channel, requestActor(request).name);
    const [view] = await recentDeliveries(deps.db, { channelId: channel.id, limit: 1 });
    return { delivered: result.delivered, error: result.error, delivery: view && view.id === result.deliveryId ? toDeliveryInfo(view) : null };
  });
}
