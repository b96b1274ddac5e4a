// Creates and writes of contacts and companies, shared by the REST routes and the control API (a
// change "as a person in Intercom"): each keeps `updated_at`, checks custom attributes against the
// workspace's data attributes, and emits the webhook the change causes (intercom-api.md §2.4 topic
// table: contact.{user,lead}.created/updated, contact.lead.signed_up, contact.merged,
// company.created, company.updated).
import { emitCompany, emitContact, type SimCore } from './core.ts';
import { checkCustomAttributes } from './data-attributes.ts';
import type { Company, Contact } from './types.ts';

type CustomValue = string | number | boolean | null;

export interface ContactChanges {
  /** Only lead → user: a user never becomes a lead again. */
  role?: 'user' | undefined;
  externalId?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  name?: string | null | undefined;
  avatar?: string | null | undefined;
  signedUpAt?: number | null | undefined;
  lastSeenAt?: number | null | undefined;
  ownerId?: number | null | undefined;
  unsubscribedFromEmails?: boolean | undefined;
  customAttributes?: Record<string, unknown> | undefined;
}

const defined = <T extends object>(changes: T) => Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Creates a contact with values already checked (custom attributes included) and emits contact.{role}.created. */
export function createContact(core: SimCore, workspaceId: string, role: 'user' | 'lead', values: Omit<ContactChanges, 'role'>): Contact {
  const { customAttributes, ...plain } = defined(values);
  const contact = core.make.createContact(workspaceId, { role, customAttributes: (customAttributes ?? {}) as Record<string, CustomValue> });
  Object.assign(contact, plain);
  emitContact(core, `contact.${role}.created`, contact);
  return contact;
}

/**
 * Applies a contact update; the custom attributes are checked before anything changes, so a refused
 * write changes nothing. A lead that becomes a user gets `signed_up_at` (now, unless given) and the
 * event is `contact.lead.signed_up` ("Lead converted to user", intercom-api.md §2.4); otherwise the
 * role's `.updated` topic.
 */
export function updateContact(core: SimCore, contact: Contact, changes: ContactChanges): Contact {
  const custom = changes.customAttributes === undefined ? {} : checkCustomAttributes(core, contact.workspaceId, 'contact', changes.customAttributes);
  const { customAttributes: _custom, role, ...plain } = defined(changes);
  const signsUp = role === 'user' && contact.role === 'lead';
  Object.assign(contact, plain);
  Object.assign(contact.customAttributes, custom);
  const now = core.nowSec();
  if (signsUp) {
    contact.role = 'user';
    contact.signedUpAt ??= now;
  }
  contact.updatedAt = now;
  emitContact(core, signsUp ? 'contact.lead.signed_up' : `contact.${contact.role}.updated`, contact);
  return contact;
}

/**
 * Merges a lead into a user (S14 POST /contacts/merge): the lead is gone for GET, list and search;
 * the user keeps its own values and takes the lead's companies, conversations and the custom
 * attributes it had no value for (which of the lead's values survive is UNCONFIRMED). The event is
 * `contact.merged`, its item the surviving contact plus `merged_from` (intercom-api.md §2.5).
 */
export function mergeContacts(core: SimCore, from: Contact, into: Contact): Contact {
  from.mergedInto = into.id;
  into.companyIds = [...new Set([...into.companyIds, ...from.companyIds])];
  for (const [key, value] of Object.entries(from.customAttributes)) {
    if (into.customAttributes[key] === undefined || into.customAttributes[key] === null) into.customAttributes[key] = value;
  }
  into.updatedAt = core.nowSec();
  for (const c of core.state.conversations.values()) c.contactIds = [...new Set(c.contactIds.map((id) => (id === from.id ? into.id : id)))];
  emitContact(core, 'contact.merged', into, { merged_from: { type: 'contact', id: from.id } });
  return into;
}

export interface CompanyChanges {
  name?: string | undefined;
  plan?: string | undefined;
  size?: number | undefined;
  website?: string | undefined;
  industry?: string | undefined;
  remoteCreatedAt?: number | undefined;
  monthlySpend?: number | undefined;
  customAttributes?: Record<string, unknown> | undefined;
}

/** Creates a company (custom attributes checked first) and emits company.created. */
export function createCompany(core: SimCore, workspaceId: string, companyId: string | undefined, changes: CompanyChanges): Company {
  const custom = changes.customAttributes === undefined ? {} : checkCustomAttributes(core, workspaceId, 'company', changes.customAttributes);
  const company = core.make.createCompany(workspaceId, {
    ...(companyId !== undefined && { companyId }),
    ...(changes.name !== undefined && { name: changes.name }),
    website: changes.website ?? null,
    industry: changes.industry ?? null,
    size: changes.size ?? null,
    // Floats are truncated (S14 create_or_update_company_request.monthly_spend).
    monthlySpend: Math.trunc(changes.monthlySpend ?? 0),
    planName: changes.plan ?? null,
    customAttributes: custom,
  });
  if (changes.remoteCreatedAt !== undefined) company.remoteCreatedAt = changes.remoteCreatedAt;
  emitCompany(core, 'company.created', company);
  return company;
}

/** Applies a company update (`company_id` never changes: S14 PUT /companies/{id} description) and emits company.updated. */
export function updateCompany(core: SimCore, company: Company, changes: CompanyChanges): Company {
  const custom = changes.customAttributes === undefined ? {} : checkCustomAttributes(core, company.workspaceId, 'company', changes.customAttributes);
  const { customAttributes: _custom, plan, monthlySpend, ...plain } = defined(changes);
  Object.assign(company, plain);
  if (plan !== undefined) company.planName = plan;
  // "this will truncate floats … 155.98 will be truncated to 155" (S14 update_company_request.monthly_spend).
  if (monthlySpend !== undefined) company.monthlySpend = Math.trunc(monthlySpend);
  Object.assign(company.customAttributes, custom as Record<string, CustomValue>);
  company.updatedAt = core.nowSec();
  emitCompany(core, 'company.updated', company);
  return company;
}
