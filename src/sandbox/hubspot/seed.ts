// What a new portal starts with: HubSpot's default properties and groups per object
// (hubspot-api.md §13 checklist), the default ticket pipeline "0" with stages 1–4 (§8), the default
// deal pipeline (crm/deals.ts), and owners.
import { DEFAULT_DEAL_PIPELINE, defaultDealPipeline } from './crm/deals.ts';
import { newRecordIdRange } from './crm/record-ids.ts';
import type { ObjectTypeName } from './crm/types.ts';
import type { Owner, Pipeline, PipelineStage, Portal, PropertyDef, PropertyGroup, RateLimits, SimState } from './state.ts';

type Seed = [name: string, label: string, type: string, fieldType: string, extra?: Partial<PropertyDef>];

const readOnly: Partial<PropertyDef> = { readOnlyValue: true };
const owner: Partial<PropertyDef> = { externalOptions: true, referencedObjectType: 'OWNER' };
const options = (...values: string[]) =>
  values.map((value, index) => ({ label: value.charAt(0) + value.slice(1).toLowerCase(), value, hidden: false, displayOrder: index }));

const COMMON: Seed[] = [
  ['hs_object_id', 'Record ID', 'number', 'number', readOnly],
  ['hubspot_owner_id', 'Owner', 'enumeration', 'select', owner],
];

