// Shared by the HubSpot simulator tests: a started simulator with a frozen clock and a small JSON client.
import { createSimClock } from '../../../src/sandbox/shared/clock.ts';
import { startHubSpotSimulator, type HubSpotSimulatorOptions, type StartedHubSpotSimulator } from '../../../src/sandbox/hubspot/index.ts';

export const T0 = Date.UTC(2026, 4, 1, 9, 0, 0);

interface Answer {
  status: number;
  headers: Headers;
  // Parsed JSON that the tests navigate freely; tap's matchers check the shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Harness {
  server: StartedHubSpotSimulator;
  token: string;
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<Answer>;
  form(path: string, fields: Record<string, string>): Promise<Answer>;
}

export async function harness(options: HubSpotSimulatorOptions = {}): Promise<Harness> {
  const server = await startHubSpotSimulator({ clock: createSimClock(T0), ...options });
  const token = server.sim.control.createStaticToken();
  const parse = async (response: Response): Promise<Answer> => {
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    server,
    token,
    async call(method, path, body, as = token) {
      const headers: Record<string, string> = {};
      if (as !== null) headers.authorization = `Bearer ${as}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return parse(await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    },
    async form(path, fields) {
      return parse(await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }));
    },
  };
}
