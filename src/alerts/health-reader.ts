// Where the alerts read each connection's health: src/health/connection-health.ts (#16 item 1).
// Until that module lands, a connection's stored status is all that is known: needs_reauth is
// unhealthy, paused is paused, everything else ok.
import { listConnections } from '../db/repos/connections.ts';
import type { HealthReader } from './alert-tick.ts';
import type { HealthNow } from './incident-decisions.ts';

export const connectionHealthReader: HealthReader = async (db) => {
  const health = new Map<string, HealthNow>();
  for (const connection of await listConnections(db)) {
    if (connection.status === 'needs_reauth') health.set(connection.id, { state: 'needs_reauth', reason: 'Waiting for re-authorisation', incident: 'reauth', link: `/connections/${connection.id}` });
    else health.set(connection.id, { state: connection.status === 'paused' ? 'paused' : 'ok', reason: null, incident: null, link: null });
  }
  return health;
};
