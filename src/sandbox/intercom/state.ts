// In-memory records of every simulated app and workspace, and the factories that make them with
// Intercom-shaped ids. One store holds all workspaces; every lookup is scoped by workspace so a
// token for one workspace never sees another's records.
import { randomBytes } from 'node:crypto';
import type { SimClock } from '../shared/clock.ts';
import type { IdSource } from '../shared/ids.ts';
import { IntercomError } from './errors.ts';
import type {
  AccessToken,
  Admin,
  Company,
  Contact,
  Conversation,
  DataAttribute,
  OAuthCode,
  Region,
  SimApp,
  Tag,
  Team,
  Workspace,
} from './types.ts';

export interface SimState {
  apps: Map<string, SimApp>;
  workspaces: Map<string, Workspace>;
  tokens: Map<string, AccessToken>;
  codes: Map<string, OAuthCode>;
  admins: Map<string, Admin>;
  teams: Map<string, Team>;
  tags: Map<string, Tag>;
  contacts: Map<string, Contact>;
  companies: Map<string, Company>;
  conversations: Map<string, Conversation>;
  /** Custom data attributes, by String(id). */
  dataAttributes: Map<string, DataAttribute>;
}

export const createState = (): SimState => ({
  apps: new Map(),
  workspaces: new Map(),
  tokens: new Map(),
  codes: new Map(),
  admins: new Map(),
  teams: new Map(),
  tags: new Map(),
  contacts: new Map(),
  companies: new Map(),
  conversations: new Map(),
  dataAttributes: new Map(),
});

export interface AppInit {
  name?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUris?: string[];
  apiVersion?: string;
  private?: boolean;
}

export interface WorkspaceInit {
  id?: string;
  name?: string;
  region?: Region;
  timezone?: string;
  appId?: string;
  planRestricted?: boolean;
  owner?: AdminInit;
}

export interface AdminInit {
  name?: string;
  email?: string;
  jobTitle?: string | null;
  kind?: 'admin' | 'bot';
  hasInboxSeat?: boolean;
  awayModeEnabled?: boolean;
  teamIds?: number[];
}

export interface ContactInit {
  role?: 'user' | 'lead';
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  externalId?: string | null;
  customAttributes?: Record<string, string | number | boolean | null>;
  companyIds?: string[];
  location?: { country?: string | null; region?: string | null; city?: string | null };
}

export interface CompanyInit {
  companyId?: string;
  name?: string;
  website?: string | null;
  industry?: string | null;
  size?: number | null;
  monthlySpend?: number;
  planName?: string | null;
  customAttributes?: Record<string, string | number | boolean | null>;
}

