// The chaos run at test size (test/chaos/chaos-run.ts, REDUCED_CHAOS: 150 conversations, a few
// kills): whatever the kills, faults and webhook disorder, every closed conversation is exactly one
// note carrying its last message, contacts and companies are not duplicated and are linked, tickets
// are not duplicated, the scheduler keeps running and no message text is at rest (issue #13).
// The full-size run is `npm run bench -- chaos`.
import t from 'tap';
import { REDUCED_CHAOS, runChaos } from './chaos-run.ts';

// Set-up, ~50 s of load and up to 300 s of drain, on a slow machine.
t.setTimeout(10 * 60_000);

t.test('chaos: kills, upstream faults and webhook disorder leave exactly one current note per conversation', async (t) => {
  const figures = await runChaos(REDUCED_CHAOS, (message) => t.comment(message));
  const { detail, ...headline } = figures;
  t.comment(JSON.stringify(headline));
  const why = JSON.stringify(detail);
  t.ok(figures.conversations >= REDUCED_CHAOS.conversations * 0.95, `the conversations were played (${figures.conversations})`, { detail: why });
  t.ok(figures.kills >= 2, `the daemon was killed during the run (${figures.kills} times)`);
  t.ok(figures.faults > 0, `faults were injected (${figures.faults})`);
  t.equal(figures.missing, 0, 'no closed conversation is missing its note', { detail: why });
  t.equal(figures.stale_notes, 0, 'every note carries its conversation\'s last message', { detail: why });
  t.equal(figures.duplicate_notes, 0, 'no conversation has two notes', { detail: why });
  t.equal(figures.duplicate_contacts, 0, 'no contact twice', { detail: why });
  t.equal(figures.duplicate_companies, 0, 'no company twice', { detail: why });
  t.equal(figures.unlinked_contacts, 0, 'every contact with a company is linked to it', { detail: why });
  t.equal(figures.duplicate_tickets, 0, 'no conversation has two tickets', { detail: why });
  t.equal(detail.missing_tickets, 0, 'every conversation routed to a ticket has one', { detail: why });
  t.equal(figures.wedged, false, 'the scheduler kept running jobs', { detail: why });
  t.equal(figures.daemon_crashes, 0, 'the daemon never died but by our SIGKILL', { detail: why });
  t.equal(figures.content_at_rest, 0, 'no message text in the data directory or the logs', { detail: why });
});
