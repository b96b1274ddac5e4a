// Associations v4 on the date-versioned paths (hubspot-api.md §1 mapping, §11):
//   record level: /crm/objects/2026-09/{from}/{id}/associations/… (10-s bucket),
//   batch: /crm/associations/2026-09/{from}/{to}/batch/… (exempt from the 10-s bucket per the spec,
//   so they spend only the daily budget).
// Reading a record's associations goes through batch/read: 2026-09 declares the per-record
// GET …/associations/{toType} only for partner services, not for contacts, companies, notes or
// tickets (../shared/docs/hubspot-routes-2026-09.md), so there it would answer 404.
import type { UpstreamClient } from '../../upstream-client.ts';
import { paginate } from '../paginate.ts';
import { AssociationBatchRead, AssociationItem, DefaultAssociationResult, LabelsBetween } from '../schemas.ts';
import { API_VERSION, type AssociationSpec } from './objects.ts';
import type { z } from 'zod';

type AssociatedItem = z.infer<typeof AssociationItem>;

export interface AssociationCalls {
  /** The default (unlabelled) association; PUT, safe to repeat. */
  createDefault(fromType: string, fromId: string, toType: string, toId: string): Promise<z.infer<typeof DefaultAssociationResult>>;
  /** Sets the pair's labels; the set replaces the existing labels (§11.2). */
  createLabelled(fromType: string, fromId: string, toType: string, toId: string, types: AssociationSpec[]): Promise<z.infer<typeof LabelsBetween>>;
  /** A record's associations to one type, page by page (batch/read with one input; none → nothing). */
  list(fromType: string, fromId: string, toType: string): AsyncGenerator<AssociatedItem, void, undefined>;
  batchCreateDefault(fromType: string, toType: string, pairs: Array<{ from: string; to: string }>): Promise<void>;
  remove(fromType: string, fromId: string, toType: string, toId: string): Promise<void>;
}

export function associationCalls(http: UpstreamClient): AssociationCalls {
  const record = (type: string, id: string) => `/crm/objects/${API_VERSION}/${type}/${encodeURIComponent(id)}/associations`;
  return {
    createDefault: (fromType, fromId, toType, toId) =>
      http.json({ method: 'PUT', path: `${record(fromType, fromId)}/default/${toType}/${encodeURIComponent(toId)}` }, DefaultAssociationResult),
    createLabelled: (fromType, fromId, toType, toId, types) =>
      http.json({ method: 'PUT', path: `${record(fromType, fromId)}/${toType}/${encodeURIComponent(toId)}`, body: types }, LabelsBetween),
    list: (fromType, fromId, toType) =>
      paginate(async (after) => {
        const read = await http.json({
          // A read sent as POST: safe to repeat.
          method: 'POST', path: `/crm/associations/${API_VERSION}/${fromType}/${toType}/batch/read`, budget: 'daily', idempotent: true,
          body: { inputs: [after === undefined ? { id: fromId } : { id: fromId, after }] },
        }, AssociationBatchRead);
        const result = read.results.find((entry) => entry.from.id === fromId);
        return { results: result?.to ?? [], paging: result?.paging };
      }),
    async batchCreateDefault(fromType, toType, pairs) {
      await http.send({
        method: 'POST', path: `/crm/associations/${API_VERSION}/${fromType}/${toType}/batch/associate/default`, budget: 'daily', idempotent: true,
        body: { inputs: pairs.map((p) => ({ from: { id: p.from }, to: { id: p.to } })) },
      });
    },
    async remove(fromType, fromId, toType, toId) {
      await http.send({ method: 'DELETE', path: `${record(fromType, fromId)}/${toType}/${encodeURIComponent(toId)}` });
    },
  };
}
