// Request bodies of contact and company writes, as S14 declares them (update_contact_request,
// create_or_update_company_request, update_company_request). A key the schema lacks is refused the
// way S14's POST /companies "Bad Request" example shows: 400 bad_request "bad 'test' parameter".
import { z } from 'zod';
import { IntercomError, parameterInvalid } from '../errors.ts';
import type { CompanyChanges, ContactChanges } from '../people-writes.ts';

const unixSeconds = z.number().int().nonnegative();
const customAttributes = z.record(z.string(), z.unknown());

const ContactUpdate = z.object({
  role: z.enum(['user', 'lead']).optional(),
  external_id: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  avatar: z.string().nullable().optional(),
  signed_up_at: unixSeconds.nullable().optional(),
  last_seen_at: unixSeconds.nullable().optional(),
  owner_id: z.number().int().nullable().optional(),
  unsubscribed_from_emails: z.boolean().nullable().optional(),
  custom_attributes: customAttributes.nullable().optional(),
});

const companyFields = {
  name: z.string().optional(),
  plan: z.string().optional(),
  size: z.number().int().optional(),
  website: z.string().optional(),
  industry: z.string().optional(),
  custom_attributes: customAttributes.optional(),
  // "an upper limit of 2**31-1" (S14 monthly_spend).
  monthly_spend: z.number().max(2 ** 31 - 1).optional(),
};
const CompanyUpdate = z.object(companyFields);
const CompanyUpsert = z.object({ ...companyFields, company_id: z.string().optional(), remote_created_at: unixSeconds.optional() });

function parseStrict<T extends z.ZodObject>(schema: T, body: unknown): z.infer<T> {
  const input = body ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) throw parameterInvalid('The request body must be a JSON object');
  const unknown = Object.keys(input).find((key) => !(key in schema.shape));
  if (unknown !== undefined) throw new IntercomError(400, 'bad_request', `bad '${unknown}' parameter`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw parameterInvalid(`${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** S14 create_contact_request: the update fields, one of email, external_id or role required (its anyOf). */
export function parseContactCreate(body: unknown): ReturnType<typeof parseContactUpdate> {
  const changes = parseContactUpdate(body);
  if (changes.email === undefined && changes.externalId === undefined && changes.role === undefined) {
    throw new IntercomError(400, 'parameter_not_found', 'email, external_id or role is required');
  }
  return changes;
}

export function parseContactUpdate(body: unknown): Omit<ContactChanges, 'role'> & { role?: 'user' | 'lead' | undefined } {
  const b = parseStrict(ContactUpdate, body);
  return {
    role: b.role,
    externalId: b.external_id,
    email: b.email,
    phone: b.phone,
    name: b.name,
    avatar: b.avatar,
    signedUpAt: b.signed_up_at,
    lastSeenAt: b.last_seen_at,
    ownerId: b.owner_id,
    unsubscribedFromEmails: b.unsubscribed_from_emails ?? undefined,
    customAttributes: b.custom_attributes ?? undefined,
  };
}

const companyChanges = (b: z.infer<typeof CompanyUpdate>): CompanyChanges => ({
  name: b.name,
  plan: b.plan,
  size: b.size,
  website: b.website,
  industry: b.industry,
  monthlySpend: b.monthly_spend,
  customAttributes: b.custom_attributes,
});

export const parseCompanyUpdate = (body: unknown): CompanyChanges => companyChanges(parseStrict(CompanyUpdate, body));

export function parseCompanyUpsert(body: unknown): CompanyChanges & { companyId?: string | undefined } {
  const b = parseStrict(CompanyUpsert, body);
  return { ...companyChanges(b), companyId: b.company_id, remoteCreatedAt: b.remote_created_at };
}
