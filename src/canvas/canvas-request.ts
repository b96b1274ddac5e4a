// What Canvas Kit POSTs to the Inbox app (developers.intercom.com/docs/canvas-kit, "Requests &
// Responses"; the Inbox initialize request as Intercom staff showed it on community.intercom.com,
// "How do I get the context/lead information in my custom Intercom app"): the workspace, the
// teammate (`admin`), where the app is (`context`: location "conversation", conversation_id,
// locale), the `conversation`, its `contact` (also sent as `customer`). A submit adds the clicked
// `component_id`, the canvas's `input_values`, `current_canvas` and the `stored_data` the app left.
// Only the fields the app reads are checked; the rest passes through unread. Ids come as strings or
// numbers (conversation_id is a number in Intercom's own example), so both are taken, as strings.
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

const Conversation = z.looseObject({ id: Id, state: optionalText() });

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
export const StoredData = z.looseObject({ conversationId: z.string().optional(), contactId: z.string().optional() });

export const SubmitRequest = z.looseObject({
  ...InitializeFields,
  component_id: z.string().min(1),
  input_values: z.record(z.string(), z.unknown()).nullish(),
  current_canvas: z.unknown().optional(),
  stored_data: z.unknown().optional(),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;

/** The conversation the request is about: the context's id, else the conversation's, else what the canvas stored. */
export function conversationIdOf(request: InitializeRequest, stored?: z.infer<typeof StoredData>): string | null {
  return request.context?.conversation_id ?? request.conversation?.id ?? stored?.conversationId ?? null;
}

export type CanvasContact = z.infer<typeof Contact>;

/** The conversation's customer: `contact`, else `customer` (the Inbox request carries both). */
export function contactOf(request: InitializeRequest): CanvasContact | null {
  return request.contact ?? request.customer ?? null;
}

/** A text input's value from a submit, trimmed; '' when absent. */
export function inputValue(request: SubmitRequest, id: string): string {
  const value = request.input_values?.[id];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}
