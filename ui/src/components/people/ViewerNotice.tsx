import { api } from '../../api.ts';
import { useApiData } from '../../use-api-data.ts';

/** Said once, at the top of every page, to a viewer: what they see they cannot change. */
export function ViewerNotice() {
  const me = useApiData(() => api.getMe(), []);
  if (me.data?.role !== 'viewer') return null;
  return (
    <p class="notice viewer-notice" role="note">
      You are signed in as a viewer: you can see everything, but changes are refused. Ask an admin if you need to change something.
    </p>
  );
}
