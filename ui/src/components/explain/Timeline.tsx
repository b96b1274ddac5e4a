// The explainer's timeline: what happened to one conversation, oldest first. The steps of one
// capture run (guards, routing, matching, vendor calls, how it ended) sit together under the run;
// vendor calls that went well are folded away, failures are shown with the vendor's words.
import type { TimelineEntry } from '../../../../src/http/api-types.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

type Group = { run: null; entry: TimelineEntry } | { run: string; entries: TimelineEntry[] };

/** Consecutive entries of one run form a group; everything else stands alone. */
function groups(entries: TimelineEntry[]): Group[] {
  const out: Group[] = [];
  for (const entry of entries) {
    const last = out.at(-1);
    if (entry.run !== null && last && last.run === entry.run) last.entries.push(entry);
    else if (entry.run !== null) out.push({ run: entry.run, entries: [entry] });
    else out.push({ run: null, entry });
  }
  return out;
}

const KIND_LABEL: Record<string, string> = {
  webhook: 'Webhook',
  sweep: 'Sweep',
  trigger: 'Trigger',
  guards: 'Guards',
  routing: 'Routing',
  match_lookup: 'Matching',
  api_call: 'API call',
  run_decided: 'Outcome',
  run_failed: 'Failure',
  activity: 'Activity',
  pending_job: 'Waiting',
  pending_close: 'Close',
  nothing_yet: 'Nothing yet',
};

function When({ at }: { at: number }) {
  const iso = new Date(at).toISOString();
  return (
    <time class="explain-time" dateTime={iso} title={iso}>
      <span class="time-date">{dateFormat.format(at)}</span> <span class="time-clock">{timeFormat.format(at)}</span>
    </time>
  );
}

function Step({ entry }: { entry: TimelineEntry }) {
  return (
    <li class={`explain-step explain-${entry.kind}${entry.failed ? ' explain-failed' : ''}`}>
      <When at={entry.at} />
      <span class="explain-kind">{KIND_LABEL[entry.kind] ?? entry.kind}</span>
      <span class="explain-summary">{entry.summary}</span>
    </li>
  );
}

function Run({ entries }: { entries: TimelineEntry[] }) {
  const calls = entries.filter((entry) => entry.kind === 'api_call' && !entry.failed);
  const shown = entries.filter((entry) => !(entry.kind === 'api_call' && !entry.failed));
  const end = entries.find((entry) => entry.kind === 'run_decided' || entry.kind === 'run_failed');
  const first = entries[0];
  const totalMs = calls.reduce((sum, entry) => sum + (typeof entry.detail['durationMs'] === 'number' ? entry.detail['durationMs'] : 0), 0);
  return (
    <li class={`explain-run${end?.failed ? ' explain-run-failed' : ''}`}>
      <p class="explain-run-title">
        Capture run {first ? <When at={first.at} /> : null}
        {end?.kind === 'run_failed' ? (
          end.failed ? <span class="explain-run-badge explain-run-badge-failed">failed</span> : <span class="explain-run-badge explain-run-badge-waited">waited</span>
        ) : end ? (
          <span class="explain-run-badge">decided</span>
        ) : null}
      </p>
      <ol class="explain-steps">
        {shown.map((entry, index) => (
          <Step key={index} entry={entry} />
        ))}
      </ol>
      {calls.length > 0 ? (
        <details class="explain-calls">
          <summary>
            {calls.length === 1 ? 'One vendor call' : `${calls.length} vendor calls`} that went well ({totalMs} ms in all)
          </summary>
          <ol class="explain-steps">
            {calls.map((entry, index) => (
              <Step key={index} entry={entry} />
            ))}
          </ol>
        </details>
      ) : null}
    </li>
  );
}

export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol class="explain-timeline" aria-label="What happened, oldest first">
      {groups(entries).map((group, index) => (group.run === null ? <Step key={index} entry={group.entry} /> : <Run key={group.run} entries={group.entries} />))}
    </ol>
  );
}
