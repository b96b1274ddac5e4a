// What Canvas Kit POSTs to the Inbox app. Sources: the official `intercom-client` types
// InitializeRequest.ts, SubmitRequest.ts, Context.ts, CurrentCanvas.ts (intercom/intercom-node,
// early 2025) and the reference's request objects,
// https://developers.intercom.com/docs/references/canvas-kit/requestobjects/current-canvas/.
// Initialize: workspace_id, workspace_region, the teammate (`admin`), card_creation_options, where
// the app is (`context`: location "conversation", conversation_id, locale), the `conversation`, and
// the `contact` the teammate is viewing in the details panel (one request per customer in a group
// conversation). Submit: the same (less card_creation_options) plus the clicked `component_id`,
// `input_values`, `current_canvas` and `user`. The app's stored_data comes back INSIDE
// current_canvas — "the current_canvas object mirrors the same format as the Canvas Object", whose
// stored_data is "returned in the next sent request"; no source puts it at the top level. The
// generated CurrentCanvas type wraps the canvas once more (current_canvas.current_canvas), so that
// spelling is read too. `customer` is the pre-2.0 name of the contact (Canvas Kit changelog v1.3,
// "we now send a customer object" instead of `users`); today's types have only `contact`, so
// `customer` is read only when `contact` is absent.
// Only the fields the app reads are checked; the rest passes through unread. Ids come as strings or
// numbers (conversation_id is a number in Intercom's own types), so both are taken, as strings.
import { z } from 'zod';

const Id = z.union([z.string().min(1), z.number()]).transform(String);
/** A field the app only shows or matches on: an unexpected shape reads as absent rather than refusing the request. */
const optionalText = () => z.string().nullish().catch(null);

const Admin = z.looseObject({ id: Id, name: optionalText(), email: optionalText() });

/** The conversation's customer, in the REST API's contact shape; what matching would read. */
const Contact = z.looseObject({
  id: Id,
  role: optionalText(),
  email: optionalText(),
  phone: optionalText(),
  name: optionalText(),
  external_id: optionalText(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish().catch(null),
});

const Context = z.looseObject({ location: optionalText(), conversation_id: Id.nullish(), locale: optionalText() });

// The REST API's conversation model (intercom-api.md): its assignee (whose mapped HubSpot owner
// gets the note and ticket) and its customers by id, the first of whom a push and a new ticket act on.
const ConversationContacts = z.looseObject({ contacts: z.array(z.looseObject({ id: Id })).catch([]) });
const Conversation = z.looseObject({
  id: Id,
  state: optionalText(),
  admin_assignee_id: Id.nullish().catch(null),
  contacts: ConversationContacts.nullish().catch(null),
});

const InitializeFields = {
  workspace_id: z.string().min(1),
  workspace_region: optionalText(),
  admin: Admin,
  context: Context.nullish(),
  conversation: Conversation.nullish(),
  contact: Contact.nullish(),
  customer: Contact.nullish(),
};

export const InitializeRequest = z.looseObject(InitializeFields);
export type InitializeRequest = z.infer<typeof InitializeRequest>;

/** What the app keeps in the canvas between requests (its own, echoed back by Intercom). */
const StoredData = z.looseObject({ conversationId: z.string().optional(), contactId: z.string().optional() });
type StoredData = z.infer<typeof StoredData>;

export const SubmitRequest = z.looseObject({
  ...InitializeFields,
  component_id: z.string().min(1),
  input_values: z.record(z.string(), z.unknown()).nullish(),
  current_canvas: z.unknown().optional(),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;

const CanvasWithData = z.looseObject({ stored_data: StoredData.optional().catch(undefined) });

/**
 * The stored_data the app left on the canvas the teammate saw: `current_canvas.stored_data`, or
 * `current_canvas.current_canvas.stored_data` as the generated SDK type nests it; {} when neither.
 */
export function storedDataOf(request: SubmitRequest): StoredData {
  const outer = CanvasWithData.safeParse(request.current_canvas);
  if (!outer.success) return {};
  if (outer.data.stored_data) return outer.data.stored_data;
  const inner = CanvasWithData.safeParse(outer.data['current_canvas']);
  return inner.success && inner.data.stored_data ? inner.data.stored_data : {};
}

/** The conversation the request is about: the context's id, else the conversation's, else what the canvas stored. */
export function conversationIdOf(request: InitializeRequest, stored?: StoredData): string | null {
  return request.context?.conversation_id ?? request.conversation?.id ?? stored?.conversationId ?? null;
}

export type CanvasContact = z.infer<typeof Contact>;

/** The customer the teammate is viewing: `contact`, else the older `customer`. */
export function contactOf(request: InitializeRequest): CanvasContact | null {
  return request.contact ?? request.customer ?? null;
}

/** A text input's value from a submit, trimmed; '' when absent. */
export function inputValue(request: SubmitRequest, id: string): string {
  const value = request.input_values?.[id];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

/** What the request says of the conversation beyond its id; nulls when it carries no conversation. */
export interface ConversationView {
  /** The assigned teammate's Intercom admin id. */
  assigneeId: string | null;
  /** The conversation's first customer: the contact a push and a new ticket act on (resolve-records.ts). */
  firstContactId: string | null;
}

export function conversationViewOf(request: InitializeRequest): ConversationView {
  return { assigneeId: request.conversation?.admin_assignee_id ?? null, firstContactId: request.conversation?.contacts?.contacts[0]?.id ?? null };
}
