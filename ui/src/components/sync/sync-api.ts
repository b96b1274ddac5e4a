// The record-sync panel's calls: the sync status counts (src/http/api/sync-status.ts) and the
// backfills (src/http/api/backfills.ts), both from issue #18.
import type { BackfillAnswer, BackfillList, StartBackfillBody } from '../../../../src/http/api/backfills.ts';
import type { SyncStatusAnswer } from '../../../../src/http/api/sync-status.ts';
import { ApiError, request } from '../../api.ts';

const base = (id: string) => `/api/connections/${encodeURIComponent(id)}`;

export const syncApi = {
  getStatus: (id: string) => request<SyncStatusAnswer>('GET', `${base(id)}/records/status`),
  listBackfills: (id: string) => request<BackfillList>('GET', `${base(id)}/backfills`),
  startBackfill: (id: string, body: StartBackfillBody) => request<BackfillAnswer>('POST', `${base(id)}/backfills`, { body }),
  controlBackfill: (id: string, backfillId: string, action: 'pause' | 'resume' | 'cancel') =>
    request<BackfillAnswer>('POST', `${base(id)}/backfills/${encodeURIComponent(backfillId)}/${action}`),
};

/**
 * A refusal to start, as the panel shows it. "Already running" names the running backfill's id
 * in a detail, which says nothing more to a person than where to find it.
 */
export function startRefusal(error: ApiError): ApiError {
  if (error.code !== 'backfill_running') return error;
  return new ApiError(error.status, error.code, `${error.message} It is listed under Backfills.`, [], error.retryAfter);
}
