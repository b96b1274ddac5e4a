// Which secrets may have signed a delivery: the OAuth app's from the config (any connection that
// installed it), and each connection's own app secret stored in the vault (token connections on
// their own Intercom or HubSpot app). Decrypted once and kept in memory; reloaded when a delivery
// matches none and this process has stored or removed a credential since (a sandbox connection made
// a moment ago), and otherwise at most once every few seconds (another replica's write), so a stream
// of forged deliveries cannot turn into a stream of vault reads.
// Sandbox connections' secrets (random per connection, src/connections/create-sandbox-connection.ts)
// are a kind of their own, accepted only while the built-in sandbox is on.
import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import { credentialWrites, listCredentialsOfKind } from '../db/repos/credentials.ts';
import type { Database } from '../db/schema.ts';
import type { Vault } from '../vault/vault.ts';
import type { Vendor } from '../vendor.ts';

export type Provider = Vendor;

export interface SigningSecret {
  clientSecret: string;
  /** The connection whose own app this is, or null for the configured OAuth app. */
  connectionId: string | null;
}

/** The vault credential kind holding a connection's own app secret. */
export const webhookSecretKind = (provider: Provider) => `${provider}.webhook_secret`;
/** The vault credential kind holding a sandbox connection's secret (the simulators sign with it). */
export const sandboxWebhookSecretKind = (provider: Provider) => `${provider}.sandbox_webhook_secret`;

export interface SigningSecrets {
  list(provider: Provider): Promise<SigningSecret[]>;
  reload(): void;
}

const RELOAD_AT_MOST_EVERY_MS = 5000;

export function createSigningSecrets(options: {
  db: Kysely<Database>;
  vault: Vault;
  apps: Config['apps'];
  /** Whether the built-in sandbox is on: only then do sandbox connections' secrets sign anything (off by default). */
  acceptSandbox?: boolean;
  clock?: () => number;
}): SigningSecrets {
  const clock = options.clock ?? Date.now;
  let cache: Map<Provider, SigningSecret[]> | undefined;
  let loadedAt = -Infinity;
  /** credentialWrites() when the cache's load began: a write after that may be missing from it. */
  let loadedAfterWrites = -1;
  async function load(): Promise<Map<Provider, SigningSecret[]>> {
    const loaded = new Map<Provider, SigningSecret[]>();
    for (const provider of ['intercom', 'hubspot'] as const) {
      const fromConfig = options.apps[provider].clientSecret ? [{ clientSecret: options.apps[provider].clientSecret, connectionId: null }] : [];
      const stored = [
        ...(await listCredentialsOfKind(options.db, options.vault, webhookSecretKind(provider))),
        ...(options.acceptSandbox ? await listCredentialsOfKind(options.db, options.vault, sandboxWebhookSecretKind(provider)) : []),
      ];
      loaded.set(provider, [
        ...fromConfig,
        ...stored.map((entry) => ({ clientSecret: entry.value, connectionId: entry.owner.replace(/^connection:/, '') })),
      ]);
    }
    return loaded;
  }
  return {
    async list(provider) {
      if (!cache) {
        const writes = credentialWrites();
        cache = await load();
        loadedAt = clock();
        loadedAfterWrites = writes;
      }
      return cache.get(provider) ?? [];
    },
    reload() {
      if (credentialWrites() !== loadedAfterWrites || clock() - loadedAt >= RELOAD_AT_MOST_EVERY_MS) cache = undefined;
    },
  };
}
