// Data attributes (S14 #/paths/~1data_attributes, #/components/schemas/data_attribute): the fixed
// standard attributes of contacts and companies, the workspace's custom ones (CDAs), their creation
// and update with the errors S14's examples spell, and the check every write of `custom_attributes`
// passes: the attribute must exist, not be archived, and the value must fit its type and options.
import type { SimCore } from './core.ts';
import { IntercomError, parameterInvalid } from './errors.ts';
import { listInWorkspace } from './state.ts';
import type { DataAttribute, DataType } from './types.ts';

export type AttributeModel = DataAttribute['model'];
type CustomValue = string | number | boolean | null;

interface StandardAttribute {
  name: string;
  fullName: string;
  label: string;
  description: string;
  dataType: DataType;
  apiWritable: boolean;
}

const std = (fullName: string, label: string, dataType: DataType, apiWritable: boolean, description = label): StandardAttribute => ({
  name: fullName.split('.').at(-1) ?? fullName,
  fullName,
  label,
  description,
  dataType,
  apiWritable,
});

// Company: the S14 GET /data_attributes 200 example, verbatim in names, types and writability.
const COMPANY_STANDARD: readonly StandardAttribute[] = [
  std('name', 'Company name', 'string', true, 'The name of a company'),
  std('company_id', 'Company ID', 'string', false, 'A number identifying a company'),
  std('last_request_at', 'Company last seen', 'date', false, 'The last day anyone from a company visited your site or app'),
  std('remote_created_at', 'Company created at', 'date', true, 'The day a company was added to Intercom'),
  std('user_count', 'People', 'integer', false, 'The number of people in a company'),
  std('session_count', 'Company web sessions', 'integer', false, "All visits from anyone in a company to your product's site or app"),
  std('plan.name', 'Plan', 'string', false, 'A specific plan or level within your product that companies have signed up to'),
  std('monthly_spend', 'Monthly Spend', 'float', true, 'The monthly revenue you receive from a company'),
  std('size', 'Company size', 'integer', true, 'The number of people employed in this company, expressed as a single number'),
  std('industry', 'Company industry', 'string', true, "The category or domain this company belongs to e.g. 'ecommerce' or 'SaaS'"),
  std('website', 'Company website', 'string', true, "The web address for the company's primary marketing site"),
  std('id', 'ID', 'string', false),
  std('created_at', 'Created at', 'date', false),
  std('updated_at', 'Updated at', 'date', false),
  std('plan.id', 'Plan ID', 'string', false),
  std('app_id', 'App ID', 'string', false),
];

// Contact: S14 has no contact example; the names are the contact object's fields (S14
// #/components/schemas/contact), writability follows update_contact_request. Labels UNCONFIRMED.
const CONTACT_STANDARD: readonly StandardAttribute[] = [
  std('id', 'ID', 'string', false),
  std('external_id', 'User ID', 'string', true),
  std('role', 'Role', 'string', true),
  std('name', 'Name', 'string', true),
  std('email', 'Email', 'string', true),
  std('email_domain', 'Email domain', 'string', false),
  std('phone', 'Phone', 'string', true),
  std('owner_id', 'Owner', 'integer', true),
  std('created_at', 'First seen', 'date', false),
  std('updated_at', 'Updated at', 'date', false),
  std('signed_up_at', 'Signed up', 'date', true),
  std('last_seen_at', 'Last seen', 'date', true),
  std('last_contacted_at', 'Last contacted', 'date', false),
  std('last_replied_at', 'Last replied', 'date', false),
  std('unsubscribed_from_emails', 'Unsubscribed from emails', 'boolean', true),
  std('location.city', 'City', 'string', false),
  std('location.region', 'Region', 'string', false),
  std('location.country', 'Country', 'string', false),
];

const STANDARD: Record<AttributeModel, readonly StandardAttribute[]> = { contact: CONTACT_STANDARD, company: COMPANY_STANDARD };

const standardWire = (model: AttributeModel, a: StandardAttribute) => ({
  type: 'data_attribute',
  name: a.name,
  full_name: a.fullName,
  label: a.label,
  description: a.description,
  data_type: a.dataType,
  api_writable: a.apiWritable,
  ui_writable: false,
  messenger_writable: true,
  custom: false,
  archived: false,
  model,
});

// Shape of S14's POST/PUT /data_attributes 200 examples; `options` only on a list attribute.
export const customWire = (a: DataAttribute) => ({
  id: a.id,
  type: 'data_attribute',
  name: a.name,
  full_name: `custom_attributes.${a.name}`,
  label: a.name,
  ...(a.description !== null && { description: a.description }),
  data_type: a.dataType,
  ...(a.options !== null && { options: [...a.options] }),
  api_writable: true,
  ui_writable: false,
  messenger_writable: a.messengerWritable,
  custom: true,
  archived: a.archived,
  admin_id: a.adminId,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
  model: a.model,
});

export function listDataAttributes(core: SimCore, workspaceId: string, models: readonly AttributeModel[], includeArchived: boolean) {
  const custom = listInWorkspace(core.state.dataAttributes, workspaceId).filter((a) => includeArchived || !a.archived);
  return models.flatMap((model) => [
    ...STANDARD[model].map((a) => standardWire(model, a)),
    ...custom.filter((a) => a.model === model).sort((a, b) => a.id - b.id).map(customWire),
  ]);
}

