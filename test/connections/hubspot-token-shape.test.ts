// A pasted HubSpot token that cannot be one is refused by name before anything is sent to HubSpot:
// from the API (400 naming accessToken) and from the YAML file (the key named at start).
import t from 'tap';
import { hubspotTokenProblem } from '../../src/config/hubspot-token-shape.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sessionApi, signIn } from '../helpers/server.ts';
import { buildTestApp } from '../helpers/test-app.ts';

t.test('what cannot be a HubSpot token, and what may be', async (t) => {
  t.equal(hubspotTokenProblem('pat-na1-0c6e1f2a-1111-4222-8333-944445555666'), null);
  t.equal(hubspotTokenProblem('pat-eu1-0c6e1f2a-1111-4222-8333-944445555666'), null);
  t.equal(hubspotTokenProblem('some-service-key-format-we-do-not-know-yet-0123456789'), null, 'an unknown shape is left to HubSpot');
  t.match(hubspotTokenProblem('dG9rOmFiYzEyMw=='), /Intercom access token/);
  t.match(hubspotTokenProblem('ihz_abcdefghijklmnopqrstuvwxyz'), /Interhubz API token/);
  t.match(hubspotTokenProblem('0c6e1f2a-1111-4222-8333-944445555666'), /developer API key/);
  t.match(hubspotTokenProblem('short'), /too short/);
  t.match(hubspotTokenProblem('pat-na1-abc def'), /spaces/);
});

t.test('the API refuses it with 400 naming accessToken, from the body check (before any HubSpot call)', async (t) => {
  const server = await buildTestApp(t, { startScheduler: false });
  const api = sessionApi(server, await signIn(server));
  const id = String((await api('POST', '/api/connections', { name: 'Support' })).body?.id);
  const refused = await api('POST', `/api/connections/${id}/hubspot/token`, { accessToken: 'dG9rOmFiYzEyMw==' });
  t.equal(refused.status, 400);
  // invalid_request comes from the body's schema; a tried token would answer token_refused or upstream_unavailable.
  t.match(refused.body, { error: { code: 'invalid_request', message: /accessToken is an Intercom access token/ } });
  const connection = await api('GET', `/api/connections/${id}`);
  t.match(connection.body, { hubspot: { connected: false } }, 'nothing was stored');
});

t.test('the YAML file: the key is named at start', async (t) => {
  const yaml = ['connections:', '  - name: Support', '    hubspot:', '      accessToken: ${HS_TOKEN}'].join('\n');
  t.throws(() => parseConfig(yaml, { HS_TOKEN: '0c6e1f2a-1111-4222-8333-944445555666' }), { message: /connections\.0\.hubspot\.accessToken|connections\[0\]\.hubspot\.accessToken/ });
  t.doesNotThrow(() => parseConfig(yaml, { HS_TOKEN: 'pat-na1-0c6e1f2a-1111-4222-8333-944445555666' }));
});
