// The last sync and backfill jobs of both object types, newest first, with their state; one that
// failed or is parked links to the Failed & waiting tab, where it can be retried. Jobs in a row that
// say the same (a backfill's pages, all done) are one line: "Backfill, 4 pages · Done".
import type { ObjectStatus } from '../../../../src/http/api/sync-status.ts';
import { Link } from '../Link.tsx';
import type { RecordKind } from './SyncCounts.tsx';
import { ago, taskLabel, workTabState } from './sync-format.ts';

const SHOWN = 10;
const OBJECT_LABEL: Record<RecordKind, string> = { contacts: 'Contacts', companies: 'Companies' };
const STATE_LABEL: Readonly<Record<string, string>> = {
  queued: 'Waiting',
  running: 'Running',
  parked: 'Parked',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const SHOWS_ERROR: ReadonlySet<string> = new Set(['failed', 'parked', 'queued', 'running']);

type Job = ObjectStatus['recentJobs'][number] & { kind: RecordKind };

/** Neighbours (newest first) of one object, task, state and error become one line with their count and the newest time. */
function groupAlike(jobs: readonly Job[]): Array<Job & { count: number }> {
  const lines: Array<Job & { count: number }> = [];
  for (const job of jobs) {
    const last = lines[lines.length - 1];
    if (last && last.kind === job.kind && last.task === job.task && last.state === job.state && (last.error ?? null) === (job.error ?? null)) last.count += 1;
    else lines.push({ ...job, count: 1 });
  }
  return lines;
}

interface RecentJobsProps {
  connectionId: string;
  objects: Record<RecordKind, ObjectStatus>;
  now: number;
}

export function RecentJobs({ connectionId, objects, now }: RecentJobsProps) {
  const jobs = groupAlike(
    (Object.keys(OBJECT_LABEL) as RecordKind[]).flatMap((kind) => objects[kind].recentJobs.map((job) => ({ ...job, kind }))).sort((a, b) => b.at - a.at),
  ).slice(0, SHOWN);
  const work = `/connections/${encodeURIComponent(connectionId)}/work`;
  return (
    <div class="sync-jobs">
      <h3 class="sync-jobs-title">Recent jobs</h3>
      {jobs.length === 0 ? (
        <p class="muted">No contact or company jobs yet.</p>
      ) : (
        <table class="sync-jobs-table" aria-label="Recent contact and company jobs, newest first">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Object</th>
              <th scope="col">Job</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => {
              const tabState = workTabState(job.state);
              return (
                <tr key={`${job.kind}-${job.id}`} data-state={job.state}>
                  <td>
                    <time dateTime={new Date(job.at).toISOString()} title={new Date(job.at).toLocaleString()}>
                      {ago(job.at, now)}
                    </time>
                  </td>
                  <td>{OBJECT_LABEL[job.kind]}</td>
                  <td>{taskLabel(job.task, job.count)}</td>
                  <td>
                    <span class="sync-job-state" data-state={job.state}>
                      {STATE_LABEL[job.state] ?? job.state}
                    </span>
                    {/* A cancelled or finished job's last error is the queue's own note, not news. */}
                    {job.error && SHOWS_ERROR.has(job.state) ? <span class="sync-job-error"> {job.error}</span> : null}
                    {tabState ? (
                      <>
                        {' '}
                        <Link href={`${work}?state=${tabState}`}>See in Failed &amp; waiting</Link>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
