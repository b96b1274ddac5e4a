// Both simulators, a connection to them and its real clients (src/connections/clients.ts), for the
// tests of the modules that read and create fields in the accounts.
import { join } from 'node:path';
import { createConnectionClients, type ConnectionClients } from '../../src/connections/clients.ts';
import { connectionOwner, putCredential } from '../../src/db/repos/credentials.ts';
import type { Connection } from '../../src/db/repos/connections.ts';
import { STATIC_TOKEN_KIND } from '../../src/integrations/hubspot/auth.ts';
import { createUpstreamContext } from '../../src/integrations/upstream-context.ts';
import { createLogger } from '../../src/log.ts';
import { ALL_SCOPES } from '../../src/sandbox/hubspot/auth.ts';
import { keyIdOf } from '../../src/vault/secret-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { insertSimConnection, startCaptureSims, TEST_SECRET_KEY, type CaptureSims } from '../helpers/capture-sims.ts';
import { makeTestDb } from '../helpers/db.ts';
import { testConfig } from '../helpers/config.ts';
import type { Teardownable } from '../helpers/server.ts';

export interface FieldSims {
  sims: CaptureSims;
  row: Connection;
  clients: ConnectionClients;
  /** Calls each simulator answered since the start, as "METHOD path". */
  calls(): { hubspot: string[]; intercom: string[] };
}

/** `hubspotScopes`: what the connection's token is granted (all the simulator knows by default). */
export async function startFieldSims(t: Teardownable, options: { hubspotScopes?: readonly string[] } = {}): Promise<FieldSims> {
  const sims = await startCaptureSims();
  t.teardown(() => sims.close());
  const db = makeTestDb(t);
  const row = await insertSimConnection(db, sims);
  const key = Buffer.from(TEST_SECRET_KEY, 'base64');
  const vault = createVault({ key, id: keyIdOf(key) });
  if (options.hubspotScopes) {
    const token = sims.hubspot.sim.control.createStaticToken({ hubId: sims.hubId, scopes: [...options.hubspotScopes] });
    await putCredential(db.kysely, vault, { owner: connectionOwner(row.id), kind: STATIC_TOKEN_KIND, value: token, now: Date.now() });
  }
  const config = testConfig(join(process.cwd(), 'unused-data-dir'));
  const upstream = createUpstreamContext({ ...config.upstream, maxAttemptsPerCall: 1 });
  t.teardown(() => upstream.close());
  const clients = createConnectionClients({ db: db.kysely, vault, upstream, log: createLogger('silent'), oauth: { forConnection: () => null } });
  const calls = () => ({
    hubspot: sims.hubspot.sim.control.requests().entries.map((entry) => `${entry.method} ${entry.path}`),
    intercom: sims.intercom.sim.control.requests.entries().map((entry) => `${entry.method} ${entry.path}`),
  });
  return { sims, row, clients, calls };
}

/** Every scope the simulator knows but these. */
export const scopesWithout = (...missing: string[]): string[] => ALL_SCOPES.filter((scope) => !missing.includes(scope));
