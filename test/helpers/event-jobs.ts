// How many webhook events the event jobs carry: a job holds one event, or several committed together
// (`{ events: [...] }`, src/webhooks/event-tasks.ts). SQL for a read-only handle, so benches can use it.
export const EVENTS_IN_JOBS_SQL = (where: string) =>
  `SELECT coalesce(sum(CASE WHEN json_type(payload, '$.events') = 'array' THEN json_array_length(payload, '$.events') ELSE 1 END), 0) FROM jobs WHERE ${where}`;
