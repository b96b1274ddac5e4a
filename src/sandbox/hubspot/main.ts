// Standalone HubSpot simulator in its own process (benchmarks): `node src/sandbox/hubspot/main.ts
// [--port N] [--host H] [--no-limits]`. Prints one JSON line {"url": …} once it listens; drive it
// through the /_sim control API. SIGTERM/SIGINT close it.
import { parseArgs } from 'node:util';
import { startHubSpotSimulator } from './index.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, 'no-limits': { type: 'boolean', default: false } },
});
const unlimited = values['no-limits'] ? { burstLimitPer10s: Infinity, searchLimitPerSecond: Infinity, dailyLimit: Infinity } : {};
const server = await startHubSpotSimulator({ port: Number(values.port), host: values.host, ...unlimited });
process.stdout.write(`${JSON.stringify({ url: server.url, hubId: server.sim.control.defaultHubId() })}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
