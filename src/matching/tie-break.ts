// Several HubSpot contacts match one Intercom contact: pick one the same way every time, and say why
// in words the activity log can show (DESIGN.md §1: "most recent engagement", then the oldest record).

export type Candidate = {
  id: string;
  /** Epoch ms. */
  createdAt: number | null;
  /** Epoch ms of the latest sales engagement HubSpot records for the contact. */
  lastEngagementAt: number | null;
};

/**
 * Contact properties to request in the search for chooseContact.
 * - `createdate`: confirmed, a default contact property (hubspot-api.md §5.3, §10 response example).
 * - `notes_last_updated` ("Last Activity Date") and `hs_last_sales_activity_timestamp` ("Last
 *   Engagement Date"): NOT in hubspot-api.md; HubSpot's standard contact properties by these names
 *   as far as known, unconfirmed, and the simulator does not seed them. Asking for a property a portal
 *   lacks is harmless (it is left out of the answer), so both are requested and the later one counts.
 */
export const ENGAGEMENT_PROPERTIES = ['notes_last_updated', 'hs_last_sales_activity_timestamp', 'createdate'] as const;

const DAY_MS = 86_400_000;

/** HubSpot sends datetimes as ISO strings, some portals' older properties as epoch-ms strings. */
export function parseHubSpotTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** A search result's record as a Candidate, from the ENGAGEMENT_PROPERTIES it carries. */
export function candidateFromRecord(record: { id: string; properties: Record<string, string | null | undefined> }): Candidate {
  const engagements = [record.properties['notes_last_updated'], record.properties['hs_last_sales_activity_timestamp']]
    .map(parseHubSpotTime)
    .filter((ms): ms is number => ms !== null);
  return {
    id: record.id,
    createdAt: parseHubSpotTime(record.properties['createdate']),
    lastEngagementAt: engagements.length > 0 ? Math.max(...engagements) : null,
  };
}

function compareIds(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first; a record of unknown age after every dated one; then the lower id. */
function compareAge(a: Candidate, b: Candidate): number {
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === null) return 1;
    if (b.createdAt === null) return -1;
    return a.createdAt - b.createdAt;
  }
  return compareIds(a.id, b.id);
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function oldest(candidates: Candidate[]): Candidate {
  const [first] = [...candidates].sort(compareAge);
  if (first === undefined) throw new Error('chooseContact needs at least one candidate');
  return first;
}

function createdWords(candidate: Candidate): string {
  return candidate.createdAt === null ? 'creation date unknown, lowest id' : `created ${day(candidate.createdAt)}`;
}

/**
 * One candidate: no tie. Otherwise the most recent engagement within the last `engagementWithinDays`
 * days (0 switches that rule off) wins; when no one engaged in the window, the oldest record wins,
 * and when several share the most recent engagement, the oldest of those.
 */
export function chooseContact(
  candidates: Candidate[],
  options: { now: number; engagementWithinDays: number },
): { chosen: Candidate; tie: boolean; reason: string } {
  if (candidates.length === 0) throw new Error('chooseContact needs at least one candidate');
  if (candidates.length === 1) {
    const chosen = oldest(candidates);
    return { chosen, tie: false, reason: `1 HubSpot contact matches: ${chosen.id}` };
  }
  const intro = `${candidates.length} HubSpot contacts match; chose`;
  const since = options.now - options.engagementWithinDays * DAY_MS;
  const engaged = options.engagementWithinDays > 0
    ? candidates.filter((c): c is Candidate & { lastEngagementAt: number } => c.lastEngagementAt !== null && c.lastEngagementAt >= since)
    : [];

  if (engaged.length === 0) {
    const chosen = oldest(candidates);
    const why = options.engagementWithinDays > 0 ? `none engaged in the last ${options.engagementWithinDays} days` : 'engagement not considered';
    return { chosen, tie: true, reason: `${intro} ${chosen.id} (oldest record, ${createdWords(chosen)}; ${why})` };
  }
  const latest = Math.max(...engaged.map((c) => c.lastEngagementAt));
  const leaders = engaged.filter((c) => c.lastEngagementAt === latest);
  if (leaders.length === 1) {
    const chosen = oldest(leaders);
    return { chosen, tie: true, reason: `${intro} ${chosen.id} (most recent engagement, ${day(latest)})` };
  }
  const chosen = oldest(leaders);
  return {
    chosen,
    tie: true,
    reason: `${intro} ${chosen.id} (${leaders.length} share the most recent engagement, ${day(latest)}; oldest record of those, ${createdWords(chosen)})`,
  };
}
