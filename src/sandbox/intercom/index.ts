// The Intercom API simulator: a stateful fake of Intercom's REST API 2.14, OAuth and webhooks
// (see ../shared/docs/intercom-api.md). Runs in-process for tests (port 0), standalone for
// benchmarks, or mounted inside the daemon as its built-in sandbox.
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { createSimClock, type SimClock } from '../shared/clock.ts';
import { createIdSource, type IdSource } from '../shared/ids.ts';
import type { GateSettings } from './auth.ts';
import { createControl, type IntercomControl, type Mount } from './control.ts';
import { createCore } from './core.ts';
import { buildControlPlugin, buildPlugin } from './plugin.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { AppInit, SimState, WorkspaceInit } from './state.ts';
import { createWebhooks, DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks.ts';

export { signBody } from './webhooks.ts';

export interface IntercomSimulatorOptions {
  clock?: SimClock;
  ids?: IdSource;
  /** Per app per workspace (D-rate: 10,000). Enforced in 10-second windows of a sixth of it. */
  rateLimitPerMinute?: number;
  /** All apps of a workspace together (D-rate: 25,000). */
  workspaceRateLimitPerMinute?: number;
  /** Seconds before a new contact or conversation shows up in search; Intercom says "a few minutes". */
  indexDelaySeconds?: number;
  strictAccept?: boolean;
  strictRegion?: boolean;
  webhooks?: Partial<WebhookSettings>;
  /** The app and workspace made at start; `false` starts empty. */
  seed?: false | { app?: AppInit; workspace?: WorkspaceInit };
  /** Contacts, companies and conversations a workspace may hold, each; past it a create is a 400 (50,000 by default). */
  maxRecordsPerType?: number;
  /** Entries the request log keeps (the latest; 10,000 by default). */
  requestLogCapacity?: number;
}

/** Generous for any demo or benchmark, yet a bound on what an anonymous caller could make it hold. */
const DEFAULT_MAX_RECORDS_PER_TYPE = 50_000;

export interface IntercomSimulator {
  /** The API and the control API under /_sim: both, for a standalone server or a test. */
  plugin: FastifyPluginAsync;
  /** The API alone (Intercom's routes, OAuth included). */
  apiPlugin: FastifyPluginAsync;
  /** The control API alone (routes under /_sim), to be registered beside `apiPlugin` at the same prefix, e.g. behind a guard of its own. */
  controlPlugin: FastifyPluginAsync;
  state: SimState;
  control: IntercomControl;
  /** The seeded app and workspace (absent with `seed: false`). */
  defaults: { appId: string; clientId: string; clientSecret: string; workspaceId: string; adminId: string } | null;
  /** Stops the webhook heartbeat. */
  close(): void;
}

export function createIntercomSimulator(options: IntercomSimulatorOptions = {}): IntercomSimulator {
  const clock = options.clock ?? createSimClock();
  const ids = options.ids ?? createIdSource();
  const core = createCore(clock, ids, options.indexDelaySeconds ?? 0, options.maxRecordsPerType ?? DEFAULT_MAX_RECORDS_PER_TYPE);
  const limiter = createRateLimiter(clock, {
    appPerMinute: options.rateLimitPerMinute ?? 10_000,
    workspacePerMinute: options.workspaceRateLimitPerMinute ?? 25_000,
  });
  const webhooks = createWebhooks(core, { ...DEFAULT_WEBHOOK_SETTINGS, ...options.webhooks });
  const mount: Mount = { prefix: '', faults: null, log: null, pendingFaults: [], pendingLatency: undefined };
  const control = createControl(core, webhooks, limiter, mount);
  const gate: GateSettings = { strictAccept: options.strictAccept ?? false, strictRegion: options.strictRegion ?? false };

  let defaults: IntercomSimulator['defaults'] = null;
  if (options.seed !== false) {
    const app = core.make.createApp(options.seed?.app);
    const workspace = core.make.createWorkspace({ ...options.seed?.workspace, appId: app.id });
    defaults = { appId: app.id, clientId: app.clientId, clientSecret: app.clientSecret, workspaceId: workspace.id, adminId: workspace.ownerAdminId };
  }

  const apiPlugin = buildPlugin({ core, control, limiter, mount, gate, requestLogCapacity: options.requestLogCapacity });
  const controlPlugin = buildControlPlugin(control);
  const plugin: FastifyPluginAsync = async (app) => {
    await app.register(apiPlugin);
    await app.register(controlPlugin);
  };
  return { plugin, apiPlugin, controlPlugin, state: core.state, control, defaults, close: () => webhooks.close() };
}

export interface RunningIntercomSimulator {
  url: string;
  sim: IntercomSimulator;
  close(): Promise<void>;
}

export async function startIntercomSimulator(options: IntercomSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningIntercomSimulator> {
  const sim = createIntercomSimulator(options);
  const app = Fastify({ logger: false });
  await app.register(sim.plugin);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    sim,
    close: async () => {
      sim.close();
      await app.close();
    },
  };
}
