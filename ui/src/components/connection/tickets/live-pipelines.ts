// The portal's ticket pipelines, read live from HubSpot for the Tickets tab's pickers.
import type { TicketPipelines } from '../../../../../src/http/api-types.ts';
import { api, type ApiError } from '../../../api.ts';
import { useApiData } from '../../../use-api-data.ts';

export interface LivePipelines {
  data: TicketPipelines | null;
  error: ApiError | null;
  loading: boolean;
  readAt: Date | null;
  reload: () => Promise<void>;
}

export function usePipelines(connectionId: string, onChecked: (() => void) | undefined): LivePipelines {
  const live = useApiData(async () => {
    const data = await api.getTicketPipelines(connectionId);
    // Reading the pipelines re-checks the settings: the connection's warnings may have changed.
    onChecked?.();
    return { data, readAt: new Date() };
  }, [connectionId]);
  return {
    // After a failed read the pickers give way to text fields: an older list may no longer be HubSpot's.
    data: live.error ? null : (live.data?.data ?? null),
    error: live.error,
    // Before the first read starts, too: the card waits rather than show the text fields for a moment.
    loading: live.loading || (live.data === null && live.error === null),
    readAt: live.data?.readAt ?? null,
    reload: () => live.reload(),
  };
}
