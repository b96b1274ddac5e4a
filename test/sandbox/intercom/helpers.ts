// Shared setup for the Intercom simulator tests: a simulator on a free loopback port, a seeded
// contact, and a small JSON client that sends what the product will send.
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { startIntercomSimulator, type IntercomSimulatorOptions, type RunningIntercomSimulator } from '../../../src/sandbox/intercom/index.ts';

export interface Teardownable {
  teardown(fn: () => unknown): void;
}

interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface Harness {
  url: string;
  running: RunningIntercomSimulator;
  sim: RunningIntercomSimulator['sim'];
  token: string;
  workspaceId: string;
  adminId: string;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}

/** 2026-03-02T10:00:00Z, a Monday: far from a day boundary in Europe/Berlin. */
export const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

export async function startHarness(t: Teardownable, options: IntercomSimulatorOptions = {}): Promise<Harness> {
  const running = await startIntercomSimulator({ clock: createSimClock(T0), webhooks: { validateUrl: false }, ...options });
  t.teardown(() => running.close());
  const sim = running.sim;
  const defaults = sim.defaults;
  if (!defaults) throw new Error('the harness needs the seeded workspace');
  const token = sim.control.createAccessToken(defaults.workspaceId);
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const response = await fetch(running.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'intercom-version': '2.14',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return { url: running.url, running, sim, token, workspaceId: defaults.workspaceId, adminId: defaults.adminId, api };
}
