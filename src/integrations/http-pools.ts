// One undici connection pool per upstream origin (api.hubapi.com, api.intercom.io, …), shared by
// every connection's client: keep-alive sockets are reused across calls, and the number of
// sockets per vendor is bounded.
import { Pool, type Dispatcher } from 'undici';

export interface HttpPoolOptions {
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsPerOrigin: number;
}

export interface HttpPools {
  dispatcherFor(origin: string): Dispatcher;
  close(): Promise<void>;
}

export function createHttpPools(options: HttpPoolOptions): HttpPools {
  const pools = new Map<string, Pool>();
  return {
    dispatcherFor(origin) {
      let pool = pools.get(origin);
      if (!pool) {
        pool = new Pool(origin, {
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
