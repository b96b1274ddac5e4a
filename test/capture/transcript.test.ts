// The note body a captured conversation becomes (DESIGN.md §1 "Content"): what a reader in
// HubSpot sees, that nothing a customer typed can run there, and that it fits hs_note_body.
import t from 'tap';
import { NOTE_BODY_LIMIT, renderTranscript, type TranscriptInput } from '../../src/capture/transcript.ts';
import type { IntercomConversation } from '../../src/integrations/intercom/conversations.ts';
import type { IntercomPart } from '../../src/integrations/intercom/schemas.ts';

// 2026-05-02 10:11:00 UTC: 12:11 in Berlin (CEST), 06:11 in New York (EDT).
const T0 = 1777716660;
const URL = 'https://app.intercom.com/a/inbox/ws1/inbox/conversation/123';

function part(id: number, overrides: Partial<IntercomPart> = {}): IntercomPart {
  return {
    id: `p${id}`,
    part_type: 'comment',
    body: `<p>message ${id}</p>`,
    created_at: T0 + id * 60,
    author: { type: 'admin', id: '7', name: 'Ana' },
    attachments: [],
    redacted: false,
    ...overrides,
  };
}

function conversation(overrides: Record<string, unknown> = {}, parts: IntercomPart[] = [part(1)]): IntercomConversation {
  const base = {
    type: 'conversation',
    id: '123',
    title: 'Invoice question',
    created_at: T0,
    updated_at: T0 + 3600,
    state: 'closed',
    open: false,
    priority: 'priority',
    admin_assignee_id: '7',
    team_assignee_id: '9',
    tags: { tags: [{ id: '1', name: 'billing' }, { id: '2', name: 'vip' }] },
    conversation_rating: { rating: 4, remark: 'Quick & kind <3' },
    source: {
      type: 'conversation',
      delivered_as: 'customer_initiated',
      subject: 'Subject from the email',
      body: '<p>Hello, my invoice is wrong</p>',
      author: { type: 'user', id: 'c1', name: 'Zoe', email: 'zoe@example.com' },
    },
    contacts: { contacts: [{ id: 'c1' }] },
    statistics: { last_close_at: T0 + 3600 },
    parts,
    partCount: parts.length,
    partsTruncated: false,
  };
  return { ...base, ...overrides } as IntercomConversation;
}

function input(overrides: Partial<TranscriptInput> = {}): TranscriptInput {
  return {
    conversation: conversation(),
    contacts: new Map([['c1', { name: 'Zoe Quinn', email: 'zoe@example.com' }]]),
    admins: new Map([
      ['7', { name: 'Ana Lopez', email: 'ana@support.example' }],
      ['8', { name: 'Ben Ode' }],
    ]),
    teams: new Map([['9', 'Billing']]),
    conversationUrl: URL,
    timeZone: 'Europe/Berlin',
    content: { includeInternalNotes: false, includeBotMessages: true, referenceNotesForParticipants: false },
    footer: { occasion: 'when the conversation closed', reference: 'ihz-1-123' },
    ...overrides,
  };
}

const VOID = new Set(['br', 'hr', 'img']);

