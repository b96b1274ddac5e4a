// One undici connection pool per upstream origin (api.hubapi.com, api.intercom.io, …), shared by
// every connection's client: keep-alive sockets are reused across calls, and the number of
// sockets per vendor is bounded.
import type { Dispatcher, Pool } from 'undici';
import { loadUndici } from './undici.ts';
import type { UpstreamService } from './upstream-error.ts';

/**
 * Told of every try the upstream client sends through the pools (metrics): the vendor, the call's
 * method and path (which may hold ids: the observer reduces it, see route-family.ts) and the status
 * answered, or null when no answer came (timeout, connection refused or reset).
 */
export type UpstreamCallObserver = (service: UpstreamService, call: { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string }, status: number | null) => void;

export interface HttpPoolOptions {
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsPerOrigin: number;
  observe?: UpstreamCallObserver;
}

export interface HttpPools {
  dispatcherFor(origin: string): Dispatcher;
  /** The process's one transport is where every vendor call passes, so it carries the call observer. */
  observe: UpstreamCallObserver;
  close(): Promise<void>;
}

const ignore: UpstreamCallObserver = () => undefined;

export function createHttpPools(options: HttpPoolOptions): HttpPools {
  const pools = new Map<string, Pool>();
  return {
    observe: options.observe ?? ignore,
    dispatcherFor(origin) {
      let pool = pools.get(origin);
      if (!pool) {
        pool = new (loadUndici().Pool)(origin, {
          connections: options.connectionsPerOrigin,
          connect: { timeout: options.connectTimeoutMs },
          keepAliveTimeout: options.keepAliveTimeoutMs,
        });
        pools.set(origin, pool);
      }
      return pool;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}
