// Merging two records and restoring an archived one, with the webhook events they cause.
// - Merge: POST /crm/{v3|objects/2026-0x}/{type}/merge {primaryObjectId, objectIdToMerge} → 200 and
//   the surviving record (hubspot-api.md §5.8; listed for 2026-09 in hubspot-routes-2026-09.md).
//   Not for notes (§9 "No merge endpoint"). The merged-away id joins the survivor's
//   hs_merged_object_ids (§5.6), its associations move to the survivor, and it is archived. The
//   merge event carries primaryObjectId and mergedObjectIds (developers.hubspot.com/changelog/
//   new-subscription-types-for-webhooks).
// - Restore: HubSpot restores from the recycle bin in its UI (§5.9: restorable for 90 days); there
//   is no public API for it, so the simulator offers it on its control surface only.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validation } from '../errors.ts';
import { crm, parseBody, register, type RouteTable, type Runtime } from '../http.ts';
import type { CrmRecord } from '../state.ts';
import { addTypes, associationsOf, removePair } from './association-store.ts';
import { CALCULATED_SOURCE } from './history.ts';
import { commitUpdate, find, serialize, type Ctx } from './records.ts';
import { lookupObjectType, objectType, OBJECT_TYPES, type ObjectTypeInfo } from './types.ts';

const MergeInput = z.object({ primaryObjectId: z.union([z.string(), z.number()]).transform(String), objectIdToMerge: z.union([z.string(), z.number()]).transform(String) });

const mergedIds = (record: CrmRecord) => (record.properties.hs_merged_object_ids ?? '').split(';').filter((id) => id !== '');

function mergeRecords(ctx: Ctx, info: ObjectTypeInfo, primaryId: string, mergeId: string): CrmRecord {
  if (info.name === 'notes') throw validation('Notes cannot be merged');
  if (primaryId === mergeId) throw validation('Cannot merge an object with itself');
  const primary = find(ctx, info, primaryId);
  const merged = find(ctx, info, mergeId);
  const now = ctx.state.clock.now();
  for (const to of Object.values(OBJECT_TYPES)) {
    for (const association of associationsOf(ctx.portal, { info, id: merged.id }, to)) {
      const other = { info: to, id: association.id };
      removePair(ctx.portal, { info, id: merged.id }, other);
      if (!(to.name === info.name && association.id === primary.id)) addTypes(ctx.portal, { info, id: primary.id }, other, association.types);
    }
  }
  merged.archived = true;
  merged.archivedAt = now;
  merged.updatedAt = now;
  commitUpdate(ctx, info, merged, {}); // indexes the archive: search stops finding it
  // After commitUpdate, which indexes a contact's email again: the archived record no longer holds it.
  if (info.name === 'contacts' && merged.properties.email) ctx.portal.emailIndex.delete(merged.properties.email.toLowerCase());
  const ids = [...new Set([...mergedIds(primary), merged.id, ...mergedIds(merged)])];
  commitUpdate({ ...ctx, source: CALCULATED_SOURCE }, info, primary, { hs_merged_object_ids: ids.join(';') });
  ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: primary.id, kind: 'merge', primaryObjectId: primary.id, mergedObjectIds: [merged.id], occurredAt: now, ...(ctx.source ? { source: ctx.source } : {}) });
  return primary;
}

export function restoreRecord(ctx: Ctx, info: ObjectTypeInfo, id: string): CrmRecord {
  const record = find(ctx, info, id, undefined, true);
  const now = ctx.state.clock.now();
  record.archived = false;
  delete record.archivedAt;
  if (info.name === 'contacts' && record.properties.email) ctx.portal.emailIndex.set(record.properties.email.toLowerCase(), record.id);
  // Through commitUpdate, so search sees it again and its modified date moves.
  commitUpdate(ctx, info, record, {});
  ctx.emit({ hubId: ctx.portal.hubId, objectType: info, objectId: record.id, kind: 'restore', occurredAt: now, ...(ctx.source ? { source: ctx.source } : {}) });
  return record;
}

export function registerMerge(app: FastifyInstance, rt: Runtime, table: RouteTable): void {
  register(app, rt, table, {
    method: 'POST', paths: crm('objects', '/:objectType/merge'),
    scopes: (params) => lookupObjectType(params.objectType ?? '')?.writeScopes ?? [], limit: 'standard',
    handler: (request, _reply, { ctx }) => {
      const info = objectType((request.params as { objectType: string }).objectType);
      const input = parseBody(MergeInput, request.body);
      const record = mergeRecords(ctx, info, input.primaryObjectId, input.objectIdToMerge);
      return serialize(ctx, info, record, { properties: Object.keys(record.properties) });
    },
  });
}
