// POST /intercom/canvas/initialize and /intercom/canvas/submit: the Inbox app's two URLs (Canvas
// Kit, issue #20; README "Intercom Inbox app"). Thin — hand the raw bytes to src/canvas/inbox-app.ts
// and answer what it says. Public like the webhook routes: Intercom's signature is the
// authentication. The body carries the conversation, so it is kept raw and never logged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createInboxCache } from '../../canvas/inbox-facts.ts';
import { initializeInbox, submitInbox, type InboxAnswer, type InboxAppDeps } from '../../canvas/inbox-app.ts';
import type { AppDeps } from '../app.ts';
import { HttpError } from '../errors.ts';

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function answer(result: InboxAnswer) {
  if (result.status === 200) return result.body;
  throw new HttpError(result.status, result.code, result.message);
}

export async function canvasRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'log' | 'db' | 'clients' | 'capture' | 'intake' | 'clock' | 'canvasDeadlineStretch'>): Promise<void> {
  const inbox: InboxAppDeps = { log: deps.log, db: deps.db, clients: deps.clients, capture: deps.capture, secrets: deps.intake.secrets, cache: createInboxCache(deps.clock), now: deps.clock, deadlineStretch: deps.canvasDeadlineStretch };
  await app.register(async (scope) => {
    // The signature is computed over the exact bytes received (src/canvas/canvas-signature.ts).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(['application/json', 'application/json; charset=utf-8'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.addContentTypeParser('*', (request, _payload, done) =>
      done(new HttpError(415, 'unsupported_media_type', `Canvas Kit requests are JSON; this one says ${request.headers['content-type'] ?? 'nothing'}.`), undefined),
    );
    scope.post('/intercom/canvas/initialize', { config: { public: true } }, async (request) =>
      answer(await initializeInbox(inbox, request.body as Buffer, header(request, 'x-body-signature'))),
    );
    scope.post('/intercom/canvas/submit', { config: { public: true } }, async (request) =>
      answer(await submitInbox(inbox, request.body as Buffer, header(request, 'x-body-signature'))),
    );
  });
}
