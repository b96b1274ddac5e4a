// Where callers reach this daemon: the configured public URL, else what the request itself says.
// Webhook URLs shown to users and HubSpot's v3 signature (which covers the URL it called) use it.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';

export function publicBaseUrl(config: Config, request: FastifyRequest): string {
  return config.server.publicUrl.replace(/\/$/, '') || `${request.protocol}://${request.host}`;
}
