// Sync one contact or company now, or see what a sync would do (#17 item 9). Thin: src/records decides.
import type { FastifyInstance } from 'fastify';
import { UpstreamError } from '../../integrations/upstream-error.ts';
import { RetryAfterError } from '../../jobs/outcomes.ts';
import { RecordSyncRefusedError, syncRecord, type RecordSyncDeps } from '../../records/sync-record.ts';
import { RecordSyncBody, type RecordSyncAnswer } from '../api-types.ts';
import { HttpError, parseBody } from '../errors.ts';
import { upstreamFailure } from './capture.ts';

const OBJECTS = ['contacts', 'companies'] as const;
const SIDES = ['intercom', 'hubspot'] as const;
const isOneOf = <T extends string>(values: readonly T[], value: string): value is T => (values as readonly string[]).includes(value);

type Params = { Params: { id: string; object: string; side: string; recordId: string } };

export function recordRoutes(app: FastifyInstance, deps: { records: RecordSyncDeps }): void {
  app.post<Params>('/api/connections/:id/records/:object/:side/:recordId/sync', async (request): Promise<RecordSyncAnswer> => {
    const { id, object, side, recordId } = request.params;
    if (!isOneOf(OBJECTS, object)) throw new HttpError(404, 'not_found', `'${object}' is not a record type: use contacts or companies`);
    if (!isOneOf(SIDES, side)) throw new HttpError(404, 'not_found', `'${side}' is not a side: use intercom or hubspot`);
    const body = parseBody(RecordSyncBody, request.body ?? {});
    try {
      return await syncRecord(deps.records, id, { object, side, id: recordId, dryRun: body.dryRun });
    } catch (error) {
      if (error instanceof RecordSyncRefusedError) throw new HttpError(error.status, error.status === 404 ? 'not_found' : 'connection_not_active', error.message);
      if (error instanceof UpstreamError) {
        if (error.kind === 'not_found') throw new HttpError(404, 'not_found', `${error.details.service === 'intercom' ? 'Intercom' : 'HubSpot'} has no ${object === 'contacts' ? 'contact' : 'company'} ${recordId}`);
        throw upstreamFailure(error);
      }
      if (error instanceof RetryAfterError && error.outcome.type === 'retry_after') {
        const seconds = Math.max(1, Math.ceil(error.outcome.delayMs / 1000));
        throw new HttpError(503, 'retry_later', `${error.message}. Try again in ${seconds} s.`, { headers: { 'retry-after': String(seconds) } });
      }
      throw error;
    }
  });
}
