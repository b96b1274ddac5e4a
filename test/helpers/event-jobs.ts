// How many webhook events the event jobs carry: a job holds one event, or several committed together
// (`{ events: [...] }`, src/webhooks/event-tasks.ts). SQL for a read-only handle, so benches can use it.
const EVENTS = "CASE WHEN json_type(payload, '$.events') = 'array' THEN json_array_length(payload, '$.events') ELSE 1 END";

export const EVENTS_IN_JOBS_SQL = (where: string) => `SELECT coalesce(sum(${EVENTS}), 0) FROM jobs WHERE ${where}`;

/** Every event and the finished ones, read together (two reads would race the daemon's writes). */
export const EVENTS_AND_FINISHED_SQL = (where: string) =>
  `SELECT coalesce(sum(${EVENTS}), 0) AS total, coalesce(sum(CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN ${EVENTS} ELSE 0 END), 0) AS finished, count(*) AS jobs FROM jobs WHERE ${where}`;
