// Data attributes (S14 #/paths/~1data_attributes and ~1data_attributes~1{data_attribute_id}): list
// per model (standard and custom), create a custom attribute (a list one with options), update its
// description, options or archived flag. Messages are S14's examples, where it has them.
import type { FastifyInstance } from 'fastify';
import { authOf } from '../auth.ts';
import type { SimCore } from '../core.ts';
import { attributeNotFound, createDataAttribute, customWire, listDataAttributes, type AttributeModel } from '../data-attributes.ts';
import { parameterInvalid } from '../errors.ts';
import { inWorkspace } from '../state.ts';
import type { DataType } from '../types.ts';

// S14 create_data_attribute_request: `options` makes a list attribute; 2.14's data_attribute has no
// `datetime` type (2.17 adds it, intercom-api.md §4.5), so one created as such reads back as `date`.
const CREATE_TYPES: Record<string, DataType | 'options'> = {
  string: 'string', integer: 'integer', float: 'float', boolean: 'boolean', date: 'date', datetime: 'date', options: 'options',
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `[{"value": "1-10"}, …]` → ["1-10", …]; "At least two options are required" (S14 request schemas). */
function parseOptions(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw parameterInvalid("Options isn't an array");
  const values = raw.map((option) => (isRecord(option) && typeof option.value === 'string' ? option.value : null));
  if (values.some((v) => v === null)) throw parameterInvalid('Each option must be an object with a string value');
  // The wording of this one is UNCONFIRMED (S14's "too few options" examples show no response).
  if (values.length < 2) throw parameterInvalid('Options must contain at least two values');
  return values as string[];
}

const optionalString = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw parameterInvalid(`${key} must be a string`);
  return value;
};

const optionalBoolean = (body: Record<string, unknown>, key: string): boolean | undefined => {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw parameterInvalid(`${key} must be a boolean`);
  return value;
};

export function registerDataAttributeRoutes(app: FastifyInstance, core: SimCore): void {
  app.get<{ Querystring: { model?: string; include_archived?: string } }>('/data_attributes', async (request) => {
    const { workspace } = authOf(request);
    const { model, include_archived: includeArchived } = request.query;
    // S14 query `model` ∈ contact|company|conversation; conversation attributes are not simulated.
    if (model !== undefined && !['contact', 'company', 'conversation'].includes(model)) throw parameterInvalid('model must be one of contact, company or conversation');
    const models: AttributeModel[] = model === undefined ? ['contact', 'company'] : model === 'conversation' ? [] : [model as AttributeModel];
    return { type: 'list', data: listDataAttributes(core, workspace.id, models, includeArchived === 'true') };
  });

  app.post('/data_attributes', async (request) => {
    const { workspace } = authOf(request);
    const body = isRecord(request.body) ? request.body : {};
    const { model } = body;
    if (model !== 'contact' && model !== 'company') throw parameterInvalid('The Data Attribute model field must be either contact or company');
    const name = optionalString(body, 'name');
    if (name === undefined || name.trim() === '') throw parameterInvalid('name is required');
    const type = typeof body.data_type === 'string' ? CREATE_TYPES[body.data_type] : undefined;
    if (type === undefined) throw parameterInvalid("Data Type isn't an option");
    const attribute = createDataAttribute(core, workspace.id, {
      name,
      model,
      dataType: type === 'options' ? 'string' : type,
      options: type === 'options' ? parseOptions(body.options) : null,
      description: optionalString(body, 'description'),
      messengerWritable: optionalBoolean(body, 'messenger_writable'),
      adminId: workspace.ownerAdminId,
    });
    return customWire(attribute);
  });

  app.put<{ Params: { data_attribute_id: string } }>('/data_attributes/:data_attribute_id', async (request) => {
    const { workspace } = authOf(request);
    const attribute = inWorkspace(core.state.dataAttributes, workspace.id, request.params.data_attribute_id);
    if (!attribute) throw attributeNotFound();
    const body = isRecord(request.body) ? request.body : {};
    // "Updating the data type is not possible … via the API" (S14 PUT /data_attributes/{id} description).
    if (body.data_type !== undefined) throw parameterInvalid('Updating the data type of a data attribute is not possible through the API');
    const options = body.options === undefined ? undefined : parseOptions(body.options);
    if (options !== undefined && attribute.dataType !== 'string') throw parameterInvalid('Options can only be set on a list attribute');
    const description = optionalString(body, 'description');
    const archived = optionalBoolean(body, 'archived');
    const messengerWritable = optionalBoolean(body, 'messenger_writable');
    if (options !== undefined) attribute.options = options;
    if (description !== undefined) attribute.description = description;
    if (archived !== undefined) attribute.archived = archived;
    if (messengerWritable !== undefined) attribute.messengerWritable = messengerWritable;
    attribute.updatedAt = core.nowSec();
    return customWire(attribute);
  });
}
