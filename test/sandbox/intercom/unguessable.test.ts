// Secrets the Intercom simulator hands out come from a random source, not a counter: in the built-in
// sandbox a guessable access token, OAuth code or client secret would open its API to anyone.
import t from 'tap';
import { startHarness } from './helpers.ts';

const randomPart = (value: string) => Buffer.from(value, 'base64').toString().split(':')[1] ?? '';

t.test('access tokens, OAuth codes and client secrets are random, not sequential', async (t) => {
  const h = await startHarness(t);
  const redirectUri = 'https://daemon.test/oauth/intercom/callback';
  const apps = [h.sim.control.apps.create({ name: 'A', redirectUris: [redirectUri] }), h.sim.control.apps.create({ name: 'B', redirectUris: [redirectUri] })];
  const codes: string[] = [];
  for (const app of apps) {
    const page = await (await fetch(`${h.url}/oauth?client_id=${encodeURIComponent(app.clientId)}&state=s&redirect_uri=${encodeURIComponent(redirectUri)}`)).text();
    const workspaceId = /name="workspace_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const form = new URLSearchParams({ client_id: app.clientId, state: 's', redirect_uri: redirectUri, workspace_id: workspaceId, decision: 'approve' });
    const answer = await fetch(`${h.url}/oauth/decision`, { method: 'POST', body: form, redirect: 'manual' });
    codes.push(new URL(answer.headers.get('location') ?? 'about:blank').searchParams.get('code') ?? '');
  }
  const tokens: string[] = [];
  for (const [i, app] of apps.entries()) {
    const exchanged = await fetch(`${h.url}/auth/eagle/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ code: codes[i] ?? '', client_id: app.clientId, client_secret: app.clientSecret }),
    });
    tokens.push(((await exchanged.json()) as { token: string }).token);
  }
  for (const [label, values] of [['code', codes.map(randomPart)], ['token', tokens.map(randomPart)], ['client secret', apps.map((app) => app.clientSecret.replace(/^sec_/, ''))]] as const) {
    t.ok(values.every((value) => /^[0-9a-f]{32,}$/.test(value)), `${label}s carry at least 128 random bits`);
    const [first, second] = values.map((value) => BigInt(`0x${value}`));
    t.not(second, (first ?? 0n) + 1n, `consecutive ${label}s are not a counter`);
  }
});
