// Validates simulator responses against Intercom's OpenAPI 3.0 description (S14), choosing the
// schema by path, method and status as a client generated from the spec would.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_PATH = fileURLToPath(new URL('../../../../shared/specs/intercom/api.intercom.io.2.14.yaml', import.meta.url));
export const specAvailable = () => existsSync(SPEC_PATH);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a null alternative; everything else passes as is. */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples' || key === 'nullable' || key.startsWith('x-')) continue;
    out[key] = key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]))
      : toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string' && out.$ref === undefined && out.allOf === undefined && out.anyOf === undefined && out.oneOf === undefined) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Json }>; $ref?: string }>;
}

export interface SpecValidator {
  validate(method: string, pathTemplate: string, status: number, body: unknown): ErrorObject[];
}

export function loadSpec(): SpecValidator {
  const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, Json>; responses: Record<string, { content?: Record<string, { schema?: Json }> }> };
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema({ $id: 'intercom', components: { schemas: toJsonSchema(spec.components.schemas as Json) } }, 'intercom');
  const cache = new Map<string, ValidateFunction>();

  const schemaFor = (method: string, pathTemplate: string, status: number): Json => {
    const operation = spec.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`S14 has no ${method} ${pathTemplate}`);
    let response = operation.responses?.[String(status)];
    if (response?.$ref) response = spec.components.responses[response.$ref.split('/').pop() ?? ''];
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`S14 has no JSON schema for ${method} ${pathTemplate} ${status}`);
    // Point local refs at the registered components document.
    return JSON.parse(JSON.stringify(toJsonSchema(schema)).replaceAll('"#/components/', '"intercom#/components/'));
  };

  return {
    validate(method, pathTemplate, status, body) {
      const key = `${method} ${pathTemplate} ${status}`;
      let validate = cache.get(key);
      if (!validate) {
        const schema = schemaFor(method, pathTemplate, status);
        validate = ajv.compile(typeof schema === 'object' && schema !== null ? schema : {});
        cache.set(key, validate);
      }
      return validate(body) ? [] : [...(validate.errors ?? [])];
    },
  };
}
