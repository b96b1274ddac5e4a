// What the daemon relies on in Intercom's 2.14 responses (S14 = specs/intercom/api.intercom.io.2.14.yaml;
// intercom-api.md §3–4). Objects are loose (unknown keys pass through, later versions add fields) and
// vendor enums are plain strings: a new `part_type` or `author.type` must never crash a sync
// (§3.3: "`part_type` is an open string … unknown values must not crash").
import { z } from 'zod';

/** Ids arrive as strings, but some as integers (`admin_assignee_id`, §3.2): normalise to string. */
const Id = z.union([z.string(), z.number()]).transform(String);
const Text = z.string().nullish();
const Unix = z.number().nullish();

export const Admin = z.looseObject({
  type: z.string().optional(),
  id: Id,
  name: Text,
  email: Text,
  away_mode_enabled: z.boolean().nullish(),
  has_inbox_seat: z.boolean().nullish(),
  team_ids: z.array(Id).nullish(),
});

export const AdminList = z.looseObject({ admins: z.array(Admin) });

/** GET /me, S14 `admin_with_app` (§1.5): `app.id_code` is the workspace id. */
export const Me = z.looseObject({
  type: z.string().optional(),
  id: Id,
  name: Text,
  email: Text,
  app: z.looseObject({ id_code: z.string(), name: Text, region: Text, timezone: Text }),
});

/** Part or source author: `admin`, `user`, `lead`, `bot`, `team` observed, more possible (§3.3). */
const Author = z.looseObject({ type: z.string(), id: Id.nullish(), name: Text, email: Text });

const Attachment = z.looseObject({ type: z.string().optional(), name: Text, url: Text, content_type: Text, filesize: z.number().nullish() });

const Part = z.looseObject({
  type: z.string().optional(),
  id: Id,
  part_type: z.string(),
  body: Text,
  created_at: z.number(),
  updated_at: Unix,
  author: Author,
  attachments: z.array(Attachment).nullish(),
  assigned_to: z.looseObject({ type: z.string(), id: Id.nullish() }).nullish(),
  redacted: z.boolean().nullish(),
});
export type IntercomPart = z.infer<typeof Part>;

export const Conversation = z.looseObject({
  type: z.string().optional(),
  id: Id,
  title: Text,
  created_at: z.number(),
  updated_at: z.number(),
  state: z.string().nullish(),
  open: z.boolean().nullish(),
  waiting_since: Unix,
  admin_assignee_id: Id.nullish(),
  team_assignee_id: Id.nullish(),
  source: z
    .looseObject({ type: z.string().nullish(), id: Id.nullish(), delivered_as: Text, subject: Text, body: Text, author: Author.nullish(), url: Text })
    .nullish(),
  contacts: z.looseObject({ contacts: z.array(z.looseObject({ id: Id, external_id: Text })) }).nullish(),
  // The wire key is `admins`, not the schema's `teammates` (intercom-api.md §2.5).
  teammates: z.looseObject({ admins: z.array(z.looseObject({ id: Id })).nullish() }).nullish(),
  snoozed_until: Unix,
  /** `priority` or `not_priority` (S14 conversation.priority). */
  priority: Text,
  tags: z.looseObject({ tags: z.array(z.looseObject({ id: Id, name: z.string() })).nullish() }).nullish(),
  conversation_rating: z.looseObject({ rating: z.number().nullish(), remark: Text, created_at: Unix }).nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  ai_agent_participated: z.boolean().nullish(),
  statistics: z
    .looseObject({
      count_conversation_parts: z.number().nullish(),
      first_contact_reply_at: Unix,
      last_contact_reply_at: Unix,
      last_admin_reply_at: Unix,
      first_close_at: Unix,
      last_close_at: Unix,
      last_closed_by_id: Id.nullish(),
      count_reopens: z.number().nullish(),
    })
    .nullish(),
  conversation_parts: z.looseObject({ conversation_parts: z.array(Part), total_count: z.number().nullish() }).nullish(),
});
export type IntercomConversationRaw = z.infer<typeof Conversation>;

/** Cursor pages (D-pag, §3.5). `per_page` sometimes comes as a string, so it is not relied on. */
const CursorPages = z
  .looseObject({
    next: z.union([z.looseObject({ starting_after: z.string().nullish() }), z.string(), z.null()]).optional(),
    page: z.number().nullish(),
    total_pages: z.number().nullish(),
  })
  .nullish();

export const ConversationList = z.looseObject({ conversations: z.array(Conversation), pages: CursorPages, total_count: z.number().nullish() });

export const Contact = z.looseObject({
  type: z.string().optional(),
  id: z.string(),
  workspace_id: Text,
  external_id: Text,
  /** "user" or "lead" today (§4.1); kept open. */
  role: z.string(),
  email: Text,
  phone: Text,
  name: Text,
  created_at: Unix,
  updated_at: Unix,
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  companies: z.looseObject({ data: z.array(z.looseObject({ id: z.string() })).nullish(), has_more: z.boolean().nullish() }).nullish(),
});
export type IntercomContact = z.infer<typeof Contact>;

export const ContactList = z.looseObject({ data: z.array(Contact), pages: CursorPages, total_count: z.number().nullish() });

export const Company = z.looseObject({
  type: z.string().optional(),
  id: z.string(),
  company_id: Text,
  name: Text,
  website: Text,
  industry: Text,
  size: z.number().nullish(),
  // Typed integer in S14, float as a data attribute (§4.3): any number.
  monthly_spend: z.number().nullish(),
  user_count: z.number().nullish(),
  created_at: Unix,
  updated_at: Unix,
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
});
export type IntercomCompany = z.infer<typeof Company>;

/** Offset pages: `pages.next` is a URL or null (§4.3); scroll answers `pages: null` + `scroll_param`. */
export const CompanyList = z.looseObject({
  data: z.array(Company),
  pages: z.looseObject({ page: z.number().nullish(), total_pages: z.number().nullish(), next: z.string().nullish() }).nullish(),
  total_count: z.number().nullish(),
  scroll_param: z.string().nullish(),
});
