// The OAuth flows' two ends. Start (under /api, so it needs the signed-in admin): a pending
// authorisation bound to this session and connection, then the vendor's consent page. Callback
// (outside /api: the vendor sends the browser here): the state is checked against that binding
// and used up, the code exchanged, the account identified, and the browser returned to the
// connection page; anything else ends on a page that says what happened.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findLiveSession } from '../../db/repos/admin-sessions.ts';
import { getConnection } from '../../db/repos/connections.ts';
import { completeAuthorization } from '../../oauth/complete-authorization.ts';
import type { OAuthClient } from '../../oauth/oauth-client.ts';
import type { PendingAuthorizations, TakeResult } from '../../oauth/pending-authorizations.ts';
import { isOAuthProvider, PROVIDERS } from '../../oauth/providers.ts';
import { requiredScopes } from '../../integrations/hubspot/scopes.ts';
import { renderResultPage, type ResultPage } from '../../oauth/result-page.ts';
import { yamlTokenKey } from '../../connections/seed-from-config.ts';
import type { OAuthProvider } from '../api-types.ts';
import type { AppDeps } from '../app.ts';
import { personActor, requireAdminRole, SESSION_COOKIE } from '../authenticate.ts';
import { recordConnectionChange } from '../../audit/record-audit.ts';
import { HttpError, notFound } from '../errors.ts';

export interface OAuthDeps {
  client: OAuthClient;
  pending: PendingAuthorizations;
}

type StartRoute = { Params: { id: string; provider: string } };

export const oauthStartPath = (connectionId: string, provider: OAuthProvider) => `/api/connections/${connectionId}/oauth/${provider}/start`;

function providerOf(value: string): OAuthProvider {
  if (!isOAuthProvider(value)) throw new HttpError(404, 'not_found', `There is no OAuth provider '${value}': use intercom or hubspot.`);
  return value;
}

export function oauthStartRoute(api: FastifyInstance, deps: AppDeps, oauth: OAuthDeps): void {
  api.get<StartRoute>('/api/connections/:id/oauth/:provider/start', async (request, reply) => {
    const provider = providerOf(request.params.provider);
    const caller = request.caller;
    // The flow is bound to a browser session; an API token has none to come back to.
    if (caller?.kind !== 'session') throw new HttpError(403, 'session_required', 'OAuth runs in a browser: sign in to the admin UI and start it from the connection page.');
    requireAdminRole(request);
    const connection = await getConnection(deps.db, request.params.id);
    if (!connection) throw notFound('A connection with that id');
    const yamlKey = yamlTokenKey(deps.config, connection, provider);
    if (yamlKey) throw new HttpError(409, 'managed_by_config', `'${connection.name}' gets its ${PROVIDERS[provider].vendor} token from the configuration file (${yamlKey}); change it there.`);
    const app = oauth.client.forConnection(connection, provider);
    if (!app) {
      throw new HttpError(409, 'oauth_not_configured', `No ${PROVIDERS[provider].vendor} OAuth app is configured: set apps.${provider}.clientId and apps.${provider}.clientSecret in the configuration file, or connect with a token.`);
    }
    const state = await oauth.pending.begin({ provider, connectionId: connection.id, sessionToken: caller.sessionToken, app: app.key });
    // HubSpot: the product's scopes and those this connection's record sync needs (#17 items 3, 5).
    const scope = provider === 'hubspot' ? requiredScopes(connection.settings.recordSync) : undefined;
    const consentPage = await oauth.client.startUrl(app, state, { request, reply }, scope ? { scope } : {});
    request.log.info({ connectionId: connection.id, provider, sandbox: app.sandbox }, 'OAuth authorisation started');
    return reply.redirect(consentPage, 302);
  });
}

