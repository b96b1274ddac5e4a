// Intercom's OAuth (D-oauth): the authorize page at app.intercom.com/oauth?client_id&state[&redirect_uri]
// (no scope, no response_type), a redirect back with ?code&state, and the exchange at
// POST /auth/eagle/token with code, client_id, client_secret as a form or JSON. The token never
// expires and there is no refresh token (C-oauth).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IntercomError } from '../errors.ts';
import type { SimCore } from '../core.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const AuthorizeQuery = z.object({
  client_id: z.string().optional(),
  state: z.string().optional(),
  redirect_uri: z.string().optional(),
});

const Decision = z.object({
  client_id: z.string(),
  state: z.string().default(''),
  redirect_uri: z.string(),
  workspace_id: z.string(),
  decision: z.enum(['approve', 'deny']),
});

const TokenRequest = z.object({
  code: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

// What the token endpoint says for a bad code, client or secret (D-oauth: "Unauthorized Code").
const unauthorizedCode = () => new IntercomError(401, 'unauthorized', 'Unauthorized Code');

export function registerOAuthRoutes(app: FastifyInstance, core: SimCore): void {
  const { state } = core;

  const resolveRedirect = (clientId: string | undefined, redirectUri: string | undefined) => {
    const simApp = [...state.apps.values()].find((a) => a.clientId === clientId);
    if (!simApp) return { error: 'Unknown client_id' } as const;
    // The first registered redirect URL is the default; any other must be registered (D-oauth), so
    // an app with none registered sends a browser nowhere (a code must not go to any URL a link names).
    const target = redirectUri ?? simApp.redirectUris[0];
    if (!target) return { error: 'No redirect_uri registered for this app' } as const;
    if (!simApp.redirectUris.includes(target)) return { error: 'redirect_uri is not registered for this app' } as const;
    return { app: simApp, redirectUri: target } as const;
  };

  app.get('/oauth', async (request, reply) => {
    const query = AuthorizeQuery.parse(request.query);
    const resolved = resolveRedirect(query.client_id, query.redirect_uri);
    if ('error' in resolved) return reply.code(400).type('text/html; charset=utf-8').send(`<!doctype html><title>Error</title><p>${escapeHtml(resolved.error ?? '')}</p>`);
    const workspaces = [...state.workspaces.values()];
    const options = workspaces
      .map((w, i) => `<label><input type="radio" name="workspace_id" value="${escapeHtml(w.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(w.name)} (${escapeHtml(w.id)}, ${w.region})</label><br>`)
      .join('\n');
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
    const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Connect ${escapeHtml(resolved.app.name)} to Intercom</title></head>
<body>
<h1>${escapeHtml(resolved.app.name)} would like to access your Intercom workspace</h1>
<form method="post" action="oauth/decision">
${hidden('client_id', resolved.app.clientId)}${hidden('state', query.state ?? '')}${hidden('redirect_uri', resolved.redirectUri)}
<fieldset><legend>Workspace</legend>
${options}
</fieldset>
<button type="submit" name="decision" value="approve" id="approve">Authorize access</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form>
</body></html>`;
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.post('/oauth/decision', async (request, reply) => {
    const body = Decision.safeParse(request.body);
    if (!body.success) return reply.code(400).type('text/html; charset=utf-8').send('<!doctype html><p>Invalid authorization form</p>');
    const resolved = resolveRedirect(body.data.client_id, body.data.redirect_uri);
    if ('error' in resolved || !state.workspaces.has(body.data.workspace_id)) {
      return reply.code(400).type('text/html; charset=utf-8').send('<!doctype html><p>Invalid authorization request</p>');
    }
    const target = new URL(resolved.redirectUri);
    if (body.data.decision === 'deny') {
      // Intercom's deny redirect is undocumented; the RFC 6749 §4.1.2.1 form is the safe assumption (UNCONFIRMED).
      target.searchParams.set('error', 'access_denied');
    } else {
      // Codes may end with "=" and must come back verbatim (D-oauth).
      const code = Buffer.from(`code:${randomBytes(18).toString('hex')}`).toString('base64');
      state.codes.set(code, { code, appId: resolved.app.id, workspaceId: body.data.workspace_id, used: false });
      target.searchParams.set('code', code);
    }
    if (body.data.state) target.searchParams.set('state', body.data.state);
    return reply.redirect(target.toString(), 302);
  });

  app.post('/auth/eagle/token', async (request) => {
    const parsed = TokenRequest.safeParse(request.body ?? {});
    const body = parsed.success ? parsed.data : {};
    if (!body.code || !body.client_id || !body.client_secret) throw unauthorizedCode();
    const record = state.codes.get(body.code);
    const simApp = record ? state.apps.get(record.appId) : undefined;
    if (!record || record.used || !simApp || simApp.clientId !== body.client_id || simApp.clientSecret !== body.client_secret) throw unauthorizedCode();
    record.used = true;
    const token = core.make.createToken(record.workspaceId, simApp.id, 'oauth');
    return { token_type: 'Bearer', token: token.token, access_token: token.token };
  });
}
