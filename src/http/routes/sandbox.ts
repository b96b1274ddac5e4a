// The built-in sandbox in the HTTP app: src/sandbox-mount decides whether it is on and mounts the
// simulators; this lends it the app's own ways of telling callers apart (an admin for the control
// APIs, a signed-in session for the consent pages).
import type { FastifyInstance } from 'fastify';
import { findLiveSession } from '../../db/repos/admin-sessions.ts';
import { mountSandbox } from '../../sandbox-mount/mount-sandbox.ts';
import type { MountedSandbox } from '../../sandbox-mount/mounted-sandbox.ts';
import type { AppDeps } from '../app.ts';
import { requireAdminCaller, SESSION_COOKIE } from '../authenticate.ts';
import { handleError } from '../errors.ts';

export async function sandboxRoutes(app: FastifyInstance, deps: AppDeps, sandbox: MountedSandbox): Promise<void> {
  await mountSandbox(app, sandbox, {
    config: deps.config,
    errorHandler: handleError,
    guards: {
      // A session or an admin-scope token: a push or read token must not drive the simulators.
      requireAdmin: requireAdminCaller(deps),
      hasSession: async (request) => {
        const token = request.cookies[SESSION_COOKIE];
        return token !== undefined && (await findLiveSession(deps.db, token, deps.clock())) !== undefined;
      },
    },
  });
}
