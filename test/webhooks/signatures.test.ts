// The intake's signature checks, against HubSpot's published test vectors and against the
// simulators' own signing (written separately, in src/sandbox/*/webhooks.ts).
import t from 'tap';
import { signV1, signV3 } from '../../src/sandbox/hubspot/index.ts';
import { signBody } from '../../src/sandbox/intercom/index.ts';
import { hubspotSignatureV1, hubspotSignatureV3, normalizeSignedUri, verifyHubSpotSignature } from '../../src/webhooks/hubspot-signature.ts';
import { findSigningSecret, intercomSignature, verifyIntercomSignature } from '../../src/webhooks/intercom-signature.ts';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const V1_BODY = Buffer.from('[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]');

t.test('HubSpot v1 and v3 match the published vectors (hubspot-api.md §16)', async (t) => {
  t.equal(hubspotSignatureV1(V1_BODY, SECRET), '232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  t.equal(
    hubspotSignatureV3({ method: 'POST', uri: 'https://www.example.com/webhook_uri', rawBody: V1_BODY, timestamp: '1700000000000', clientSecret: SECRET }),
    '/pXDSgWeGksQpwCsgqd43P0eY6gBIse9UX0tfkudUrE=',
  );
});

t.test('HubSpot v3: valid, stale, future, tampered, wrong secret, missing', async (t) => {
  const timestamp = '1700000000000';
  const uri = 'https://ihz.example.com/webhooks/hubspot';
  const v3 = hubspotSignatureV3({ method: 'POST', uri, rawBody: V1_BODY, timestamp, clientSecret: SECRET });
  const request = { method: 'POST', uri, rawBody: V1_BODY, headers: { v3, timestamp } };
  t.same(verifyHubSpotSignature(request, SECRET, 1700000000000 + 299_000), { ok: true, version: 'v3' });
  t.same(verifyHubSpotSignature(request, SECRET, 1700000000000 + 300_001), { ok: false, reason: 'stale' }, 'older than 5 minutes');
  t.same(verifyHubSpotSignature(request, SECRET, 1700000000000 - 120_000), { ok: false, reason: 'stale' }, 'too far in the future');
  t.same(verifyHubSpotSignature({ ...request, rawBody: Buffer.from(V1_BODY.toString().replace('123', '124')) }, SECRET, 1700000000000), { ok: false, reason: 'mismatch' });
  t.same(verifyHubSpotSignature(request, 'another-apps-secret', 1700000000000), { ok: false, reason: 'mismatch' });
  t.same(verifyHubSpotSignature({ ...request, uri: 'http://internal:8080/webhooks/hubspot' }, SECRET, 1700000000000), { ok: false, reason: 'mismatch' }, 'signed over the public URL');
  t.same(verifyHubSpotSignature({ ...request, headers: {} }, SECRET, 1700000000000), { ok: false, reason: 'missing' });
});

t.test('HubSpot v1 for apps that send it', async (t) => {
  const v1 = hubspotSignatureV1(V1_BODY, SECRET);
  t.same(verifyHubSpotSignature({ method: 'POST', uri: 'x', rawBody: V1_BODY, headers: { v1, version: 'v1' } }, SECRET, 0), { ok: true, version: 'v1' });
  t.same(verifyHubSpotSignature({ method: 'POST', uri: 'x', rawBody: V1_BODY, headers: { v1, version: 'v2' } }, SECRET, 0), { ok: false, reason: 'missing' });
});

t.test('HubSpot URI normalisation decodes the listed escapes, keeps the query', async (t) => {
  t.equal(normalizeSignedUri('https://a.example/hook%3Ax?b=%40c%2Fd'), 'https://a.example/hook:x?b=@c/d');
  t.equal(normalizeSignedUri('https://a.example/p%20q'), 'https://a.example/p%20q', 'other escapes stay');
});

t.test('agrees with the HubSpot simulator\'s independent signing', async (t) => {
  const body = Buffer.from('[{"eventId":9,"portalId":4455667,"subscriptionType":"ticket.propertyChange","propertyName":"hs_pipeline_stage","propertyValue":"4"}]');
  const uri = 'https://ihz.example.com/webhooks/hubspot?x=1';
  t.equal(hubspotSignatureV1(body, 'sim-secret'), signV1('sim-secret', body.toString()));
  t.equal(hubspotSignatureV3({ method: 'POST', uri, rawBody: body, timestamp: '1800000000000', clientSecret: 'sim-secret' }), signV3('sim-secret', 'POST', uri, body.toString(), '1800000000000'));
});

t.test('Intercom: sha1 HMAC of the raw bytes, matching the simulator', async (t) => {
  const body = Buffer.from('{"type":"notification_event","topic":"conversation.admin.closed","id":"notif_1","app_id":"ws1"}');
  const header = intercomSignature(body, 'client-secret-a');
  t.match(header, /^sha1=[0-9a-f]{40}$/);
  t.equal(header, signBody('client-secret-a', body.toString()));
  t.ok(verifyIntercomSignature(body, header, 'client-secret-a'));
  t.ok(verifyIntercomSignature(body, header.toUpperCase().replace('SHA1=', 'sha1='), 'client-secret-a'), 'hex case does not matter');
  t.notOk(verifyIntercomSignature(body, header, 'client-secret-b'));
  t.notOk(verifyIntercomSignature(Buffer.from(`${body.toString()} `), header, 'client-secret-a'), 'one byte more');
  t.notOk(verifyIntercomSignature(body, undefined, 'client-secret-a'));
  t.notOk(verifyIntercomSignature(body, 'sha1=short', 'client-secret-a'));
});

t.test('Intercom: the delivery belongs to the app whose secret signed it', async (t) => {
  const body = Buffer.from('{"id":"notif_2"}');
  const apps = [{ app: 'A', clientSecret: 'secret-a' }, { app: 'B', clientSecret: 'secret-b' }, { app: 'C', clientSecret: '' }];
  t.equal(findSigningSecret(body, intercomSignature(body, 'secret-b'), apps)?.app, 'B');
  t.equal(findSigningSecret(body, intercomSignature(body, 'secret-z'), apps), undefined);
});
