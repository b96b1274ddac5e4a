// Where callers reach this daemon, for the routes: the configured public URL, else the listening
// address — never the request's Host header (src/own-url.ts says why). Webhook URLs shown to users
// and HubSpot's v3 signature (which covers the URL it called) use it.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';
import { ownBaseUrl } from '../own-url.ts';

export function publicBaseUrl(config: Config, request: FastifyRequest): string {
  return ownBaseUrl(config, request.server.server);
}
