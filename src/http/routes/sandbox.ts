// The built-in sandbox: the Intercom and HubSpot simulators mounted in the daemon, so a new user can
// try the product with no accounts. Their APIs answer with the simulators' own tokens, as the real
// ones would; their control APIs (/_sim: acting as a customer, injecting faults) need the admin login.
import type { FastifyInstance } from 'fastify';
import { createHubSpotSimulator } from '../../sandbox/hubspot/index.ts';
import { createIntercomSimulator } from '../../sandbox/intercom/index.ts';
import type { AppDeps } from '../app.ts';
import { requireCaller } from '../authenticate.ts';

export const SANDBOX_PREFIX = { intercom: '/sandbox/intercom', hubspot: '/sandbox/hubspot' } as const;

export interface MountedSandbox {
  intercom: ReturnType<typeof createIntercomSimulator>;
  hubspot: ReturnType<typeof createHubSpotSimulator>;
}

export async function sandboxRoutes(app: FastifyInstance, deps: AppDeps): Promise<MountedSandbox> {
  const intercom = createIntercomSimulator();
  const hubspot = createHubSpotSimulator();
  const guard = requireCaller(deps);
  for (const [prefix, plugin] of [
    [SANDBOX_PREFIX.intercom, intercom.plugin],
    [SANDBOX_PREFIX.hubspot, hubspot.plugin],
  ] as const) {
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.url.startsWith(`${prefix}/_sim`)) await guard(request, reply);
      });
      await scope.register(plugin);
    }, { prefix });
  }
  app.addHook('onClose', async () => intercom.close());
  return { intercom, hubspot };
}
