// The simulated Inbox plays an app's Canvas Kit card in a conversation's details, as Intercom does:
// a teammate opening the conversation sends a signed initialize request to the app's initialize URL,
// a click on a component whose action is `submit` sends a signed submit request to its submit URL,
// and the answer is checked against Canvas Kit's schema (canvas-schema.ts) before it is "shown".
// What is shown is kept per app, conversation, teammate and customer, so the next click carries the
// canvas the teammate saw (current_canvas, with its stored_data), as Intercom's does.
import type { CanvasObject as CanvasObjectType } from './canvas-schema.ts';
import { CanvasObject, checkCanvasResponse, INPUT_COMPONENT_TYPES } from './canvas-schema.ts';
import { ControlError } from './control-inbox.ts';
import type { SimCore } from './core.ts';
import { initializeRequest, SIGNATURE_HEADER, signCanvasBody, submitRequest, type InboxView } from './inbox-requests.ts';

export interface InboxAppConfig {
  initializeUrl: string;
  submitUrl: string;
  /** Signs the requests. Defaults to the client secret of `appId`'s app (Intercom signs with it). */
  clientSecret?: string | undefined;
  /** The workspace it is installed in; defaults to the first one. */
  workspaceId?: string | undefined;
  /** The Developer Hub app whose Canvas Kit card this is; installing again for the same app replaces it. */
  appId?: string | undefined;
}

export interface InboxAppView {
  /** The app's id, or a name of its own when it was installed without one. */
  key: string;
  workspaceId: string;
  initializeUrl: string;
  submitUrl: string;
}

/** What the teammate sees: the canvas when the app's answer is one the Inbox shows, else the reasons it is not. */
export interface InboxAnswer {
  /** The app's HTTP status; null when it could not be reached or did not answer in time. */
  status: number | null;
  canvas: CanvasObjectType | null;
  /** Plain sentences; empty when the canvas is shown. */
  problems: string[];
}

export interface OpenInboxInput {
  conversationId: string;
  /** The teammate; defaults to the conversation's assigned admin, else the workspace owner. */
  adminId?: string | undefined;
  /** The customer in the details panel; defaults to the conversation's first contact. */
  contactId?: string | undefined;
  /** Which installed app; defaults to the one installed last in the conversation's workspace. */
  appId?: string | undefined;
  locale?: string | undefined;
}

export interface ClickInboxInput extends OpenInboxInput {
  componentId: string;
  /** What the teammate entered, by component id; untouched components keep the canvas's values. */
  inputValues?: Record<string, string | string[]> | undefined;
  /** Defaults to the canvas last shown for this conversation, teammate and customer. */
  currentCanvas?: CanvasObjectType | undefined;
  /** Replaces the current canvas's stored_data, when given. */
  storedData?: Record<string, unknown> | undefined;
}

interface Installed {
  key: string;
  workspaceId: string;
  initializeUrl: string;
  submitUrl: string;
  clientSecret: string;
  installedAt: number;
}

export interface InboxAppOptions {
  /** How long the Inbox waits for the app before showing an error instead of its card. */
  timeoutMs?: number;
}

// Intercom does not document its Canvas Kit timeout; it shows an error when an app is slow. 10 s
// keeps a stalled app from hanging a test while leaving a slow one room to be measured elsewhere.
const DEFAULT_TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 300;

const checkUrl = (url: string, which: string) => {
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) throw new ControlError(400, `${which} must be an http(s) URL`);
  return url;
};

