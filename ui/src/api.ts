// Typed fetch wrapper for the admin API. Every failure becomes an ApiError whose `message` is fit to
// show to a person; mutations carry the session's CSRF token; a 401 ends the session in the UI.
import type {
  AcceptInvitationBody,
  ActivityFeed,
  AuditList,
  ChangePasswordBody,
  CreatedInvitation,
  InviteBody,
  Me,
  PasswordResetResult,
  PeopleList,
  PersonInfo,
  ResetPasswordBody,
  UpdatePersonBody,
  ActivityFeedParams,
  ActivityList,
  ApiTokenList,
  ConnectionDetail,
  ConnectionBudgetView,
  ConnectionList,
  CreateConnectionBody,
  CreatedApiToken,
  CreateApiTokenBody,
  SignedOutEverywhere,
  ErrorBody,
  HubSpotTokenBody,
  IntercomTokenBody,
  LoginBody,
  PushBody,
  PushResult,
  SandboxHubSpotView,
  SessionInfo,
  SettingsBody,
  SettingsView,
  SimulatedConversationView,
  TicketLinkList,
  TicketPipelines,
  UserMappingView,
  UserSettingsBody,
  WorkActionResult,
  WorkBulkBody,
  WorkPage,
  WorkState,
} from '../../src/http/api-types.ts';

import type { ConversationExplanation, ConversationRef, ReplayResult } from '../../src/http/api-types.ts';
import type { AlertChannelList, AlertChannelInfo, AlertDeliveryList, AlertTestResult, CreateAlertChannelBody, UpdateAlertChannelBody } from '../../src/http/api-types.ts';

export type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = [], retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/** Turns anything thrown into an ApiError, so the UI has one shape of error to show. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, 'client_error', `Something went wrong in the browser: ${message}`);
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Called on any 401 outside the login calls: the session expired or was signed out elsewhere. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  body?: unknown;
  /** The login calls answer 401 as part of their normal flow; don't treat it as a lost session. */
  expect401?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the Interhubz server. Check that it is running and try again.');
  }

  if (response.ok) {
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  const error = await readError(response);
  if (response.status === 401 && !options.expect401) {
    csrfToken = null;
    onUnauthorized?.();
  }
  throw error;
}

