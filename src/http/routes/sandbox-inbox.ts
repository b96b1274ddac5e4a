// The sandbox's Inbox, for sandbox connections only (issue #20 item 5): pick a simulated conversation,
// open it in the simulated Inbox — which sends this daemon's canvas URL a signed initialize request,
// as Intercom would — and click the card's components (signed submit requests). Thin: the simulator
// (src/sandbox/intercom/inbox-app.ts) builds, signs, sends and checks; this only finds the
// connection's own Intercom app and the demo teammate. Conversation titles pass to the browser only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sameSecret } from '../../auth/constant-time.ts';
import { isSandboxConnection } from '../../connections/create-sandbox-connection.ts';
import { ensureDemoTeammate } from '../../connections/sandbox-demo.ts';
import { getConnection, type Connection } from '../../db/repos/connections.ts';
import { connectionOwner, getCredential } from '../../db/repos/credentials.ts';
import { listeningUrl } from '../../own-url.ts';
import { installSandboxInboxApp } from '../../sandbox-mount/inbox-app.ts';
import type { MountedSandbox } from '../../sandbox-mount/mounted-sandbox.ts';
import type { InboxAnswer } from '../../sandbox/intercom/inbox-app.ts';
import { sandboxWebhookSecretKind } from '../../webhooks/signing-secrets.ts';
import type { AppDeps } from '../app.ts';
import { SandboxInboxClickBody, SandboxInboxOpenBody, type SandboxInboxAnswer, type SandboxInboxList } from '../api/sandbox-inbox.ts';
import { HttpError, notFound, parseBody } from '../errors.ts';

type ById = { Params: { id: string } };

const LISTED = 50;
const TITLE_CHARS = 80;

interface InboxContext {
  sandbox: MountedSandbox;
  workspaceId: string;
  appId: string;
  teammate: { id: string; name: string };
}

async function inboxContext(deps: Pick<AppDeps, 'db' | 'vault'>, request: FastifyRequest<ById>): Promise<InboxContext> {
  const row: Connection | undefined = await getConnection(deps.db, request.params.id);
  if (!row) throw notFound('A connection with that id');
  if (!isSandboxConnection(row)) throw new HttpError(409, 'not_sandbox', 'Only a sandbox connection ("Try the sandbox") has a simulated Inbox to open.');
  const sandbox = request.server.sandbox;
  if (!sandbox) throw new HttpError(409, 'sandbox_off', 'The built-in sandbox is off (sandbox.enabled in the configuration file).');
  await sandbox.load();
  const workspaceId = row.intercomWorkspaceId ?? sandbox.intercom.defaults?.workspaceId ?? '';
  // The connection's own Intercom app is the one whose client secret its webhooks are verified with.
  const secret = (await getCredential(deps.db, deps.vault, connectionOwner(row.id), sandboxWebhookSecretKind('intercom')))?.value;
  const app = secret === undefined ? undefined : [...sandbox.intercom.state.apps.values()].find((entry) => sameSecret(entry.clientSecret, secret));
  if (!app) throw new HttpError(409, 'sandbox_not_wired', 'This sandbox connection has no Intercom app in the simulator yet; restart Interhubz to wire it again.');
  // Installed when the connection was made or wired at start; this covers a daemon that had neither.
  // The URLs come from the address this daemon listens on, never from the request.
  if (!sandbox.intercom.control.inboxApps().some((installed) => installed.key === app.id)) {
    installSandboxInboxApp(sandbox, { appId: app.id, workspaceId, listeningBase: listeningUrl(request.server.server) });
  }
  const hubId = row.hubspotPortalId ?? sandbox.hubspot.control.defaultHubId();
  const teammateId = ensureDemoTeammate(sandbox, workspaceId, hubId);
  const teammate = sandbox.intercom.state.admins.get(teammateId);
  return { sandbox, workspaceId, appId: app.id, teammate: { id: teammateId, name: teammate?.name ?? teammateId } };
}

/** The simulator refuses what the Inbox would not send (a click on a link, before opening) with a ControlError. */
async function asHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (error instanceof Error && error.name === 'ControlError' && typeof status === 'number' && status < 500) throw new HttpError(status, 'inbox_refused', error.message);
    throw error;
  }
}

const plainText = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim();

function answer(context: InboxContext, conversationId: string, inbox: InboxAnswer): SandboxInboxAnswer {
  return { conversationId, teammate: context.teammate, status: inbox.status, canvas: inbox.canvas, problems: inbox.problems };
}

export function sandboxInboxRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'vault'>): void {
  app.get<ById>('/api/connections/:id/sandbox/inbox', async (request, reply): Promise<SandboxInboxList> => {
    const context = await inboxContext(deps, request);
    const { state } = context.sandbox.intercom;
    const conversations = [...state.conversations.values()]
      .filter((c) => c.workspaceId === context.workspaceId && c.contactIds.length > 0)
      .sort((a, b) => b.updatedAt - a.updatedAt || Number(b.id) - Number(a.id))
      .slice(0, LISTED)
      .map((c) => {
        const contact = state.contacts.get(c.contactIds[0] ?? '');
        const title = c.title || c.source.subject || plainText(c.source.body);
        return {
          id: c.id,
          title: title.length > TITLE_CHARS ? `${title.slice(0, TITLE_CHARS - 1)}…` : title || `Conversation ${c.id}`,
          customer: contact?.name ?? contact?.email ?? 'Unknown customer',
          state: c.state,
          updatedAt: new Date(c.updatedAt * 1000).toISOString(),
        };
      });
    reply.header('cache-control', 'no-store');
    return { conversations, teammate: context.teammate };
  });

  app.post<ById>('/api/connections/:id/sandbox/inbox/open', async (request): Promise<SandboxInboxAnswer> => {
    const body = parseBody(SandboxInboxOpenBody, request.body);
    const context = await inboxContext(deps, request);
    const inbox = await asHttp(() => context.sandbox.intercom.control.openInbox({ conversationId: body.conversationId, adminId: context.teammate.id, appId: context.appId }));
    return answer(context, body.conversationId, inbox);
  });

  app.post<ById>('/api/connections/:id/sandbox/inbox/click', async (request): Promise<SandboxInboxAnswer> => {
    const body = parseBody(SandboxInboxClickBody, request.body);
    const context = await inboxContext(deps, request);
    const inbox = await asHttp(() =>
      context.sandbox.intercom.control.clickInbox({ conversationId: body.conversationId, adminId: context.teammate.id, appId: context.appId, componentId: body.componentId, inputValues: body.inputValues }),
    );
    return answer(context, body.conversationId, inbox);
  });
}