const CallbackQuery = z.looseObject({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

const STATE_PROBLEM: Record<Exclude<TakeResult, { ok: true }>['reason'] | 'missing', string> = {
  missing: 'The answer from the vendor carries no state, so it cannot be matched to an authorisation started here.',
  unknown_state: 'This answer does not match an authorisation started here: it was already used, or it was not started from this admin UI.',
  expired: 'This authorisation was started more than 10 minutes ago and has expired.',
  other_session: 'This authorisation was started in another admin session (or you signed out meanwhile).',
  other_provider: 'This answer was meant for the other vendor’s authorisation.',
};

export function oauthCallbackRoutes(app: FastifyInstance, deps: AppDeps, oauth: OAuthDeps): void {
  const page = (reply: FastifyReply, status: number, content: ResultPage) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderResultPage(content));

  app.get<{ Params: { provider: string } }>('/oauth/:provider/callback', async (request: FastifyRequest<{ Params: { provider: string } }>, reply) => {
    const provider = providerOf(request.params.provider);
    const vendor = PROVIDERS[provider].vendor;
    const query = CallbackQuery.parse(request.query);
    const title = `${vendor} was not connected`;
    const home = { href: '/connections', label: 'Back to connections' };

    // A live admin session must come back with the answer: the one that started the flow.
    const cookie = request.cookies[SESSION_COOKIE];
    const session = cookie ? await findLiveSession(deps.db, cookie, deps.clock()) : undefined;
    const taken = query.state ? await oauth.pending.take(query.state, { provider, sessionToken: session ? cookie : undefined }) : null;
    if (!taken || !taken.ok) {
      const reason = taken ? taken.reason : 'missing';
      request.log.warn({ provider, reason }, 'OAuth callback refused: state mismatch');
      return page(reply, 400, { title, message: `${STATE_PROBLEM[reason]} Nothing was changed. Start again from the connection page.`, back: home });
    }
    const pending = taken.pending;
    const back = { href: `/connections/${encodeURIComponent(pending.connectionId)}`, label: 'Back to the connection' };

    if (query.error !== undefined) {
      request.log.info({ connectionId: pending.connectionId, provider, error: query.error }, 'OAuth consent not given');
      const denied = query.error === 'access_denied';
      return page(reply, denied ? 403 : 400, {
        title,
        message: denied
          ? `Access was declined on ${vendor}'s consent page, so nothing was connected and nothing was changed.`
          : `${vendor} ended the authorisation with an error, so nothing was connected and nothing was changed.`,
        detail: [query.error, query.error_description].filter(Boolean).join(': '),
        back,
      });
    }
    if (!query.code) return page(reply, 400, { title, message: `${vendor} sent the browser back without an authorisation code. Nothing was changed.`, back });

    const row = await getConnection(deps.db, pending.connectionId);
    if (!row) return page(reply, 404, { title, message: 'The connection was deleted while the consent page was open.', back: home });
    const appEntry = oauth.client.byKey(pending.app);
    if (!appEntry) return page(reply, 409, { title, message: `The ${vendor} OAuth app this authorisation started with is no longer configured.`, back });

    const exchanged = await oauth.client.exchangeCode(appEntry, { request, reply });
    if (!exchanged.ok) {
      request.log.warn({ connectionId: row.id, provider, status: exchanged.status }, 'OAuth code exchange failed');
      // No answer at all is not a refusal of the code: said as such, without the client library's error string.
      if (exchanged.unreachable) return page(reply, 502, { title, message: `${exchanged.unreachable} Nothing was changed; try again.`, back });
      return page(reply, 502, { title, message: `${vendor} did not accept the authorisation code. Nothing was changed; try again.`, detail: exchanged.detail, back });
    }

    const completed = await completeAuthorization(deps, { row, provider, app: appEntry, token: exchanged.token });
    if (!completed.ok) return page(reply, completed.status, { title, message: `${completed.message} Nothing was changed.`, back });
    request.log.info({ connectionId: row.id, provider, changedAccount: completed.changed }, 'connected through OAuth');
    if (session) await recordConnectionChange(deps.db, deps.clock(), await personActor(deps.db, session.username), 'connection.connect', row);
    return reply.redirect(`/connections/${encodeURIComponent(row.id)}?oauth=${provider}${completed.changed ? '&changed=1' : ''}`, 302);
  });
}
