// `npm run sandbox`: both simulators standalone, for a person or another program to use without
// the daemon. Prints where they listen, a ready-made token for each, and their control APIs.
//   npm run sandbox -- [--host 127.0.0.1] [--intercom-port 8081] [--hubspot-port 8082]
import { parseArgs } from 'node:util';
import { startHubSpotSimulator } from './hubspot/index.ts';
import { startIntercomSimulator } from './intercom/index.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'intercom-port': { type: 'string', default: '8081' },
    'hubspot-port': { type: 'string', default: '8082' },
  },
});

const intercom = await startIntercomSimulator({ host: values.host, port: Number(values['intercom-port']) });
const hubspot = await startHubSpotSimulator({ host: values.host, port: Number(values['hubspot-port']) });
const intercomToken = intercom.sim.control.createAccessToken();
const hubspotToken = hubspot.sim.control.createStaticToken();

const summary = {
  intercom: {
    baseUrl: intercom.url,
    control: `${intercom.url}/_sim`,
    accessToken: intercomToken,
    oauthApp: intercom.sim.defaults && { clientId: intercom.sim.defaults.clientId, clientSecret: intercom.sim.defaults.clientSecret },
  },
  hubspot: {
    baseUrl: hubspot.url,
    control: `${hubspot.url}/_sim`,
    accessToken: hubspotToken,
    hubId: hubspot.sim.control.defaultHubId(),
  },
};
process.stdout.write(
  [
    'Interhubz sandbox: simulators of the Intercom and HubSpot APIs (in memory; gone when stopped).',
    `  Intercom  ${summary.intercom.baseUrl}   control API ${summary.intercom.control}`,
    `            curl -H 'Authorization: Bearer ${intercomToken}' -H 'Intercom-Version: 2.14' ${intercom.url}/me`,
    `  HubSpot   ${summary.hubspot.baseUrl}   control API ${summary.hubspot.control}`,
    `            curl -H 'Authorization: Bearer ${hubspotToken}' ${hubspot.url}/crm/objects/2026-09/contacts`,
    'Stop with Ctrl-C. The JSON line below is for programs.',
    JSON.stringify(summary),
    '',
  ].join('\n'),
);

const stop = () => {
  void Promise.all([intercom.close(), hubspot.close()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
