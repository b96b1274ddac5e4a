// Test configurations are literals run through the real schema, so every default is the real one.
import { ConfigSchema, type Config } from '../../src/config/schema.ts';

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends Array<infer U> ? Array<DeepPartial<U>> : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export function testConfig(dataDir: string, overrides: DeepPartial<Config> = {}): Config {
  // The schema fills in every default, so a partial literal becomes a whole Config.
  return ConfigSchema.parse({
    ...overrides,
    dataDir,
    logLevel: overrides.logLevel ?? 'silent',
    server: { host: '127.0.0.1', port: 0, ...overrides.server },
  });
}
