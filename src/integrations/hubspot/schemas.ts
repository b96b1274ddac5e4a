// zod schemas for the parts of HubSpot's answers the code relies on. Vendor enums (batch `status`,
// association `category`, owner `type`, property `type`) are plain strings: a value HubSpot adds
// tomorrow must not turn a working call into an invalid_response. Unknown keys are dropped.
import { z } from 'zod';

/** hubspot-api.md §5.4/§10: `paging` is absent on the last page; `after` is opaque. */
const Paging = z.object({ next: z.object({ after: z.string() }).optional() }).optional();

/** hubspot-api.md §5.3: values are strings; requested-but-unset properties come back as null. */
/**
 * One version of a property's value, newest first (hubspot-api.md §5 "propertiesWithHistory", spec
 * `ValueWithTimestamp`): record sync reads the newest's timestamp as the field's own change time.
 */
const ValueWithTimestamp = z.object({
  value: z.string().nullable(),
  timestamp: z.string(),
  sourceType: z.string(),
  sourceId: z.string().nullish(),
  sourceLabel: z.string().nullish(),
  updatedByUserId: z.number().nullish(),
});

export const CrmObject = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  propertiesWithHistory: z.record(z.string(), z.array(ValueWithTimestamp)).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  associations: z.record(z.string(), z.object({ results: z.array(z.object({ id: z.string(), type: z.string() })) })).optional(),
});
export type CrmObject = z.infer<typeof CrmObject>;

export const CrmPage = z.object({ results: z.array(CrmObject), paging: Paging });

/** hubspot-api.md §10: `total` is present even when 0. */
export const SearchPage = z.object({ total: z.number(), results: z.array(CrmObject), paging: Paging });

/** StandardError items of a batch answer (hubspot-api.md §4, §5.7). */
const BatchError = z.object({
  status: z.string().optional(),
  category: z.string().optional(),
  message: z.string(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});

/** hubspot-api.md §5.7; 2026-09 folds 207 into one schema with optional errors[] (§1). Upsert items carry `new`. */
export const BatchResult = z.object({
  status: z.string(),
  results: z.array(CrmObject.extend({ new: z.boolean().optional() })),
  errors: z.array(BatchError).optional(),
  numErrors: z.number().optional(),
});
export type BatchResult = z.infer<typeof BatchResult>;

/** hubspot-api.md §11.2: toObjectId is a number in the v4 shapes. */
export const AssociationItem = z.object({
  toObjectId: z.union([z.number(), z.string()]).transform(String),
  associationTypes: z.array(z.object({ category: z.string(), typeId: z.number(), label: z.string().nullable().optional() })),
});
/**
 * POST /crm/associations/2026-09/{from}/{to}/batch/read (hubspot-api.md §11.2): one result per id
 * that has associations, its own paging; ids with none (or unknown) come back in errors[].
 */
export const AssociationBatchRead = z.object({
  status: z.string(),
  results: z.array(z.object({ from: z.object({ id: z.union([z.number(), z.string()]).transform(String) }), to: z.array(AssociationItem), paging: Paging })),
  errors: z.array(BatchError).optional(),
  numErrors: z.number().optional(),
});

export const LabelsBetween = z.object({
  fromObjectId: z.union([z.number(), z.string()]).transform(String),
  toObjectId: z.union([z.number(), z.string()]).transform(String),
  labels: z.array(z.string()),
});

export const DefaultAssociationResult = z.object({
  status: z.string(),
  results: z.array(z.object({
    from: z.object({ id: z.string() }), to: z.object({ id: z.string() }),
    associationSpec: z.object({ associationCategory: z.string(), associationTypeId: z.number() }),
  })),
});

/** hubspot-api.md §14.2. */
export const PipelineStage = z.object({
  id: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean(),
  metadata: z.record(z.string(), z.string()).default({}),
});
export const Pipeline = z.object({ id: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean(), stages: z.array(PipelineStage) });
export type Pipeline = z.infer<typeof Pipeline>;
export type PipelineStage = z.infer<typeof PipelineStage>;

/** hubspot-api.md §15: `id` goes into hubspot_owner_id; archived owners have userId null. */
export const Owner = z.object({
  id: z.string(), type: z.string(), archived: z.boolean(),
  email: z.string().optional(), firstName: z.string().optional(), lastName: z.string().optional(),
  userId: z.number().nullable().optional(), userIdIncludingInactive: z.number().nullable().optional(),
});
export type Owner = z.infer<typeof Owner>;
export const OwnerPage = z.object({ results: z.array(Owner), paging: Paging });

/** hubspot-api.md §13.2. */
export const Property = z.object({
  name: z.string(), label: z.string(), type: z.string(), fieldType: z.string(), groupName: z.string(),
  hasUniqueValue: z.boolean().optional(), archived: z.boolean().optional(),
  /** false for a property the account made (a custom one; hubspot-api.md §13.2). */
  hubspotDefined: z.boolean().optional(),
  options: z.array(z.object({ label: z.string(), value: z.string() })).optional(),
  modificationMetadata: z.object({ readOnlyValue: z.boolean() }).optional(),
});
export type Property = z.infer<typeof Property>;
export const PropertyGroup = z.object({ name: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean().optional() });
export type PropertyGroup = z.infer<typeof PropertyGroup>;

/** hubspot-api.md §2.3: refresh answer; `refresh_token` is always persisted (rotation UNCONFIRMED). */
export const TokenResponse = z.object({
  access_token: z.string(), refresh_token: z.string().optional(), expires_in: z.number(),
  hub_id: z.number().optional(), scopes: z.array(z.string()).optional(),
});

/** hubspot-api.md §2.4. */
export const Introspection = z.object({
  active: z.boolean(), hub_id: z.number().optional(), scopes: z.array(z.string()).optional(),
  expires_in: z.number().optional(), token_use: z.string().optional(), user: z.string().optional(), hub_domain: z.string().optional(),
});

/**
 * GET /account-info/2026-09/details ("Retrieve account details", HubSpot's account-information API
 * reference): who the token belongs to. Only the fields the code uses.
 */
export const AccountDetails = z.object({ portalId: z.number(), timeZone: z.string().optional(), uiDomain: z.string().optional() });

/**
 * POST /oauth/v2/private-apps/get/access-token-info {tokenKey} (HubSpot's private-apps page; see
 * HubSpot/hubspot-api-php#171): the scopes of a private-app token. The answer's shape beyond
 * `scopes` is UNCONFIRMED, so only `scopes` is relied on.
 */
export const PrivateAppTokenInfo = z.object({ hubId: z.number().optional(), scopes: z.array(z.string()) });