async function readError(response: Response): Promise<ApiError> {
  const retryAfterHeader = response.headers.get('Retry-After');
  const retryAfter = retryAfterHeader !== null && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): fall through to a generic message.
  }
  if (isErrorBody(body)) {
    const { code, message, details } = body.error;
    return new ApiError(response.status, code, message, details ?? [], retryAfter);
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(response.status, 'http_error', `The server answered ${response.status}${statusText}.`, [], retryAfter);
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

function remember(session: SessionInfo): SessionInfo {
  csrfToken = session.csrfToken;
  return session;
}

export const api = {
  /** The current session, or null when nobody is signed in. */
  async getSession(): Promise<SessionInfo | null> {
    try {
      return remember(await request<SessionInfo>('GET', '/api/session', { expect401: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  async signIn(body: LoginBody): Promise<SessionInfo> {
    return remember(await request<SessionInfo>('POST', '/api/session', { body, expect401: true }));
  },
  async signOut(): Promise<void> {
    try {
      await request<void>('DELETE', '/api/session', { expect401: true });
    } finally {
      csrfToken = null;
    }
  },
  listTokens: () => request<ApiTokenList>('GET', '/api/tokens'),
  createToken: (body: CreateApiTokenBody) => request<CreatedApiToken>('POST', '/api/tokens', { body }),
  /** With a one-time link's token: sets the password and signs in. */
  async acceptInvitation(body: AcceptInvitationBody): Promise<SessionInfo> {
    return remember(await request<SessionInfo>('POST', '/api/session', { body, expect401: true }));
  },
  getMe: () => request<Me>('GET', '/api/me'),
  changePassword: (body: ChangePasswordBody) => request<void>('PUT', '/api/session/password', { body }),
  listPeople: () => request<PeopleList>('GET', '/api/people'),
  invitePerson: (body: InviteBody) => request<CreatedInvitation>('POST', '/api/people/invitations', { body }),
  revokeInvitation: (id: string) => request<void>('DELETE', `/api/people/invitations/${encodeURIComponent(id)}`),
  updatePerson: (id: string, body: UpdatePersonBody) => request<PersonInfo>('PATCH', `/api/people/${encodeURIComponent(id)}`, { body }),
  resetPassword: (id: string, body: ResetPasswordBody) => request<PasswordResetResult>('POST', `/api/people/${encodeURIComponent(id)}/password-reset`, { body }),
  removePerson: (id: string) => request<void>('DELETE', `/api/people/${encodeURIComponent(id)}`),
  listAudit: (query: { actor?: string; action?: string; before?: number; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return request<AuditList>('GET', `/api/audit${params.size > 0 ? `?${params}` : ''}`);
  },
  listAlertChannels: () => request<AlertChannelList>('GET', '/api/alerts/channels'),
  createAlertChannel: (body: CreateAlertChannelBody) => request<AlertChannelInfo>('POST', '/api/alerts/channels', { body }),
  updateAlertChannel: (id: string, body: UpdateAlertChannelBody) => request<AlertChannelInfo>('PUT', `/api/alerts/channels/${encodeURIComponent(id)}`, { body }),
  deleteAlertChannel: (id: string) => request<void>('DELETE', `/api/alerts/channels/${encodeURIComponent(id)}`),
  testAlertChannel: (id: string) => request<AlertTestResult>('POST', `/api/alerts/channels/${encodeURIComponent(id)}/test`),
  listAlertDeliveries: () => request<AlertDeliveryList>('GET', '/api/alerts/deliveries'),
  /** Ends every session of the signed-in account, this one included. */
  signOutEverywhere: () => request<SignedOutEverywhere>('DELETE', '/api/sessions'),
  revokeToken: (id: string) => request<void>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
  listConnections: () => request<ConnectionList>('GET', '/api/connections'),
  createConnection: (body: CreateConnectionBody) => request<ConnectionDetail>('POST', '/api/connections', { body }),
  createSandboxConnection: () => request<ConnectionDetail>('POST', '/api/connections/sandbox'),
  getConnection: (id: string) => request<ConnectionDetail>('GET', `/api/connections/${encodeURIComponent(id)}`),
  connectIntercomToken: (id: string, body: IntercomTokenBody) =>
    request<ConnectionDetail>('POST', `/api/connections/${encodeURIComponent(id)}/intercom/token`, { body }),
  connectHubSpotToken: (id: string, body: HubSpotTokenBody) =>
    request<ConnectionDetail>('POST', `/api/connections/${encodeURIComponent(id)}/hubspot/token`, { body }),
  pauseConnection: (id: string) => request<ConnectionDetail>('POST', `/api/connections/${encodeURIComponent(id)}/pause`),
  resumeConnection: (id: string) => request<ConnectionDetail>('POST', `/api/connections/${encodeURIComponent(id)}/resume`),
  deleteConnection: (id: string) => request<void>('DELETE', `/api/connections/${encodeURIComponent(id)}`),
  getUsers: (id: string) => request<UserMappingView>('GET', `/api/connections/${encodeURIComponent(id)}/users`),
  refreshUsers: (id: string) => request<UserMappingView>('POST', `/api/connections/${encodeURIComponent(id)}/users/refresh`),
  saveUserSettings: (id: string, body: UserSettingsBody) =>
    request<UserMappingView>('PUT', `/api/connections/${encodeURIComponent(id)}/users/settings`, { body }),
  getSettings: (id: string) => request<SettingsView>('GET', `/api/connections/${encodeURIComponent(id)}/settings`),
  saveSettings: (id: string, body: SettingsBody) => request<SettingsView>('PUT', `/api/connections/${encodeURIComponent(id)}/settings`, { body }),
  pushConversation: (id: string, conversationId: string, body: PushBody) =>
    request<PushResult>('POST', `/api/connections/${encodeURIComponent(id)}/conversations/${encodeURIComponent(conversationId)}/push`, { body }),
  listActivity: (id: string, query: { before?: number; outcome?: string; kind?: string; limit?: number } = {}) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    return request<ActivityList>('GET', `/api/connections/${encodeURIComponent(id)}/activity${search}`);
  },
  listAllActivity: (query: ActivityFeedParams) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return request<ActivityFeed>('GET', `/api/activity${params.size > 0 ? `?${params}` : ''}`);
  },
  explainConversation: (id: string, conversationId: string) =>
    request<ConversationExplanation>('GET', `/api/connections/${encodeURIComponent(id)}/conversations/${encodeURIComponent(conversationId)}/explain`),
  readConversationRef: (input: string) => request<ConversationRef>('GET', `/api/conversation-ref?${new URLSearchParams({ input })}`),
  replayConversation: (id: string, conversationId: string) =>
    request<ReplayResult>('POST', `/api/connections/${encodeURIComponent(id)}/conversations/${encodeURIComponent(conversationId)}/explain/replay`),
  simulateSandboxConversation: (id: string) =>
    request<SimulatedConversationView>('POST', `/api/connections/${encodeURIComponent(id)}/sandbox/conversations`),
  listWork: (id: string, query: { state?: WorkState | undefined; task?: string | undefined; before?: number; limit?: number } = {}) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return request<WorkPage>('GET', `/api/connections/${encodeURIComponent(id)}/work${params.size > 0 ? `?${params}` : ''}`);
  },
  retryJob: (id: string, jobId: number) => request<WorkActionResult>('POST', `/api/connections/${encodeURIComponent(id)}/work/${jobId}/retry`),
  cancelJob: (id: string, jobId: number) => request<WorkActionResult>('POST', `/api/connections/${encodeURIComponent(id)}/work/${jobId}/cancel`),
  retryAllJobs: (id: string, body: WorkBulkBody) => request<WorkActionResult>('POST', `/api/connections/${encodeURIComponent(id)}/work/retry`, { body }),
  cancelAllJobs: (id: string, body: WorkBulkBody) => request<WorkActionResult>('POST', `/api/connections/${encodeURIComponent(id)}/work/cancel`, { body }),
  listTicketLinks: (id: string) => request<TicketLinkList>('GET', `/api/connections/${encodeURIComponent(id)}/tickets`),
  getTicketPipelines: (id: string) => request<TicketPipelines>('GET', `/api/connections/${encodeURIComponent(id)}/hubspot/pipelines`),
  getSandboxHubSpot: (id: string) => request<SandboxHubSpotView>('GET', `/api/connections/${encodeURIComponent(id)}/sandbox/hubspot`),
  getBudget: (id: string) => request<ConnectionBudgetView>('GET', `/api/connections/${encodeURIComponent(id)}/budget`),
};
