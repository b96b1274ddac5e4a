// The record-sync panel's calls: the sync status counts (src/http/api/sync-status.ts) and the
// backfills (src/http/api/backfills.ts), both from issue #18.
import type { BackfillAnswer, BackfillList, StartBackfillBody } from '../../../../src/http/api/backfills.ts';
import type { SyncStatusAnswer } from '../../../../src/http/api/sync-status.ts';
import { request } from '../../api.ts';

const base = (id: string) => `/api/connections/${encodeURIComponent(id)}`;

export const syncApi = {
  getStatus: (id: string) => request<SyncStatusAnswer>('GET', `${base(id)}/records/status`),
  listBackfills: (id: string) => request<BackfillList>('GET', `${base(id)}/backfills`),
  startBackfill: (id: string, body: StartBackfillBody) => request<BackfillAnswer>('POST', `${base(id)}/backfills`, { body }),
  controlBackfill: (id: string, backfillId: string, action: 'pause' | 'resume' | 'cancel') =>
    request<BackfillAnswer>('POST', `${base(id)}/backfills/${encodeURIComponent(backfillId)}/${action}`),
};
