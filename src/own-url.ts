// Where this daemon is reached, decided by the daemon alone: the configured public URL, else the
// address it listens on. Never the request's Host or X-Forwarded-* headers: anyone can write those,
// and whatever is built from this (OAuth redirect URIs, webhook URLs, the sandbox's upstream URLs
// and webhook targets) must not be pointed elsewhere by a caller (DESIGN.md §2, invariant 8).
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.ts';

export interface Listening {
  address(): AddressInfo | string | null;
}

/** http://host:port of the listening socket; a wildcard address is reached on the loopback. */
export function listeningUrl(server: Listening): string {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the daemon is not listening on a TCP port');
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** server.publicUrl when set (no trailing slash), else the listening address. */
export function ownBaseUrl(config: Pick<Config, 'server'>, server: Listening): string {
  return config.server.publicUrl.replace(/\/$/, '') || listeningUrl(server);
}
