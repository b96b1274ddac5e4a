// The sandbox's demonstration (issue #7 item 11): a support conversation acted out in the simulated
// Intercom, and a view of what the simulated HubSpot portal holds, so a newcomer sees a close turn
// into a note without any account. Drives the simulators' in-process control API only.
import { escapeHtml } from '../capture/sanitize-html.ts';
import type { MountedSandbox } from '../sandbox-mount/mounted-sandbox.ts';

const SECOND = 1000;
const TEAMMATE = { name: 'Sam from Support', email: 'sam@interhubz-sandbox.example' };
// The teammate's HubSpot owner: the same email, so the user mapping pairs them by itself
// (src/owners/resolve-owners.ts, "then the same email") and the demo's notes show an owner.
const TEAMMATE_OWNER = { email: TEAMMATE.email, firstName: 'Sam', lastName: 'from Support' };

const FIRST_NAMES = ['Jane', 'Omar', 'Lucía', 'Priya', 'Tom', 'Mei', 'Jonas', 'Amara', 'Noah', 'Elif', 'Mateo', 'Sofia'];
const LAST_NAMES = ['Doe', 'Haddad', 'Fernández', 'Raman', 'Becker', 'Chen', 'Lindqvist', 'Okafor', 'Walsh', 'Yilmaz', 'Rossi', 'Novak'];
// `.example` is reserved (RFC 2606): realistic addresses that can never reach a real mailbox.
const COMPANIES = [
  { name: 'Northwind Coffee', website: 'https://www.northwind-coffee.example' },
  { name: 'Brightfield Labs', website: 'https://brightfield-labs.example' },
  { name: 'Kestrel Logistics', website: 'https://www.kestrel-logistics.example' },
  { name: 'Harbor & Pine Studio', website: 'https://harborandpine.example' },
  { name: 'Meridian Health', website: 'https://www.meridian-health.example' },
  { name: 'Bluebird Bikes', website: 'https://bluebird-bikes.example' },
  { name: 'Quartz Analytics', website: 'https://www.quartz-analytics.example' },
];

type Line = { from: 'customer' | 'teammate'; text: string };

/** Customer first, then turns; 3–4 messages each way, so the default noise guards let it through. */
const SCRIPTS: Array<{ subject: string; lines: Line[] }> = [
  {
    subject: 'Invoice shows the wrong amount',
    lines: [
      { from: 'customer', text: 'Hi! Our March invoice says 12 seats, but we only have 9 people on the account.' },
      { from: 'teammate', text: 'Thanks for flagging this! Let me look at your subscription history.' },
      { from: 'customer', text: 'Sure. We removed three seats in mid-February, if that helps.' },
      { from: 'teammate', text: 'Found it: the removal was scheduled for the next cycle instead of right away. I have corrected it.' },
      { from: 'customer', text: 'Great, will we get a new invoice?' },
      { from: 'teammate', text: 'Yes, a corrected invoice for 9 seats is on its way, and the difference is credited to your next bill.' },
      { from: 'customer', text: 'Perfect, thank you for the quick help!' },
    ],
  },
  {
    subject: 'CSV export stops halfway',
    lines: [
      { from: 'customer', text: 'Hello, when I export all orders to CSV the download stops at about 40%.' },
      { from: 'teammate', text: 'Sorry about that! Roughly how many orders are in the export?' },
      { from: 'customer', text: 'Around 60,000, going back to 2021.' },
      { from: 'teammate', text: 'Exports that large run in the background: use "Export → Email me the file" and it arrives within a few minutes.' },
      { from: 'customer', text: 'Just tried it and the file arrived. All rows are there.' },
      { from: 'teammate', text: 'Glad it worked. I have also passed the stalled download on to our engineers.' },
      { from: 'customer', text: 'Thanks, that is all for now.' },
      { from: 'teammate', text: 'Have a good day!' },
    ],
  },
  {
    subject: 'Setting up single sign-on',
    lines: [
      { from: 'customer', text: 'We want to switch our team to single sign-on with Okta. Where do we start?' },
      { from: 'teammate', text: 'Happy to help! SSO is under Settings → Security. Are you on the Business plan?' },
      { from: 'customer', text: 'Yes, Business since January.' },
      { from: 'teammate', text: 'Then you are all set: add our app from the Okta catalogue and paste the metadata URL shown on that page.' },
      { from: 'customer', text: 'Done. Do existing users need to do anything?' },
      { from: 'teammate', text: 'They sign in with Okta from now on; their data and settings stay as they are.' },
      { from: 'customer', text: 'Excellent, thanks a lot!' },
    ],
  },
  {
    subject: 'Cannot add a new teammate',
    lines: [
      { from: 'customer', text: 'I am trying to invite a new colleague but the invite button is greyed out.' },
      { from: 'teammate', text: 'Let me check. Is your own role Admin or Member?' },
      { from: 'customer', text: 'Member, I think. My manager set up the account.' },
      { from: 'teammate', text: 'That explains it: only Admins can invite. I can ask your account owner to raise your role, if you like.' },
      { from: 'customer', text: 'Yes please, that would save us some back and forth.' },
      { from: 'teammate', text: 'Done: your account owner has the request. You will get an email once it is approved.' },
      { from: 'customer', text: 'Thank you!' },
    ],
  },
];

