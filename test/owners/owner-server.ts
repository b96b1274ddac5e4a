// A test daemon with the owner refresh task registered, as daemon.ts will: the task needs the
// daemon's own database and connection clients, which exist only once it has started, so it
// reaches them lazily (a task reads its deps when it runs, never at registration).
import type { Kysely } from 'kysely';
import type { ConnectionClients } from '../../src/connections/clients.ts';
import type { Daemon } from '../../src/daemon.ts';
import type { Database } from '../../src/db/schema.ts';
import { ownerTasks } from '../../src/owners/refresh-task.ts';
import { startTestServer, type Teardownable, type TestServer, type TestServerOptions } from '../helpers/server.ts';

export async function startOwnerServer(t: Teardownable, options: TestServerOptions = {}): Promise<TestServer> {
  let daemon: Daemon | undefined;
  const live = (): Daemon => {
    if (!daemon) throw new Error('the daemon has not started yet');
    return daemon;
  };
  const clients: ConnectionClients = {
    intercom: (row) => live().clients.intercom(row),
    hubspot: (row) => live().clients.hubspot(row),
    useOAuthApps: () => undefined,
  };
  const deps = {
    get db(): Kysely<Database> {
      return live().db.kysely;
    },
    clients,
    clock: options.clock ?? Date.now,
  };
  const server = await startTestServer(t, { ...options, tasks: [...(options.tasks ?? []), ...ownerTasks(deps)] });
  daemon = server.daemon;
  return server;
}
