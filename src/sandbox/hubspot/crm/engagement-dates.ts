// The activity dates HubSpot keeps on a record by itself when an engagement is logged on it, so a
// client that ranks records by engagement (the daemon's contact tie-break, src/matching/tie-break.ts)
// meets the same data here as in a real portal.
//
// Which engagement sets which property (HubSpot's knowledge base, "HubSpot's default contact
// properties", Sales properties; knowledge.hubspot.com/contacts/hubspots-default-contact-properties;
// not in hubspot-api.md, read from the knowledge base and UNCONFIRMED against a live portal):
//   - notes_last_updated, "Last Activity Date": the last time a call, chat, meeting, note, sales
//     email, SMS, task … was logged on the record — a note associated to a contact or a company
//     sets it, to the note's activity date (hs_timestamp) when that is the latest;
//   - hs_last_sales_activity_timestamp, "Last Engagement Date": the last time the contact itself
//     engaged (site, form, document, meetings link, tracked email) — not a note logged by a user,
//     and nothing the simulator serves is such an engagement, so it is defined (seed.ts) and never
//     set here.
import type { CrmRecord } from '../state.ts';
import type { End } from './association-store.ts';
import { CALCULATED_SOURCE } from './history.ts';
import { commitUpdate, type Ctx } from './records.ts';
import { isoTime, OBJECT_TYPES } from './types.ts';

const LAST_ACTIVITY_PROPERTY = 'notes_last_updated';

/** Where a logged note moves the Last Activity Date. */
const TRACKED = new Set(['contacts', 'companies']);

function activityTime(ctx: Ctx, note: CrmRecord): number {
  const stamp = note.properties.hs_timestamp;
  const parsed = stamp === undefined ? Number.NaN : /^\d+$/.test(stamp) ? Number(stamp) : Date.parse(stamp);
  return Number.isFinite(parsed) ? parsed : ctx.state.clock.now();
}

/** Called after an association is made: a note now on a contact or company dates its last activity. */
export function noteAssociated(ctx: Ctx, a: End, b: End): void {
  const [note, other] = a.info.name === 'notes' ? [a, b] : b.info.name === 'notes' ? [b, a] : [undefined, undefined];
  if (!note || !other || !TRACKED.has(other.info.name)) return;
  const noteRecord = ctx.portal.records.notes.get(note.id);
  const target = ctx.portal.records[other.info.name].get(other.id);
  if (!noteRecord || noteRecord.archived || !target || target.archived) return;
  const at = activityTime(ctx, noteRecord);
  const current = Date.parse(target.properties[LAST_ACTIVITY_PROPERTY] ?? '');
  if (Number.isFinite(current) && current >= at) return;
  // commitUpdate indexes the change for search and emits its propertyChange, as HubSpot's own
  // calculated updates do; the writer is HubSpot, not the app that logged the note.
  commitUpdate({ ...ctx, source: CALCULATED_SOURCE }, OBJECT_TYPES[other.info.name], target, { [LAST_ACTIVITY_PROPERTY]: isoTime(at) });
}