const SEEDS: Record<ObjectTypeName, { group: [string, string]; properties: Seed[] }> = {
  contacts: {
    group: ['contactinformation', 'Contact information'],
    properties: [
      ['email', 'Email', 'string', 'text'],
      ['firstname', 'First Name', 'string', 'text'],
      ['lastname', 'Last Name', 'string', 'text'],
      ['phone', 'Phone Number', 'string', 'phonenumber'],
      ['mobilephone', 'Mobile Phone Number', 'string', 'phonenumber'],
      ['company', 'Company Name', 'string', 'text'],
      ['website', 'Website URL', 'string', 'text'],
      ['hs_additional_emails', 'Additional email addresses', 'enumeration', 'checkbox', readOnly],
      ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', {
        options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other']
          .map((value, index) => ({ label: value, value, hidden: false, displayOrder: index })),
      }],
      ['createdate', 'Create Date', 'datetime', 'date'],
      ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', readOnly],
      // Set by HubSpot itself: a logged note moves the first (crm/engagement-dates.ts).
      ['notes_last_updated', 'Last Activity Date', 'datetime', 'date', readOnly],
      ['hs_last_sales_activity_timestamp', 'Last Engagement Date', 'datetime', 'date', readOnly],
      ['hs_merged_object_ids', 'Merged Contact IDs', 'enumeration', 'checkbox', readOnly],
      // Standard fields a record sync maps (HubSpot's default contact properties, properties guide).
      ['jobtitle', 'Job Title', 'string', 'text'],
      ['city', 'City', 'string', 'text'],
      ['state', 'State/Region', 'string', 'text'],
      ['country', 'Country/Region', 'string', 'text'],
      ['hs_lead_status', 'Lead Status', 'enumeration', 'radio', {
        options: options('NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', 'UNQUALIFIED', 'ATTEMPTED_TO_CONTACT', 'CONNECTED', 'BAD_TIMING'),
      }],
    ],
  },
  companies: {
    group: ['companyinformation', 'Company information'],
    properties: [
      ['name', 'Company name', 'string', 'text'],
      ['domain', 'Company Domain Name', 'string', 'text'],
      ['website', 'Website URL', 'string', 'text'],
      ['phone', 'Phone Number', 'string', 'phonenumber'],
      ['createdate', 'Create Date', 'datetime', 'date'],
      ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', readOnly],
      ['notes_last_updated', 'Last Activity Date', 'datetime', 'date', readOnly],
      ['hs_merged_object_ids', 'Merged Company IDs', 'enumeration', 'checkbox', readOnly],
      // Standard fields a record sync maps (HubSpot's default company properties, properties guide).
      ['description', 'Description', 'string', 'textarea'],
      ['city', 'City', 'string', 'text'],
      ['country', 'Country/Region', 'string', 'text'],
      ['numberofemployees', 'Number of Employees', 'number', 'number'],
      ['annualrevenue', 'Annual Revenue', 'number', 'number'],
      // HubSpot's list has about 150 industries; a few of them, same spelling, are enough here.
      ['industry', 'Industry', 'enumeration', 'select', {
        options: options('ACCOUNTING', 'BANKING', 'COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'HOSPITAL_HEALTH_CARE', 'INFORMATION_TECHNOLOGY_AND_SERVICES', 'INTERNET', 'RETAIL'),
      }],
      ['type', 'Type', 'enumeration', 'select', { options: options('PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER') }],
      ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', {
        options: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other']
          .map((value, index) => ({ label: value, value, hidden: false, displayOrder: index })),
      }],
    ],
  },
  deals: {
    // The group name `dealinformation` is the one the docs show (hubspot-api.md §13 checklist).
    group: ['dealinformation', 'Deal information'],
    properties: [
      ['dealname', 'Deal Name', 'string', 'text'],
      ['amount', 'Amount', 'number', 'number'],
      // Options come from the deal pipelines; the write path checks them (crm/deals.ts).
      ['dealstage', 'Deal Stage', 'enumeration', 'radio'],
      ['pipeline', 'Pipeline', 'enumeration', 'select'],
      ['closedate', 'Close Date', 'datetime', 'date'],
      ['dealtype', 'Deal Type', 'enumeration', 'radio', {
        options: [{ label: 'New Business', value: 'newbusiness', hidden: false, displayOrder: 0 }, { label: 'Existing Business', value: 'existingbusiness', hidden: false, displayOrder: 1 }],
      }],
      ['description', 'Deal Description', 'string', 'textarea'],
      // Calculated by HubSpot from the stage's metadata (crm/deals.ts).
      ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', { readOnlyValue: true, calculated: true }],
      ['hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox', { readOnlyValue: true, calculated: true }],
      ['createdate', 'Create Date', 'datetime', 'date'],
      ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', readOnly],
      ['hs_merged_object_ids', 'Merged Deal IDs', 'enumeration', 'checkbox', readOnly],
    ],
  },
  tickets: {
    group: ['ticketinformation', 'Ticket information'],
    properties: [
      ['subject', 'Ticket name', 'string', 'text'],
      ['content', 'Ticket description', 'string', 'textarea'],
      // Options come from the pipelines API; the write path checks them against it.
      ['hs_pipeline', 'Pipeline', 'enumeration', 'select'],
      ['hs_pipeline_stage', 'Ticket status', 'enumeration', 'select'],
      ['hs_ticket_priority', 'Priority', 'enumeration', 'select', { options: options('LOW', 'MEDIUM', 'HIGH', 'URGENT') }],
      ['hs_ticket_category', 'Category', 'enumeration', 'checkbox', {
        options: options('PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY'),
      }],
      ['hs_ticket_id', 'Ticket ID', 'number', 'number', readOnly],
      ['hs_object_source', 'Record source', 'string', 'text', readOnly],
      ['hs_object_source_label', 'Record source label', 'string', 'text', readOnly],
      ['createdate', 'Create date', 'datetime', 'date'],
      ['hs_lastmodifieddate', 'Last modified date', 'datetime', 'date', readOnly],
      // The ids merged into this ticket, ';'-separated (hubspot-api.md §5.6; set by crm/merge.ts).
      ['hs_merged_object_ids', 'Merged Ticket IDs', 'enumeration', 'checkbox', readOnly],
    ],
  },
  notes: {
    group: ['engagement', 'Engagement'],
    properties: [
      ['hs_timestamp', 'Activity date', 'datetime', 'date'],
      ['hs_note_body', 'Note body', 'string', 'html'],
      ['hs_attachment_ids', 'Attached file IDs', 'enumeration', 'checkbox'],
      ['hs_createdate', 'Create date', 'datetime', 'date', readOnly],
      ['hs_lastmodifieddate', 'Last modified date', 'datetime', 'date', readOnly],
    ],
  },
};

function property(seed: Seed, groupName: string): PropertyDef {
  const [name, label, type, fieldType, extra] = seed;
  return {
    name, label, type, fieldType, groupName, description: '', options: [], displayOrder: -1, hasUniqueValue: false,
    hidden: false, formField: false, hubspotDefined: true, readOnlyValue: false, calculated: false, externalOptions: false,
    createdAt: 0, updatedAt: 0, archived: false, ...extra,
  };
}