/** Seconds between one message and the next (the last gap ends at the close): a few minutes in all. */
const GAPS_SECONDS = [50, 70, 45, 80, 40, 55, 35, 30];

/**
 * The demo's teammate in the simulated Intercom workspace and an owner with the same email in the
 * simulated HubSpot portal, each made once. Returns the teammate's admin id.
 */
export function ensureDemoTeammate(sandbox: MountedSandbox, workspaceId: string, hubId: number): string {
  const { control } = sandbox.intercom;
  const teammate = control.records(workspaceId).admins.find((admin) => admin.name === TEAMMATE.name) ?? control.admins.create(workspaceId, TEAMMATE);
  const owners = sandbox.hubspot.state.portals.get(hubId)?.owners.values() ?? [];
  if (![...owners].some((owner) => owner.email.toLowerCase() === TEAMMATE.email)) sandbox.hubspot.control.addOwner({ ...TEAMMATE_OWNER, hubId });
  return String(teammate.id);
}

export interface SimulatedConversation {
  conversationId: string;
  customer: { name: string; email: string };
  company: { name: string };
  /** When the simulated Intercom closed it (ms): now, by its clock. */
  closedAt: number;
}

const html = (text: string) => `<p>${escapeHtml(text)}</p>`;

/**
 * A new customer of a company with a website writes in, a teammate answers over a few minutes, and
 * closes it. The messages must lie in the past and the close at now: a close in the future would
 * push the grace window out with it. So the simulator's clock is moved back by the conversation's
 * length and forward again message by message, ending where it started. All of it runs
 * synchronously, so nothing else reads the simulator while its clock is moved.
 */
export function simulateConversation(sandbox: MountedSandbox, workspaceId: string, hubId: number): SimulatedConversation {
  const { control } = sandbox.intercom;
  const existing = control.records(workspaceId);
  const n = existing.contacts.length;
  const pick = <T>(list: readonly T[], index: number): T => list[index % list.length] as T;
  const first = pick(FIRST_NAMES, n);
  // Steps coprime with the list lengths, so names and companies combine differently call after call.
  const last = pick(LAST_NAMES, n * 5 + 2);
  const companySeed = pick(COMPANIES, n * 3);
  const script = pick(SCRIPTS, n);

  const teammateId = ensureDemoTeammate(sandbox, workspaceId, hubId);
  const company = existing.companies.find((c) => c.name === companySeed.name) ?? control.companies.create(workspaceId, companySeed);
  const domain = new URL(companySeed.website).hostname.replace(/^www\./, '');
  const local = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
  const taken = new Set(existing.contacts.map((c) => (c as Record<string, unknown>)['email']));
  const email = taken.has(`${local}@${domain}`) ? `${local}${n}@${domain}` : `${local}@${domain}`;
  const name = `${first} ${last}`;
  const contactId = String(control.contacts.create(workspaceId, { role: 'user', name, email, companyIds: [String(company.id)] }).id);

  const gaps = GAPS_SECONDS.slice(0, script.lines.length).map((seconds) => seconds * SECOND);
  const span = gaps.reduce((sum, gap) => sum + gap, 0);
  control.clock.advance(-span);
  const [opening, ...rest] = script.lines;
  const conversationId = String(control.actAsCustomer.startConversation({ contactId, subject: script.subject, body: html(opening?.text ?? '') }).id);
  // The teammate takes the conversation, as in an inbox: the assignee is whose owner the note gets.
  control.actAsAdmin.assign({ conversationId, adminId: teammateId, assigneeId: teammateId });
  rest.forEach((line, index) => {
    control.clock.advance(gaps[index] ?? 0);
    if (line.from === 'customer') control.actAsCustomer.reply({ conversationId, contactId, body: html(line.text) });
    else control.actAsAdmin.reply({ conversationId, adminId: teammateId, body: html(line.text) });
  });
  control.clock.advance(gaps[rest.length] ?? 0);
  control.actAsAdmin.close({ conversationId, adminId: teammateId });
  // Intercom's times are whole seconds; the grace window counts from the close's second.
  const closedAt = Math.floor(control.clock.now() / SECOND) * SECOND;
  return { conversationId, customer: { name, email }, company: { name: companySeed.name }, closedAt };
}