/** Mints records; `indexDelaySeconds` is how long a new contact or conversation stays out of search. */
export function createFactory(state: SimState, clock: SimClock, ids: IdSource, indexDelaySeconds: () => number, maxRecordsPerType = Number.POSITIVE_INFINITY) {
  const nowSec = () => Math.floor(clock.now() / 1000);
  // Records made per workspace and kind: the simulator's own cap (not Intercom's) keeps memory bounded.
  const made = new Map<string, number>();
  /** Counts one more record of a kind for a workspace, or refuses it with a 400 past the cap. */
  const admit = (workspaceId: string, kind: 'contacts' | 'companies' | 'conversations'): void => {
    const key = `${workspaceId}:${kind}`;
    const count = made.get(key) ?? 0;
    if (count >= maxRecordsPerType) {
      throw new IntercomError(400, 'parameter_invalid', `This simulated workspace holds the most ${kind} it may (${maxRecordsPerType}): the simulator's cap (maxRecordsPerType).`);
    }
    made.set(key, count + 1);
  };

  const createApp = (init: AppInit = {}): SimApp => {
    const n = ids.next('app');
    const app: SimApp = {
      id: n,
      name: init.name ?? `Interhubz Sandbox ${n}`,
      clientId: init.clientId ?? `cli_${ids.nextHex('client')}`,
      clientSecret: init.clientSecret ?? `sec_${randomBytes(16).toString('hex')}`,
      redirectUris: init.redirectUris ?? [],
      apiVersion: init.apiVersion ?? '2.14',
      private: init.private ?? false,
    };
    state.apps.set(app.id, app);
    return app;
  };

  const createAdmin = (workspaceId: string, init: AdminInit = {}): Admin => {
    // Admin ids are numeric strings because conversations carry them as integers (admin_assignee_id).
    const id = String(4_100_000 + Number(ids.next('admin')));
    const kind = init.kind ?? 'admin';
    const admin: Admin = {
      id,
      workspaceId,
      kind,
      name: init.name ?? (kind === 'bot' ? 'Fin' : `Agent ${id}`),
      email: init.email ?? (kind === 'bot' ? `operator+${workspaceId}@intercom.io` : `agent${id}@sandbox.test`),
      jobTitle: init.jobTitle ?? null,
      awayModeEnabled: init.awayModeEnabled ?? false,
      awayModeReassign: false,
      hasInboxSeat: init.hasInboxSeat ?? kind === 'admin',
      teamIds: init.teamIds ?? [],
      avatarUrl: null,
    };
    state.admins.set(id, admin);
    return admin;
  };

  const createWorkspace = (init: WorkspaceInit = {}): Workspace => {
    const n = Number(ids.next('workspace'));
    const id = init.id ?? `ws${n.toString(36).padStart(6, '0')}`;
    if (state.workspaces.has(id)) throw new Error(`workspace ${id} already exists`);
    const appId = init.appId ?? [...state.apps.keys()][0] ?? createApp().id;
    if (!state.apps.has(appId)) throw new Error(`unknown app ${appId}`);
    const workspace: Workspace = {
      id,
      name: init.name ?? `Sandbox workspace ${n}`,
      region: init.region ?? 'US',
      timezone: init.timezone ?? 'Europe/Berlin',
      createdAt: nowSec(),
      appIds: new Set([appId]),
      ownerAdminId: '',
      planRestricted: init.planRestricted ?? false,
    };
    state.workspaces.set(id, workspace);
    workspace.ownerAdminId = createAdmin(id, { name: 'Sandbox Owner', email: `owner@${id}.sandbox.test`, ...init.owner }).id;
    return workspace;
  };

  const createToken = (workspaceId: string, appId: string, kind: AccessToken['kind']): AccessToken => {
    // Real tokens are base64 and may end with "="; keep that so clients that mangle padding fail here too.
    // Random, not from a counter: in the built-in sandbox a guessable token would open its API to anyone.
    const token = Buffer.from(`tok:${randomBytes(18).toString('hex')}:${workspaceId}`).toString('base64');
    const record: AccessToken = { token, appId, workspaceId, kind, revoked: false };
    state.tokens.set(token, record);
    state.workspaces.get(workspaceId)?.appIds.add(appId);
    return record;
  };

  const createTeam = (workspaceId: string, name: string, adminIds: string[] = []): Team => {
    const team: Team = { id: String(5_017_000 + Number(ids.next('team'))), workspaceId, name, adminIds: adminIds.map(Number) };
    state.teams.set(team.id, team);
    for (const adminId of adminIds) state.admins.get(adminId)?.teamIds.push(Number(team.id));
    return team;
  };

  const createTag = (workspaceId: string, name: string): Tag => {
    const existing = [...state.tags.values()].find((tag) => tag.workspaceId === workspaceId && tag.name === name);
    if (existing) return existing;
    const tag: Tag = { id: String(8_000_000 + Number(ids.next('tag'))), workspaceId, name };
    state.tags.set(tag.id, tag);
    return tag;
  };

  const createContact = (workspaceId: string, init: ContactInit = {}): Contact => {
    admit(workspaceId, 'contacts');
    const now = nowSec();
    const role = init.role ?? 'user';
    const contact: Contact = {
      id: ids.nextHex('contact'),
      workspaceId,
      role,
      externalId: init.externalId ?? null,
      email: init.email ?? null,
      phone: init.phone ?? null,
      name: init.name ?? null,
      avatar: null,
      unsubscribedFromEmails: false,
      ownerId: null,
      createdAt: now,
      updatedAt: now,
      signedUpAt: role === 'user' ? now : null,
      lastSeenAt: null,
      lastRepliedAt: null,
      lastContactedAt: null,
      location: { country: null, region: null, city: null, countryCode: null, continentCode: null, ...init.location },
      customAttributes: { ...init.customAttributes },
      companyIds: [...(init.companyIds ?? [])],
      tagIds: [],
      mergedInto: null,
      searchableAt: now + indexDelaySeconds(),
    };
    state.contacts.set(contact.id, contact);
    return contact;
  };

  const createCompany = (workspaceId: string, init: CompanyInit = {}): Company => {
    admit(workspaceId, 'companies');
    const now = nowSec();
    const id = ids.nextHex('company');
    const company: Company = {
      id,
      workspaceId,
      companyId: init.companyId ?? `company-${id.slice(-6)}`,
      name: init.name ?? `Company ${id.slice(-4)}`,
      createdAt: now,
      updatedAt: now,
      remoteCreatedAt: now,
      lastRequestAt: null,
      size: init.size ?? null,
      website: init.website ?? null,
      industry: init.industry ?? null,
      monthlySpend: init.monthlySpend ?? 0,
      sessionCount: 0,
      planName: init.planName ?? null,
      customAttributes: { ...init.customAttributes },
      tagIds: [],
    };
    state.companies.set(id, company);
    return company;
  };

  return { nowSec, admit, createApp, createWorkspace, createAdmin, createToken, createTeam, createTag, createContact, createCompany };
}

export type Factory = ReturnType<typeof createFactory>;

/** Scoped lookups: a record of another workspace is as absent as a missing one. */
export function inWorkspace<T extends { workspaceId: string }>(map: Map<string, T>, workspaceId: string, id: string): T | undefined {
  const record = map.get(id);
  return record && record.workspaceId === workspaceId ? record : undefined;
}

export function listInWorkspace<T extends { workspaceId: string }>(map: Map<string, T>, workspaceId: string): T[] {
  return [...map.values()].filter((record) => record.workspaceId === workspaceId);
}
