// Data attributes: the workspace's fields of contacts and companies, listed and created (#17 items 4
// and 5). Sources: intercom-api.md §4.5; S14 #/paths/~1data_attributes (get, post) and the schemas
// `data_attribute`, `data_attribute_list` and `create_data_attribute_request`.
import { z } from 'zod';
import type { UpstreamClient } from '../upstream-client.ts';

export type DataAttributeModel = 'contact' | 'company';

/**
 * S14 `data_attribute`. Standard attributes have no `id` and `custom: false`; a custom one's value
 * lives in `custom_attributes[name]`. `data_type` stays an open string: 2.17 adds `datetime` (§4.5).
 */
const DataAttribute = z.looseObject({
  type: z.string().optional(),
  id: z.union([z.string(), z.number()]).transform(String).nullish(),
  model: z.string().nullish(),
  name: z.string(),
  full_name: z.string().nullish(),
  label: z.string().nullish(),
  description: z.string().nullish(),
  data_type: z.string(),
  /** A list attribute's options (a string attribute that takes only these). */
  options: z.array(z.string()).nullish(),
  api_writable: z.boolean().nullish(),
  custom: z.boolean().nullish(),
  archived: z.boolean().nullish(),
});
export type IntercomDataAttribute = z.infer<typeof DataAttribute>;

/** S14 `data_attribute_list`: `{type: "list", data: [...]}`, no pagination (§4.5). */
const DataAttributeList = z.looseObject({ type: z.string().optional(), data: z.array(DataAttribute) });

/** The types a data attribute can be created with (S14 create_data_attribute_request, "other type"). */
type CreatableDataType = 'string' | 'integer' | 'float' | 'boolean' | 'date';

export interface CreateDataAttributeInput {
  name: string;
  model: DataAttributeModel;
  data_type: CreatableDataType;
  /** Makes a list attribute (a string with these options); S14 asks for at least two. */
  options?: readonly string[];
  description?: string;
}

export function dataAttributeMethods(upstream: UpstreamClient) {
  return {
    /** GET /data_attributes?model=…: standard and custom attributes of the model, archived ones left out. */
    async listDataAttributes(model: DataAttributeModel): Promise<IntercomDataAttribute[]> {
      return (await upstream.json({ method: 'GET', path: '/data_attributes', query: { model } }, DataAttributeList)).data;
    },

    /**
     * POST /data_attributes. A list attribute is sent as `data_type: "options"` with
     * `options: [{value}]` (S14 create_data_attribute_request, "list attribute"); it reads back as a
     * string with options. A name already taken is a 400 parameter_invalid "You already have '…'".
     */
    createDataAttribute(input: CreateDataAttributeInput): Promise<IntercomDataAttribute> {
      const list = input.options !== undefined && input.data_type === 'string';
      const body = {
        name: input.name,
        model: input.model,
        data_type: list ? 'options' : input.data_type,
        ...(list ? { options: (input.options ?? []).map((value) => ({ value })) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      };
      return upstream.json({ method: 'POST', path: '/data_attributes', body }, DataAttribute);
    },
  };
}

export type DataAttributeMethods = ReturnType<typeof dataAttributeMethods>;
