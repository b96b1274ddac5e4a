// What the daemon knows of its built-in sandbox: where the simulators are mounted, the mounted
// simulators themselves and the OAuth apps made for this install. Types and constants only (the
// simulators are imported as types, erased at run time), so src/connections, src/oauth and the
// routes can name them without loading a simulator.
import type { Connection } from '../db/repos/connections.ts';
import type { HubSpotSimulator } from '../sandbox/hubspot/index.ts';
import type { IntercomSimulator } from '../sandbox/intercom/index.ts';

export const SANDBOX_PREFIX = { intercom: '/sandbox/intercom', hubspot: '/sandbox/hubspot' } as const;

export type SandboxVendor = keyof typeof SANDBOX_PREFIX;

/** An OAuth app of a simulator, with credentials drawn at random when the sandbox is mounted. */
export interface SandboxApp {
  clientId: string;
  clientSecret: string;
}

/**
 * The simulators load on first use (mount-sandbox.ts), so an idle daemon with the sandbox on holds
 * none of their code or state: `intercom` and `hubspot` may be read once `load()` has resolved.
 */
export interface MountedSandbox {
  /** The Intercom simulator; reading it before `load()` has resolved throws. */
  readonly intercom: IntercomSimulator;
  /** The HubSpot simulator; reading it before `load()` has resolved throws. */
  readonly hubspot: HubSpotSimulator;
  /** The simulators' OAuth apps (the daemon's own, the only ones their consent pages serve). */
  apps: Record<SandboxVendor, SandboxApp>;
  /** Loads both simulators, once (callers at the same time share the one load). */
  load(): Promise<void>;
  /** Whether the simulators are loaded yet. */
  readonly loaded: boolean;
  /** Runs `listener` once the simulators are loaded: at once when they are. */
  whenLoaded(listener: () => void): void;
  /** Stops the simulators' timers, when they were loaded. */
  close(): void;
}

/** A connection wired to the built-in simulators ("Try the sandbox"). */
export const isSandboxConnection = (connection: Pick<Connection, 'intercomBaseUrl'>) => connection.intercomBaseUrl?.endsWith(SANDBOX_PREFIX.intercom) ?? false;