/** Every opened element is closed in order: the note is never broken HTML. */
function balanced(html: string): boolean {
  const stack: string[] = [];
  for (const [, closing, name] of html.matchAll(/<(\/?)([a-z][a-z0-9]*)\b[^>]*>/gi)) {
    const tag = (name ?? '').toLowerCase();
    if (VOID.has(tag)) continue;
    if (!closing) stack.push(tag);
    else if (stack.pop() !== tag) return false;
  }
  return stack.length === 0;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

t.test('header: subject, link, participants, assignee, tags, rating, state, times', async (t) => {
  const parts = [part(1), part(2, { author: { type: 'admin', id: '8', name: 'Ben' } }), part(3, { author: { type: 'user', id: 'c1' }, body: '<p>thanks</p>' })];
  const { html } = renderTranscript(input({ conversation: conversation({}, parts) }));
  t.match(html, /<h3>Invoice question<\/h3>/);
  t.match(html, new RegExp(`<a href="${URL}" rel="noopener noreferrer" target="_blank">Open in Intercom</a>`));
  t.match(html, /Customer:<\/strong> Zoe Quinn \(zoe@example\.com\)/);
  t.match(html, /Teammates:<\/strong> Ana Lopez \(ana@support\.example\), Ben Ode</);
  t.match(html, /Assignee:<\/strong> Ana Lopez \(Team Billing\)/);
  t.match(html, /Tags:<\/strong> billing, vip/);
  t.match(html, /Rating:<\/strong> ★★★★☆ 4\/5 — “Quick &amp; kind &lt;3”/);
  t.match(html, /State:<\/strong> closed · priority/);
  t.match(html, /started 2026-05-02 12:11 CEST · last updated 2026-05-02 13:11 CEST · closed 2026-05-02 13:11 CEST/);
  t.notMatch(html, /Intercom returns only/, 'no cap sentence when nothing was capped');
});

t.test('subject falls back to the source subject, then to the id; no rating, no tags, open', async (t) => {
  const fromSource = renderTranscript(input({ conversation: conversation({ title: null }) })).html;
  t.match(fromSource, /<h3>Subject from the email<\/h3>/);
  const bare = conversation({ title: '', source: { ...conversation().source, subject: null }, conversation_rating: null, tags: { tags: [] }, state: 'open', open: true, priority: 'not_priority', admin_assignee_id: null, team_assignee_id: '0' });
  const html = renderTranscript(input({ conversation: bare })).html;
  t.match(html, /<h3>Intercom conversation 123<\/h3>/);
  t.notMatch(html, /Rating:|Tags:|closed 2026/);
  t.match(html, /State:<\/strong> open · not priority/);
  t.match(html, /Assignee:<\/strong> unassigned/);
});

t.test('the opening message comes first, then the parts in order, each with its role', async (t) => {
  const parts = [
    part(1, { author: { type: 'lead', id: 'l9', name: 'Lee Lead' }, body: '<p>lead says</p>' }),
    part(2, { body: '<p>admin says</p>' }),
    part(3, { author: { type: 'bot', id: 'b1', name: 'Fin' }, body: '<p>bot says</p>' }),
    part(4, { author: { type: 'operator', id: 'o1' }, body: '<p>operator says</p>' }),
    part(5, { author: { type: 'contact', id: 'c1' }, body: '<p>contact says</p>' }),
  ];
  const result = renderTranscript(input({ conversation: conversation({}, parts) }));
  const { html } = result;
  const order = ['Hello, my invoice', 'lead says', 'admin says', 'bot says', 'operator says', 'contact says'].map((text) => html.indexOf(text));
  t.same([...order].sort((a, b) => a - b), order, 'in conversation order');
  t.ok(order.every((index) => index > 0));
  t.match(html, /<strong>Zoe Quinn<\/strong> \(customer\) · 2026-05-02 12:11 CEST/, 'opening message: author from the contacts map, created_at');
  t.match(html, /<strong>Lee Lead<\/strong> \(customer\)/, 'a lead is a customer');
  t.match(html, /<strong>Ana Lopez<\/strong> \(teammate\) · 2026-05-02 12:13 CEST/);
  t.match(html, /<strong>Fin<\/strong> \(bot\)/);
  t.match(html, /<strong>Bot<\/strong> \(bot\)[^]*operator says/, 'an unknown author type is treated as a bot');
  t.match(html, /Customer:<\/strong> Zoe Quinn \(zoe@example\.com\), Lee Lead/, 'customers who wrote are participants');
  t.equal(result.partsShown, 6);
  t.equal(result.partsFiltered, 0);
});

t.test('internal notes: left out by default, marked when included', async (t) => {
  const parts = [
    part(1),
    part(2, { part_type: 'note', body: '<p>secret plan</p>', author: { type: 'admin', id: '8' } }),
    part(3, { part_type: 'note_and_reopen', body: '<p>reopening, see plan</p>', author: { type: 'admin', id: '8' } }),
  ];
  const without = renderTranscript(input({ conversation: conversation({}, parts) }));
  t.notMatch(without.html, /secret plan|see plan|Internal note/);
  t.notMatch(without.html, /Ben Ode/, 'a teammate seen only in a hidden note is not a participant');
  t.equal(without.partsFiltered, 2);
  t.equal(without.partsShown, 2);
  const content = { includeInternalNotes: true, includeBotMessages: true, referenceNotesForParticipants: false };
  const withNotes = renderTranscript(input({ conversation: conversation({}, parts), content }));
  t.match(withNotes.html, /<strong>Internal note<\/strong> · <strong>Ben Ode<\/strong> \(teammate\)[^]*<blockquote><p>secret plan<\/p><\/blockquote>/);
  t.match(withNotes.html, /<strong>Internal note<\/strong>[^\n]*<em>reopened the conversation<\/em>/, 'a note that reopens is still a note');
  t.equal(withNotes.partsFiltered, 0);
  t.equal(withNotes.partsShown, 4);
});

t.test('bot messages: shown by default, left out when switched off', async (t) => {
  const parts = [part(1, { author: { type: 'bot', id: 'b1', name: 'Fin' }, body: '<p>I am Fin</p>' }), part(2)];
  t.match(renderTranscript(input({ conversation: conversation({}, parts) })).html, /I am Fin/);
  const content = { includeInternalNotes: false, includeBotMessages: false, referenceNotesForParticipants: false };
  const result = renderTranscript(input({ conversation: conversation({}, parts), content }));
  t.notMatch(result.html, /I am Fin|\(bot\)/);
  t.equal(result.partsFiltered, 1);
  t.match(result.html, /message 2/);
});

t.test('events become a short line; other empty system parts are skipped and counted', async (t) => {
  const parts = [
    part(1, { part_type: 'assignment', body: null, assigned_to: { type: 'team', id: '9' } }),
    part(2, { part_type: 'conversation_attribute_updated_by_admin', body: null }),
    part(3, { part_type: 'comment', body: '<p></p>' }),
    part(4, { part_type: 'close', body: null, author: { type: 'admin', id: '8' } }),
    part(5, { part_type: 'close', body: '<p>Closing, thanks!</p>' }),
    part(6, { part_type: 'constructor', body: null }),
  ];
  const result = renderTranscript(input({ conversation: conversation({}, parts) }));
  t.match(result.html, /<em><strong>Ana Lopez<\/strong> \(teammate\) assigned it to Team Billing · 2026-05-02 12:12 CEST<\/em>/);
  t.match(result.html, /<strong>Ben Ode<\/strong> \(teammate\) closed the conversation/);
  t.match(result.html, /<em>closed the conversation<\/em><\/p>\n<div><p>Closing, thanks!<\/p><\/div>/, 'a close with a message is a message');
  t.notMatch(result.html, /Teammates:[^<]*Ben Ode/, 'an event line alone is not taking part');
  t.equal(result.partsShown, 4);
  t.equal(result.partsFiltered, 3, 'an unknown type, even one named like a prototype key, is skipped');
});

t.test('attachments are listed as links, never inline; a redacted part shows (redacted)', async (t) => {
  const parts = [
    part(1, {
      body: '<p>see attached</p>',
      attachments: [
        { type: 'upload', name: 'invoice <2026>.pdf', url: 'https://downloads.intercomcdn.com/i/o/1/invoice.pdf', content_type: 'application/pdf', filesize: 12_345 },
        { type: 'upload', name: 'evil', url: 'javascript:alert(1)', content_type: 'text/html', filesize: 10 },
      ],
    }),
    part(2, { body: '<p>card 4111 1111 1111 1111</p>', redacted: true, attachments: [{ name: 'card.png', url: 'https://x.example/card.png', content_type: 'image/png', filesize: 1 }] }),
    part(3, { body: '<p>only a file</p>'.replace('only a file', ''), attachments: [{ name: 'photo.jpg', url: 'https://x.example/p.jpg', content_type: 'image/jpeg', filesize: 2_500_000 }] }),
  ];
  const { html, partsShown } = renderTranscript(input({ conversation: conversation({}, parts) }));
  t.match(html, /<li>Attachment: <a href="https:\/\/downloads\.intercomcdn\.com\/i\/o\/1\/invoice\.pdf" rel="noopener noreferrer" target="_blank">invoice &lt;2026&gt;\.pdf<\/a> \(application\/pdf, 12\.1 KB\)<\/li>/);
  t.match(html, /<li>Attachment: evil \(text\/html, 10 B\)<\/li>/, 'an unsafe url is named, not linked');
  t.match(html, /photo\.jpg<\/a> \(image\/jpeg, 2\.4 MB\)/, 'a part with only an attachment is shown');
  t.notMatch(html, /<img/i);
  t.match(html, /<p><em>\(redacted\)<\/em><\/p>/);
  t.notMatch(html, /4111|card\.png/, 'nothing of a redacted part leaks');
  t.equal(partsShown, 4);
});

const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="https://cdn.example/pic.png" onload="alert(1)" alt="screenshot">',
  '<style>body{display:none}</style>',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="java&#x09;script:alert(1)">tab</a>',
  '<a href="data:text/html,<script>alert(1)</script>">data</a>',
  '<iframe src="https://evil.example">frame text</iframe>',
  '<object data="x.swf">object text</object>',
  '<svg onload=alert(1)><script>alert(1)</script></svg>',
  '<p style="color:red" onclick="alert(1)" class="x">styled</p>',
  '<div onmouseover="alert(1)">hover</div>',
  '</div></blockquote></ul>unbalanced<b>open',
  '<scr<script>ipt>alert(1)</script>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
];

