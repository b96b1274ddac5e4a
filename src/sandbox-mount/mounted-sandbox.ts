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

export interface MountedSandbox {
  intercom: IntercomSimulator;
  hubspot: HubSpotSimulator;
  /** The simulators' OAuth apps (the daemon's own, the only ones their consent pages serve). */
  apps: Record<SandboxVendor, SandboxApp>;
}

/** A connection wired to the built-in simulators ("Try the sandbox"). */
export const isSandboxConnection = (connection: Pick<Connection, 'intercomBaseUrl'>) => connection.intercomBaseUrl?.endsWith(SANDBOX_PREFIX.intercom) ?? false;