export function createInboxApps(core: SimCore, options: InboxAppOptions = {}) {
  const { state } = core;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const installed = new Map<string, Installed>();
  const shown = new Map<string, CanvasObjectType>();
  let installs = 0;

  const view = (input: OpenInboxInput): { app: Installed; view: InboxView; shownKey: string } => {
    const conversation = state.conversations.get(input.conversationId);
    if (!conversation) throw new ControlError(404, `conversation ${input.conversationId} not found`);
    const workspace = state.workspaces.get(conversation.workspaceId);
    if (!workspace) throw new ControlError(404, `workspace ${conversation.workspaceId} not found`);
    const adminId = input.adminId ?? (conversation.adminAssigneeId === null ? workspace.ownerAdminId : String(conversation.adminAssigneeId));
    const admin = state.admins.get(adminId);
    if (!admin || admin.workspaceId !== workspace.id || admin.kind !== 'admin') throw new ControlError(404, `teammate ${adminId} not found in workspace ${workspace.id}`);
    const contactId = input.contactId ?? conversation.contactIds[0];
    const contact = contactId === undefined ? undefined : state.contacts.get(contactId);
    if (!contact || !conversation.contactIds.includes(contact.id)) throw new ControlError(404, `contact ${contactId ?? '(none)'} is not a customer of conversation ${conversation.id}`);
    const candidates = [...installed.values()].filter((app) => app.workspaceId === workspace.id && (input.appId === undefined || app.key === input.appId));
    const app = candidates.sort((a, b) => b.installedAt - a.installedAt)[0];
    if (!app) throw new ControlError(409, input.appId === undefined ? `no Inbox app is installed in workspace ${workspace.id}` : `app ${input.appId} has no Inbox card in workspace ${workspace.id}`);
    return {
      app,
      view: { workspace, admin, conversation, contact, locale: input.locale ?? 'en' },
      shownKey: [app.key, conversation.id, admin.id, contact.id].join('\n'),
    };
  };

  async function post(url: string, secret: string, body: Record<string, unknown>): Promise<InboxAnswer> {
    const text = JSON.stringify(body);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [SIGNATURE_HEADER]: signCanvasBody(secret, text) },
        body: text,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      return { status: null, canvas: null, problems: [timedOut ? `the app did not answer within ${timeoutMs / 1000} s` : `the app could not be reached at ${url}: ${(error as Error).message}`] };
    }
    const raw = await response.text().catch(() => '');
    if (!response.ok) {
      const excerpt = raw.trim().slice(0, EXCERPT_CHARS);
      return { status: response.status, canvas: null, problems: [`the app answered HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`] };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { status: response.status, canvas: null, problems: ['the app\'s answer is not JSON'] };
    }
    const check = checkCanvasResponse(json);
    return { status: response.status, canvas: check.canvas, problems: check.problems };
  }

  /** The component a click names, if its action sends a submit request; list items count. */
  function submitter(canvas: CanvasObjectType, componentId: string) {
    for (const component of canvas.content.components) {
      if (component.type === 'list') {
        const item = component.items.find((entry) => entry.id === componentId);
        if (item) return { action: item.action, disabled: (component.disabled ?? false) || (item.disabled ?? false) };
      } else if (component.id === componentId) {
        const saved = 'save_state' in component && component.save_state === 'saved';
        return { action: 'action' in component ? component.action : undefined, disabled: saved || ('disabled' in component && component.disabled === true) };
      }
    }
    return undefined;
  }

  /** Every interactive component's value, the teammate's entries over the canvas's own. */
  function inputValues(canvas: CanvasObjectType, entered: Record<string, string | string[]>): Record<string, string | string[]> {
    const values: Record<string, string | string[]> = {};
    const interactive = canvas.content.components.filter((component) => INPUT_COMPONENT_TYPES.has(component.type));
    for (const [id, value] of Object.entries(entered)) {
      const component = interactive.find((c) => c.id === id);
      if (!component) throw new ControlError(400, `the canvas has no input, select or checkbox with id ${JSON.stringify(id)}`);
      if ((component.type === 'checkbox') !== Array.isArray(value)) throw new ControlError(400, `${id}: a checkbox takes a list of option ids, the others one string`);
    }
    for (const component of interactive) {
      if (!('id' in component) || component.id === undefined) continue;
      const value = entered[component.id] ?? ('value' in component ? component.value : undefined);
      if (value !== undefined) values[component.id] = value;
    }
    return values;
  }

  return {
    /** Installs an app's Canvas Kit card in the conversation details of a workspace's Inbox. */
    inboxApp(config: InboxAppConfig): InboxAppView {
      const workspaceId = config.workspaceId ?? [...state.workspaces.keys()][0];
      if (workspaceId === undefined || !state.workspaces.has(workspaceId)) throw new ControlError(404, `workspace ${config.workspaceId ?? '(default)'} not found`);
      const app = config.appId === undefined ? undefined : state.apps.get(config.appId);
      if (config.appId !== undefined && !app) throw new ControlError(404, `app ${config.appId} not found`);
      const clientSecret = config.clientSecret ?? app?.clientSecret;
      if (!clientSecret) throw new ControlError(400, 'a client secret signs the requests: give clientSecret or appId');
      const key = config.appId ?? `inbox-app-${workspaceId}`;
      for (const shownKey of shown.keys()) if (shownKey.startsWith(`${key}\n`)) shown.delete(shownKey);
      const entry: Installed = {
        key, workspaceId, clientSecret,
        initializeUrl: checkUrl(config.initializeUrl, 'initializeUrl'),
        submitUrl: checkUrl(config.submitUrl, 'submitUrl'),
        installedAt: ++installs,
      };
      installed.set(key, entry);
      return { key, workspaceId, initializeUrl: entry.initializeUrl, submitUrl: entry.submitUrl };
    },

    /** The installed cards (no secrets). */
    inboxApps: (): InboxAppView[] => [...installed.values()].map(({ key, workspaceId, initializeUrl, submitUrl }) => ({ key, workspaceId, initializeUrl, submitUrl })),

    /** A teammate opens the conversation: the initialize request, and what the card then shows. */
    async openInbox(input: OpenInboxInput): Promise<InboxAnswer> {
      const { app, view: seen, shownKey } = view(input);
      const answer = await post(app.initializeUrl, app.clientSecret, initializeRequest(state, seen));
      // A card that failed shows Intercom's error instead: nothing on it can be clicked.
      if (answer.canvas) shown.set(shownKey, answer.canvas);
      else shown.delete(shownKey);
      return answer;
    },

    /** A teammate clicks a component whose action is `submit`: the submit request, and the card it leads to. */
    async clickInbox(input: ClickInboxInput): Promise<InboxAnswer> {
      const { app, view: seen, shownKey } = view(input);
      let current = shown.get(shownKey);
      if (input.currentCanvas !== undefined) {
        const given = CanvasObject.safeParse(input.currentCanvas);
        if (!given.success) throw new ControlError(400, `currentCanvas is not a canvas: ${given.error.issues[0]?.message ?? 'invalid'}`);
        current = given.data;
      }
      if (!current) throw new ControlError(409, `the Inbox shows no card of this app for conversation ${seen.conversation.id}: open it first`);
      const target = submitter(current, input.componentId);
      if (!target) throw new ControlError(400, `the card has no component with id ${JSON.stringify(input.componentId)}`);
      if (target.action?.type !== 'submit') throw new ControlError(400, `component ${JSON.stringify(input.componentId)} does not submit (its action is ${target.action?.type ?? 'none'})`);
      if (target.disabled) throw new ControlError(409, `component ${JSON.stringify(input.componentId)} is disabled`);
      const currentCanvas = input.storedData === undefined ? current : { ...current, stored_data: input.storedData };
      const body = submitRequest(state, seen, { componentId: input.componentId, inputValues: inputValues(current, input.inputValues ?? {}), currentCanvas });
      const answer = await post(app.submitUrl, app.clientSecret, body);
      // The new canvas replaces the old; after an error the teammate still sees the old one.
      if (answer.canvas) shown.set(shownKey, answer.canvas);
      return answer;
    },
  };
}
