// A low-cardinality name for an upstream call, for metrics: `conversations.get`,
// `crm.objects.notes.create`. Built from a closed vocabulary of the vendors' static path words, so
// an id, an email, a token or a property name in the path can never reach a label: every segment
// not in the list is dropped, whatever it is. A word missing from the list makes a family coarser,
// never leakier.
import type { UpstreamCall } from './upstream-client.ts';

/**
 * The static words of the paths the clients call (src/integrations/intercom, hubspot/calls,
 * src/connections/identify.ts) and a few close relatives, per intercom-api.md and hubspot-api.md.
 */
const PATH_WORDS = new Set([
  // Intercom
  'admins', 'companies', 'contacts', 'conversations', 'list', 'me', 'parts', 'reply', 'scroll', 'search', 'tags', 'teams', 'tickets',
  'data_attributes', 'subscriptions', 'auth', 'eagle', 'token',
  // HubSpot
  'crm', 'objects', 'associations', 'batch', 'read', 'create', 'update', 'upsert', 'archive', 'associate', 'default', 'labels',
  'notes', 'deals', 'emails', 'calls', 'tasks', 'meetings', 'pipelines', 'stages', 'owners', 'properties', 'groups',
  'oauth', 'introspect', 'revoke', 'access-tokens', 'refresh-tokens', 'private-apps', 'get', 'access-token-info', 'account-info', 'details',
  'webhooks', 'settings', 'integrations',
]);

/** Paths that name one thing without an id (`/me`), so a GET of them reads one, not a list. */
const SINGLETONS = new Set(['me', 'details', 'access-token-info']);

/** A last word that already says what a POST does (`…/search`, `…/batch/read`), so no verb is added. */
const POST_ACTIONS = new Set(['search', 'read', 'create', 'update', 'upsert', 'archive', 'associate', 'default', 'list', 'scroll', 'reply', 'parts', 'token', 'introspect', 'revoke', 'access-token-info', 'tags']);

const API_VERSION = /^\d{4}-\d{2}$/;

export function routeFamily(method: UpstreamCall['method'], path: string): string {
  const words: string[] = [];
  let endsOnItem = false;
  for (const segment of path.split('/')) {
    // HubSpot's date version (/crm/owners/2026-09) is neither a word nor an item: `GET …/owners/2026-09` lists.
    if (segment === '' || API_VERSION.test(segment)) continue;
    const known = PATH_WORDS.has(segment);
    if (known) words.push(segment);
    endsOnItem = !known;
  }
  const last = words.at(-1);
  let verb: string | null;
  switch (method) {
    case 'GET':
      verb = endsOnItem || (last !== undefined && SINGLETONS.has(last)) ? 'get' : 'list';
      break;
    case 'POST':
      verb = !endsOnItem && last !== undefined && POST_ACTIONS.has(last) ? null : 'create';
      break;
    case 'PATCH':
      verb = 'update';
      break;
    case 'PUT':
      verb = 'put';
      break;
    case 'DELETE':
      verb = 'delete';
      break;
  }
  if (words.length === 0) words.push('other');
  return verb === null ? words.join('.') : `${words.join('.')}.${verb}`;
}
