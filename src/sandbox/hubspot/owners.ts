// Owners (hubspot-api.md §15): list with the email filter and cursor paging, get by id or userId.
import type { FastifyInstance } from 'fastify';
import { HubSpotError, validation } from './errors.ts';
import { boolParam, crm, register, stringParam, type Params, type Query, type RouteTable, type Runtime } from './http.ts';
import type { Owner } from './state.ts';
import { isoTime } from './crm/types.ts';

// [SPEC:owners]: crm.objects.owners.read or automation.
const SCOPES = ['crm.objects.owners.read', 'automation'];

export const ownerJson = (o: Owner) => ({
  id: o.id, email: o.email, type: o.type, firstName: o.firstName, lastName: o.lastName, userId: o.userId,
  userIdIncludingInactive: o.userIdIncludingInactive, createdAt: isoTime(o.createdAt), updatedAt: isoTime(o.updatedAt), archived: o.archived,
  ...(o.teams ? { teams: o.teams } : {}),
});

export function registerOwners(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  // The SDK calls "/crm/v3/owners/" with a trailing slash (OwnersApi.js).
  register(app, rt, table, {
    method: 'GET', paths: [...crm('owners', ''), '/crm/v3/owners/'], scopes: () => SCOPES, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const query = request.query as Query;
      const email = stringParam(query.email)?.toLowerCase();
      const limit = Number(stringParam(query.limit) ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw validation(`limit must be an integer between 1 and 500, got ${stringParam(query.limit)}`);
      const offset = Number(stringParam(query.after) ?? 0) || 0;
      const archived = boolParam(query.archived);
      const all = [...portal.owners.values()].filter((o) => o.archived === archived && (!email || o.email.toLowerCase() === email));
      const results = all.slice(offset, offset + limit).map(ownerJson);
      if (offset + limit >= all.length) return { results };
      const after = String(offset + limit);
      return { results, paging: { next: { after, link: `${request.url.split('?')[0]}?limit=${limit}&after=${after}` } } };
    },
  });

  register(app, rt, table, {
    method: 'GET', paths: crm('owners', '/:ownerId'), scopes: () => SCOPES, limit: 'standard',
    handler: (request, _reply, { portal }) => {
      const { ownerId } = request.params as Params;
      const query = request.query as Query;
      const byUser = stringParam(query.idProperty) === 'userId';
      const archived = boolParam(query.archived);
      const owner = [...portal.owners.values()].find((o) => (byUser ? String(o.userIdIncludingInactive) === ownerId : o.id === ownerId) && o.archived === archived);
      if (!owner) throw new HubSpotError(404, { message: 'resource not found' });
      return ownerJson(owner);
    },
  });
}