function stage(id: string, label: string, displayOrder: number, ticketState: 'OPEN' | 'CLOSED'): PipelineStage {
  return {
    id, label, displayOrder, archived: false, createdAt: 0, updatedAt: 0, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    // isClosed is observed on ticket stages beside ticketState ([2ND] in hubspot-api.md §14.2).
    metadata: { ticketState, isClosed: String(ticketState === 'CLOSED') },
  };
}

function defaultPipeline(): Pipeline {
  // Default pipelines and stages report createdAt = epoch 0 [SPEC:pipelines Pipeline.createdAt].
  return {
    id: '0', label: 'Support Pipeline', displayOrder: 0, archived: false, createdAt: 0, updatedAt: 0,
    stages: [stage('1', 'New', 0, 'OPEN'), stage('2', 'Waiting on contact', 1, 'OPEN'), stage('3', 'Waiting on us', 2, 'OPEN'), stage('4', 'Closed', 3, 'CLOSED')],
  };
}

export const DEFAULT_LIMITS: RateLimits = { burstPer10s: 110, searchPerSecond: 5, daily: 250_000 };

export interface OwnerSeed {
  email: string;
  firstName?: string;
  lastName?: string;
  type?: 'PERSON' | 'QUEUE';
  archived?: boolean;
  teams?: Array<{ id: string; name: string; primary: boolean }>;
}

export function addOwner(state: SimState, portal: Portal, seed: OwnerSeed): Owner {
  const now = state.clock.now();
  const userId = Number(state.ids.next('user')) + 9_585_000;
  const record: Owner = {
    id: String(Number(state.ids.next('owner')) + 41_628_000),
    email: seed.email, firstName: seed.firstName ?? '', lastName: seed.lastName ?? '', type: seed.type ?? 'PERSON',
    // Deactivated owners keep userIdIncludingInactive but lose userId (owners guide).
    userId: seed.archived ? null : userId, userIdIncludingInactive: userId,
    createdAt: now, updatedAt: now, archived: seed.archived ?? false,
    ...(seed.teams ? { teams: seed.teams } : {}),
  };
  portal.owners.set(record.id, record);
  return record;
}

export interface PortalSeed {
  hubId?: number;
  domain?: string;
  limits?: Partial<RateLimits>;
  owners?: OwnerSeed[];
}

export function createPortal(state: SimState, seed: PortalSeed = {}): Portal {
  const hubId = seed.hubId ?? Number(state.ids.next('portal')) + 4_454_666;
  if (state.portals.has(hubId)) throw new Error(`portal ${hubId} exists`);
  const map = <T>(f: (type: ObjectTypeName) => Map<string, T>) =>
    ({ contacts: f('contacts'), companies: f('companies'), deals: f('deals'), tickets: f('tickets'), notes: f('notes') });
  const portal: Portal = {
    hubId,
    domain: seed.domain ?? `portal-${hubId}.sim.test`,
    records: map(() => new Map()),
    recordIds: newRecordIdRange(state.portals.size + 1),
    emailIndex: new Map(),
    properties: map((type) => {
      const { group, properties } = SEEDS[type];
      return new Map([...COMMON, ...properties].map((s) => [s[0], property(s, group[0])]));
    }),
    groups: map((type) => {
      const [name, label] = SEEDS[type].group;
      return new Map<string, PropertyGroup>([[name, { name, label, displayOrder: -1, archived: false }]]);
    }),
    pipelines: new Map([['0', defaultPipeline()]]),
    dealPipelines: new Map([[DEFAULT_DEAL_PIPELINE, defaultDealPipeline()]]),
    owners: new Map(),
    edges: new Map(),
    userTypes: [],
    limits: { ...DEFAULT_LIMITS, ...seed.limits },
    usage: { burst: new Map(), search: [], day: '', dailyUsed: 0 },
  };
  state.portals.set(hubId, portal);
  const owners = seed.owners ?? [{ email: 'agent@sim.test', firstName: 'Ana', lastName: 'Agent' }];
  for (const o of owners) addOwner(state, portal, o);
  return portal;
}