/** The markup alone: escaped text may spell `onerror=`, which is harmless, so plain-text fields are checked here. */
const tagsOf = (html: string) => [...html.matchAll(/<[^>]*>/g)].map(([tag]) => tag).join('\n');

t.test('XSS corpus in bodies: nothing active survives, not even as text', async (t) => {
  const parts = XSS.map((body, i) => part(i + 1, { body }));
  const hostile = conversation({ source: { ...conversation().source, body: XSS.join('\n') } }, parts);
  const { html } = renderTranscript(input({ conversation: hostile }));
  t.notMatch(html, /<script/i);
  t.notMatch(html, /<style/i);
  t.notMatch(html, /<(iframe|object|svg|math|img)/i);
  t.notMatch(html, /\son\w+\s*=/i, 'no event handler attribute');
  t.notMatch(html, /style=/i);
  t.notMatch(html, /javascript:/i);
  t.notMatch(html, /href="(?!https?:|mailto:)/i, 'every link is http(s) or mailto');
  t.notMatch(html, /frame text|object text|display:none/, 'dropped elements take their text with them');
  t.same(html.match(/[a-z&;]{0,8}alert\(1\)/g), ['ipt&gt;alert(1)', 'ipt&gt;alert(1)'], 'no script text but the inert rest of a broken `<scr<script>ipt>`');
  t.match(html, /<a href="https:\/\/cdn\.example\/pic\.png" rel="noopener noreferrer" target="_blank">Image: screenshot<\/a>/, 'an image is kept as a link');
  t.match(html, /<span>Image<\/span>/, 'an image with an unsafe source is named, not linked');
  t.match(html, /<p>styled<\/p>/, 'formatting survives, attributes do not');
  t.match(html, /unbalanced<b>open<\/b>/, 'unclosed markup is closed inside its own part');
  t.ok(balanced(html), 'balanced HTML');
});

t.test('XSS corpus in plain-text fields: escaped, never markup', async (t) => {
  const evil = XSS.join('\n');
  const hostile = conversation({
    title: evil,
    tags: { tags: [{ id: '1', name: '<script>alert(1)</script>' }] },
    conversation_rating: { rating: 1, remark: '"><img src=x onerror=alert(1)>' },
    source: { ...conversation().source, author: { type: 'user', id: 'c9', name: '<img src=x onerror=alert(1)>', email: '"onmouseover="alert(1)' } },
  }, [part(1, { author: { type: 'admin', id: '99', name: evil }, attachments: [{ name: '<svg onload=alert(1)>', url: 'https://x.example/a', content_type: '"><script>', filesize: 1 }] })]);
  const footer = { occasion: '<script>javascript:alert(1) "x" onload=1', reference: "'" };
  const { html } = renderTranscript(input({ conversation: hostile, footer, contacts: new Map(), admins: new Map() }));
  const markup = tagsOf(html);
  t.notMatch(markup, /<(script|style|iframe|object|svg|math|img)/i);
  t.notMatch(markup, /\son\w+\s*=/i, 'no event handler attribute');
  t.notMatch(markup, /style=|javascript:/i);
  t.match(html, /<h3>&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the subject is escaped text');
  t.match(html, /&lt;img src=x onerror=alert\(1\)&gt; \(&quot;onmouseover=&quot;alert\(1\)\)/, 'a name and an email are escaped text');
  t.match(html, /ref &#39;<\/small>/);
  t.ok(balanced(html), 'balanced HTML');
});

t.test('RTL text and emoji (ZWJ sequences, surrogate pairs) come out intact', async (t) => {
  const samples = ['مرحبا، فاتورتي خاطئة', 'שלום, החשבונית שגויה', '👩‍👩‍👧‍👦 👍🏽 🏳️‍🌈 😀 𝒳', 'mixed עברית and العربية 🎉'];
  const parts = samples.map((text, i) => part(i + 1, { body: `<p>${text}</p>`, author: { type: 'user', id: 'c1' } }));
  const rtl = conversation({ title: samples[0], tags: { tags: [{ id: '1', name: samples[2] ?? '' }] } }, parts);
  const admins = new Map([['7', { name: 'نور 🌙' }]]);
  const { html } = renderTranscript(input({ conversation: rtl, admins }));
  for (const text of samples) t.ok(html.includes(text), `intact: ${text}`);
  t.ok(html.includes('نور 🌙'));
  t.notMatch(html, LONE_SURROGATE);
});

t.test("Intercom's 500-part cap is said near the top, with the count and the link", async (t) => {
  const parts = Array.from({ length: 500 }, (_, i) => part(i + 1));
  const capped = conversation({ partCount: 742, partsTruncated: true }, parts);
  const result = renderTranscript(input({ conversation: capped }));
  t.equal(result.cappedByIntercom, true);
  const sentence = /Intercom returns only the 500 most recent parts of a conversation; 242 older parts are not included — <a href="[^"]+"[^>]*>read the whole conversation in Intercom<\/a>/;
  t.match(result.html, sentence);
  t.ok(result.html.search(sentence) < result.html.indexOf('message 1<'), 'before the first message');
  t.match(result.html, /Hello, my invoice[^]*242 older parts are not included here[^]*message 1</, 'the gap is marked between the opening message and the parts');
  const unknownCount = renderTranscript(input({ conversation: conversation({ partCount: undefined, partsTruncated: true }, parts) }));
  t.match(unknownCount.html, /500 most recent parts of a conversation; older parts are not included/);
});

t.test('a 600-part conversation is cut at a part boundary under the limit', async (t) => {
  const long = 'Lorem ipsum dolor sit amet, 👩‍👩‍👧‍👦 consectetur adipiscing elit. '.repeat(4);
  const parts = Array.from({ length: 600 }, (_, i) => part(i + 1, { body: `<p>start-${i + 1} ${long} end-${i + 1}</p>` }));
  const big = conversation({ partCount: 600 }, parts);
  const result = renderTranscript(input({ conversation: big }));
  const { html } = result;
  t.ok(html.length <= NOTE_BODY_LIMIT, `${html.length} ≤ ${NOTE_BODY_LIMIT}`);
  t.ok(html.length > NOTE_BODY_LIMIT - 2_000, 'the room is used');
  t.ok(result.partsCutForSize > 0);
  t.equal(result.partsShown + result.partsCutForSize + result.partsFiltered, 601, 'every part accounted for (the opening message counts as one)');
  const last = result.partsShown - 1;
  t.ok(html.includes(`start-${last} `) && html.includes(` end-${last}</p></div>`), 'the last kept part is whole');
  t.notOk(html.includes(`start-${last + 1} `), 'the next part is not there at all');
  const cutLine = new RegExp(`Transcript cut at HubSpot's note size limit: ${result.partsCutForSize} more messages — <a href="${URL}"[^>]*>read the rest in Intercom</a>`);
  t.match(html, cutLine);
  t.match(html, /<h3>Invoice question<\/h3>/, 'header kept');
  t.match(html, /<small>Captured by Interhubz when the conversation closed · ref ihz-1-123<\/small><\/p>$/, 'footer last');
  t.ok(html.search(cutLine) < html.indexOf('Captured by Interhubz'));
  t.ok(balanced(html));
  t.notMatch(html, LONE_SURROGATE);
});

t.test('tight limits: never over, never a split character, compact header when the full one has no room', async (t) => {
  const emoji = '😀'.repeat(300);
  const parts = Array.from({ length: 30 }, (_, i) => part(i + 1, { body: `<p>${emoji}</p>` }));
  for (const maxChars of [1_500, 2_000, 2_001, 2_002, 3_333, 5_000]) {
    const result = renderTranscript(input({ conversation: conversation({}, parts), maxChars }));
    t.ok(result.html.length <= maxChars, `${result.html.length} ≤ ${maxChars}`);
    t.notMatch(result.html, LONE_SURROGATE);
    t.ok(balanced(result.html));
    t.equal(result.partsShown + result.partsCutForSize, 31);
  }
  const tags = Array.from({ length: 200 }, (_, i) => ({ id: String(i), name: `${'🏷️'.repeat(40)}${i}` }));
  const crowded = renderTranscript(input({ conversation: conversation({ tags: { tags }, title: '🎉'.repeat(1_000) }, parts), maxChars: 1_500 }));
  t.ok(crowded.html.length <= 1_500);
  t.notMatch(crowded.html, /Tags:/, 'the compact header leaves the long lists out');
  t.match(crowded.html, /Open in Intercom/);
  t.notMatch(crowded.html, LONE_SURROGATE, 'a clipped subject ends on a whole character');
  t.throws(() => renderTranscript(input({ maxChars: 100 })), RangeError);
});

t.test('timestamps are shown in the connection time zone', async (t) => {
  const berlin = renderTranscript(input({ timeZone: 'Europe/Berlin' })).html;
  const newYork = renderTranscript(input({ timeZone: 'America/New_York' })).html;
  t.match(berlin, /<strong>Zoe Quinn<\/strong> \(customer\) · 2026-05-02 12:11 CEST/);
  t.match(newYork, /<strong>Zoe Quinn<\/strong> \(customer\) · 2026-05-02 06:11 EDT/);
  const winter = conversation({ created_at: 1767225600 }); // 2026-01-01 00:00 UTC
  t.match(renderTranscript(input({ conversation: winter, timeZone: 'Europe/Berlin' })).html, /started 2026-01-01 01:00 CET/);
  t.match(renderTranscript(input({ conversation: winter, timeZone: 'America/New_York' })).html, /started 2025-12-31 19:00 EST/);
  t.match(renderTranscript(input({ timeZone: 'Asia/Kolkata' })).html, /started 2026-05-02 15:41 GMT\+5:30/);
  t.match(renderTranscript(input({ timeZone: 'UTC' })).html, /started 2026-05-02 10:11 UTC/);
});

t.test('deterministic: the same input renders the same note', async (t) => {
  const parts = Array.from({ length: 50 }, (_, i) => part(i + 1, { body: `<p>${i} 👍</p>` }));
  const a = renderTranscript(input({ conversation: conversation({}, parts), maxChars: 6_000 }));
  const b = renderTranscript(input({ conversation: conversation({}, parts), maxChars: 6_000 }));
  t.same(a, b);
  t.equal(a.html, b.html);
});

t.test('the footer speaks to a sales rep: what captured the note and when, and the reference; no settings', async (t) => {
  const { html } = renderTranscript(input());
  t.match(html, /<hr>\n<p><small>Captured by Interhubz when the conversation closed · ref ihz-1-123<\/small><\/p>$/);
  t.notMatch(html, /mode:|guards:|note policy:/, 'the settings are in the activity entry, not in the note');
  const pushed = renderTranscript(input({ footer: { occasion: 'when the conversation was pushed through the Interhubz API', reference: 'ihz-1-123' } }));
  t.match(pushed.html, /Captured by Interhubz when the conversation was pushed through the Interhubz API · ref ihz-1-123<\/small>/);
  const bare = renderTranscript(input({ footer: { occasion: null, reference: 'ihz-1-123' } }));
  t.match(bare.html, /<small>Captured by Interhubz · ref ihz-1-123<\/small>/);
});