// The words Intercom's messages use for each model (S14 POST /data_attributes 400 examples).
const MODEL_WORD: Record<AttributeModel, string> = { contact: 'people', company: 'company' };

// "must only contain alphanumeric characters, currency symbols, and hyphens" (S14 example), yet
// S14's accepted names have spaces ("Mithril Shirt") and the docs' underscores ("plan_tier").
const NAME_PATTERN = /^[\p{L}\p{N}\p{Sc}\- _]+$/u;

interface NewAttribute {
  name: string;
  model: AttributeModel;
  dataType: DataType;
  options?: string[] | null | undefined;
  description?: string | null | undefined;
  messengerWritable?: boolean | undefined;
  adminId?: string | null | undefined;
}

/** Creates a CDA; throws the 400s of S14's POST /data_attributes examples. */
export function createDataAttribute(core: SimCore, workspaceId: string, input: NewAttribute): DataAttribute {
  if (!NAME_PATTERN.test(input.name)) throw parameterInvalid('Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens');
  const clash = listInWorkspace(core.state.dataAttributes, workspaceId).find((a) => a.name === input.name);
  const standardClash = STANDARD[input.model].some((a) => a.fullName === input.name);
  if (clash || standardClash) {
    throw parameterInvalid(`You already have '${input.name}' in your ${MODEL_WORD[clash?.model ?? input.model]} data. To save this as new ${MODEL_WORD[input.model]} data, use a different name.`);
  }
  return insert(core, workspaceId, input);
}

function insert(core: SimCore, workspaceId: string, input: NewAttribute): DataAttribute {
  const now = core.nowSec();
  const attribute: DataAttribute = {
    id: Number(core.ids.next('data_attribute')),
    workspaceId,
    model: input.model,
    name: input.name,
    description: input.description ?? null,
    dataType: input.dataType,
    options: input.options ?? null,
    messengerWritable: input.messengerWritable ?? false,
    archived: false,
    adminId: input.adminId ?? null,
    createdAt: now,
    updatedAt: now,
  };
  core.state.dataAttributes.set(String(attribute.id), attribute);
  return attribute;
}

export const attributeNotFound = () => new IntercomError(404, 'field_not_found', "We couldn't find that data attribute to update");

const typeName: Record<DataType, string> = { string: 'String', integer: 'Integer', float: 'Float', boolean: 'Boolean', date: 'Date' };

function fits(type: DataType, value: Exclude<CustomValue, null>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      // Dates are Unix seconds in custom attributes (intercom-api.md §4.5; S14 update_contact_request dates).
      return typeof value === 'number' && Number.isInteger(value) && value >= 0;
  }
}

/**
 * Checks a `custom_attributes` write against the workspace's CDAs of `model`. Messages: an unknown
 * attribute as S14 words it for users ("User attribute 'invalid_attr' does not exist", Fin Agent
 * errors example) with the code Intercom answers an unknown conversation attribute with
 * (parameter_invalid, intercom/intercom-node#349); a list value outside the options is a 400
 * (intercom/Intercom-OpenAPI#457). The wording of the type and option messages is UNCONFIRMED.
 * null clears a value and always fits.
 */
export function checkCustomAttributes(core: SimCore, workspaceId: string, model: AttributeModel, values: Record<string, unknown>): Record<string, CustomValue> {
  const live = listInWorkspace(core.state.dataAttributes, workspaceId).filter((a) => a.model === model && !a.archived);
  const checked: Record<string, CustomValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const attribute = live.find((a) => a.name === name);
    if (!attribute) throw parameterInvalid(`${model === 'contact' ? 'User' : 'Company'} attribute '${name}' does not exist`);
    if (value === null) {
      checked[name] = null;
      continue;
    }
    if ((typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') || !fits(attribute.dataType, value)) {
      throw parameterInvalid(`Custom attribute '${name}' must be of type ${typeName[attribute.dataType]}`);
    }
    if (attribute.options !== null && !attribute.options.includes(String(value))) {
      throw parameterInvalid(`'${String(value)}' is not an allowed value for custom attribute '${name}'`);
    }
    checked[name] = value;
  }
  return checked;
}

const inferType = (value: Exclude<CustomValue, null>): DataType =>
  typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : Number.isInteger(value) ? 'integer' : 'float';

/**
 * Declares the attributes a record set up "as a person in Intercom" carries but the workspace lacks,
 * each with the type of its value (a teammate creating the attribute in the UI first). A null value
 * says nothing about the type: string.
 */
export function declareMissing(core: SimCore, workspaceId: string, model: AttributeModel, values: Record<string, CustomValue>): void {
  const existing = new Set(listInWorkspace(core.state.dataAttributes, workspaceId).filter((a) => a.model === model).map((a) => a.name));
  // The teammate is the workspace's owner: S14 types admin_id as a string, never null.
  const adminId = core.state.workspaces.get(workspaceId)?.ownerAdminId ?? null;
  for (const [name, value] of Object.entries(values)) {
    if (existing.has(name)) continue;
    // Not createDataAttribute: a fixture's names need not pass the API's checks.
    insert(core, workspaceId, { name, model, dataType: value === null ? 'string' : inferType(value), adminId });
    existing.add(name);
  }
}
