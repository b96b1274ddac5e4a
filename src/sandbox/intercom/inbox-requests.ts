// The bodies Intercom POSTs to an Inbox app (Canvas Kit, conversation details), built from the
// simulator's own records, and their signature. Pure: the transport is inbox-app.ts.
//
// Fields: Canvas Kit's request objects, https://developers.intercom.com/docs/references/canvas-kit/requestobjects/
// and the official `intercom-client` types InitializeRequest.ts, SubmitRequest.ts, Context.ts
// (intercom/intercom-node, March 2025), which the simulator sends exactly, no more: initialize
// carries workspace_id, workspace_region, admin, card_creation_options, context, conversation,
// contact; submit carries workspace_id, workspace_region, admin, component_id, context,
// conversation, current_canvas, contact, input_values, user. The teammate viewing the conversation
// is `admin`; the customer shown in the details panel is `contact` (one request per customer in a
// group conversation). `customer` was that object's name before (changelog v1.3) and is no longer
// sent. The app's stored_data comes back only inside current_canvas (a Canvas Object,
// requestobjects/current-canvas). SubmitRequest.ts types `user` as a Contact, "the user who took the
// action"; in the Inbox the only contact of the request is the one viewed, so that is what it carries.
// Signature: Intercom's support engineers on its community forum,
// https://community.intercom.com/api-webhooks-23/how-do-i-authenticate-a-request-e-g-initialize-request-coming-from-a-canvas-kit-app-on-our-back-end-2258
// and https://community.intercom.com/apps-integrations-25/how-to-set-up-auth-for-messenger-app-lifecycle-flow-6342:
// header X-Body-Signature = hex HMAC-SHA256 (RFC 2104) of the JSON request body, keyed by the app's
// OAuth client_secret (Developer Hub → Basic Info).
import { createHmac } from 'node:crypto';
import type { CanvasObject } from './canvas-schema.ts';
import type { SimState } from './state.ts';
import type { Admin, Contact, Conversation, Workspace } from './types.ts';
import { conversationWire } from './wire/conversation.ts';
import { adminWire, contactWire } from './wire/people.ts';

export const SIGNATURE_HEADER = 'x-body-signature';

/** Hex HMAC-SHA256 of the exact bytes sent, keyed by the app's client secret. */
export function signCanvasBody(clientSecret: string, body: string): string {
  return createHmac('sha256', clientSecret).update(body, 'utf8').digest('hex');
}

export interface InboxView {
  workspace: Workspace;
  admin: Admin;
  conversation: Conversation;
  contact: Contact;
  /** The teammate's Inbox language (Context.locale). */
  locale: string;
}

// Context.conversation_id is a number in the reference; the REST API spells the same id as a string.
const conversationIdNumber = (id: string): number | string => (/^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id);

function common(state: SimState, view: InboxView) {
  const contact = contactWire(state, view.contact);
  return {
    workspace_id: view.workspace.id,
    workspace_region: view.workspace.region,
    admin: adminWire(view.admin),
    context: { location: 'conversation', conversation_id: conversationIdNumber(view.conversation.id), locale: view.locale },
    conversation: conversationWire(state, view.conversation, { parts: { kind: 'recent' } }),
    contact,
  };
}

/** A teammate opens the conversation with the app in its details (or switches to it). */
export function initializeRequest(state: SimState, view: InboxView): Record<string, unknown> {
  // Key-value pairs from a Configure step; an app added to conversation details has none.
  return { ...common(state, view), card_creation_options: {} };
}

export interface SubmitInput {
  componentId: string;
  /** The values of every interactive component on the canvas, by component id. */
  inputValues: Record<string, unknown>;
  /** The canvas the teammate saw, stored_data included: it comes back to the app this way. */
  currentCanvas: CanvasObject;
}

/** A teammate clicks a component whose action is `submit`. */
export function submitRequest(state: SimState, view: InboxView, input: SubmitInput): Record<string, unknown> {
  const base = common(state, view);
  return {
    ...base,
    component_id: input.componentId,
    input_values: input.inputValues,
    current_canvas: input.currentCanvas,
    user: base.contact,
  };
}