export interface SandboxPortalView {
  contacts: Array<{ id: string; name: string; email: string | null }>;
  companies: Array<{ id: string; name: string; domain: string | null }>;
  notes: Array<{ id: string; timestamp: string | null; contactIds: string[]; companyIds: string[]; owner: string | null; bodyHtml: string }>;
  totals: { contacts: number; companies: number; notes: number };
}

/** Records shown per kind: enough to see the latest captures; the portal itself keeps them all. */
const SHOWN_PER_KIND = 50;

/** Newest first by creation; ids break ties, since several records are often made in one millisecond. */
const newestFirst = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) =>
  b.createdAt.localeCompare(a.createdAt) || Number(b.id) - Number(a.id);

/** What the simulated portal holds now, read from its memory (nothing of it is stored here). */
export function sandboxPortal(sandbox: MountedSandbox, hubId: number): SandboxPortalView {
  const { control } = sandbox.hubspot;
  const contacts = control.records({ hubId, objectType: 'contacts' }).sort(newestFirst);
  const companies = control.records({ hubId, objectType: 'companies' }).sort(newestFirst);
  const notes = control.records({ hubId, objectType: 'notes' });
  const noteTime = (note: (typeof notes)[number]) => note.properties['hs_timestamp'] ?? note.createdAt;
  notes.sort((a, b) => noteTime(b).localeCompare(noteTime(a)) || newestFirst(a, b));
  const prop = (record: { properties: Record<string, string> }, key: string) => record.properties[key] || null;
  const owners = sandbox.hubspot.state.portals.get(hubId)?.owners;
  const ownerName = (id: string | null) => {
    const owner = id === null ? undefined : owners?.get(id);
    return owner ? [owner.firstName, owner.lastName].filter(Boolean).join(' ') || owner.email : id;
  };
  return {
    contacts: contacts.slice(0, SHOWN_PER_KIND).map((c) => ({
      id: c.id,
      name: [prop(c, 'firstname'), prop(c, 'lastname')].filter(Boolean).join(' ') || prop(c, 'email') || `Contact ${c.id}`,
      email: prop(c, 'email'),
    })),
    companies: companies.slice(0, SHOWN_PER_KIND).map((c) => ({ id: c.id, name: prop(c, 'name') ?? prop(c, 'domain') ?? `Company ${c.id}`, domain: prop(c, 'domain') })),
    notes: notes.slice(0, SHOWN_PER_KIND).map((note) => ({
      id: note.id,
      timestamp: prop(note, 'hs_timestamp'),
      contactIds: (note.associations['contacts'] ?? []).map((a) => a.id),
      companyIds: (note.associations['companies'] ?? []).map((a) => a.id),
      owner: ownerName(prop(note, 'hubspot_owner_id')),
      bodyHtml: note.properties['hs_note_body'] ?? '',
    })),
    totals: { contacts: contacts.length, companies: companies.length, notes: notes.length },
  };
}
