// Wire shapes of admins, teams, contacts and companies for API 2.14 (S14 schemas admin,
// admin_with_app, team, contact, company), with the real-world deviations intercom-api.md records.
import type { SimState } from '../state.ts';
import type { Admin, Company, Contact, Team, Workspace } from '../types.ts';

/** Webhook items carry ISO-8601 timestamps where REST carries Unix seconds (intercom-api.md §2.5; Z; GH85). */
export type TimeStyle = 'unix' | 'iso';

const isoTime = (unix: number | null): string | null => (unix === null ? null : new Date(unix * 1000).toISOString().replace('Z', '+00:00'));
const time = (unix: number | null, style: TimeStyle) => (style === 'iso' ? isoTime(unix) : unix);

export function adminWire(admin: Admin) {
  return {
    type: 'admin',
    email: admin.email,
    id: admin.id,
    name: admin.name,
    job_title: admin.jobTitle,
    away_mode_enabled: admin.awayModeEnabled,
    away_mode_reassign: admin.awayModeReassign,
    away_status_reason_id: null,
    has_inbox_seat: admin.hasInboxSeat,
    team_ids: admin.teamIds,
    avatar: admin.avatarUrl,
  };
}

export function meWire(admin: Admin, workspace: Workspace) {
  return {
    type: 'admin',
    id: admin.id,
    email: admin.email,
    name: admin.name,
    email_verified: true,
    app: {
      type: 'app',
      id_code: workspace.id,
      name: workspace.name,
      created_at: workspace.createdAt,
      secure: false,
      identity_verification: false,
      timezone: workspace.timezone,
      region: workspace.region,
    },
    avatar: { type: 'avatar', image_url: admin.avatarUrl ?? 'https://static.intercomassets.com/assets/default-avatars/admins/128.png' },
    has_inbox_seat: admin.hasInboxSeat,
  };
}

export const teamWire = (team: Team) => ({
  type: 'team',
  id: team.id,
  name: team.name,
  admin_ids: team.adminIds,
  admin_priority_level: null,
  assignment_limit: null,
  distribution_method: null,
});

// Contacts embed at most 10 companies/tags/notes, with has_more and a URL for the rest (S14 contact_companies).
const EMBED_LIMIT = 10;

const embedded = (contactId: string, kind: string, data: object[], url = `/contacts/${contactId}/${kind}`) => ({
  type: 'list',
  data: data.slice(0, EMBED_LIMIT),
  url,
  total_count: data.length,
  has_more: data.length > EMBED_LIMIT,
});

export function contactWire(state: SimState, contact: Contact, style: TimeStyle = 'unix') {
  const companies = contact.companyIds
    .filter((id) => state.companies.has(id))
    .map((id) => ({ id, type: 'company', url: `/companies/${id}` }));
  const tags = contact.tagIds.map((id) => ({ id, type: 'tag', url: `/tags/${id}` }));
  const device = Object.fromEntries(
    ['android', 'ios'].flatMap((os) =>
      ['app_name', 'app_version', 'device', 'os_version', 'sdk_version', 'last_seen_at'].map((k) => [`${os}_${k}`, null]),
    ),
  );
  const wire: Record<string, unknown> = {
    type: 'contact',
    id: contact.id,
    workspace_id: contact.workspaceId,
    external_id: contact.externalId,
    role: contact.role,
    // No email is "" rather than null: S14 types both as plain strings, its visitor example has
    // email '' and a lead author without email comes as "" (Z conversation_admin_open_assigned.json).
    email: contact.email ?? '',
    email_domain: contact.email?.split('@')[1] ?? '',
    phone: contact.phone,
    name: contact.name,
    avatar: contact.avatar,
    owner_id: contact.ownerId,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: contact.unsubscribedFromEmails,
    created_at: time(contact.createdAt, style),
    updated_at: time(contact.updatedAt, style),
    signed_up_at: time(contact.signedUpAt, style),
    last_seen_at: time(contact.lastSeenAt, style),
    last_replied_at: time(contact.lastRepliedAt, style),
    last_contacted_at: time(contact.lastContactedAt, style),
    last_email_opened_at: null,
    last_email_clicked_at: null,
    language_override: null,
    browser: null,
    browser_version: null,
    browser_language: null,
    os: null,
    location: {
      type: 'location',
      country: contact.location.country,
      region: contact.location.region,
      city: contact.location.city,
      country_code: contact.location.countryCode,
      continent_code: contact.location.continentCode,
    },
    ...device,
    custom_attributes: contact.customAttributes,
    tags: embedded(contact.id, 'tags', tags),
    notes: embedded(contact.id, 'notes', []),
    companies: embedded(contact.id, 'companies', companies),
    opted_out_subscription_types: embedded(contact.id, 'subscriptions', []),
    opted_in_subscription_types: embedded(contact.id, 'subscriptions', []),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: null,
    utm_term: null,
    referrer: null,
    enabled_push_messaging: null,
  };
  if (style === 'iso') {
    // Webhook contact items (Z contact_user_created.json) have these two and no email_domain.
    delete wire.email_domain;
    wire.sms_consent = false;
    wire.unsubscribed_from_sms = false;
  }
  return wire;
}

export function companyWire(state: SimState, company: Company, style: TimeStyle = 'unix') {
  const userCount = [...state.contacts.values()].filter((c) => c.mergedInto === null && c.companyIds.includes(company.id)).length;
  const wire: Record<string, unknown> = {
    type: 'company',
    company_id: company.companyId,
    id: company.id,
    app_id: company.workspaceId,
    name: company.name,
    remote_created_at: company.remoteCreatedAt,
    created_at: time(company.createdAt, style),
    updated_at: time(company.updatedAt, style),
    monthly_spend: company.monthlySpend,
    session_count: company.sessionCount,
    user_count: userCount,
    // S14 examples answer a company without plan with {} (not null).
    plan: company.planName ? { type: 'plan', id: String(company.planName.length * 1000), name: company.planName } : {},
    custom_attributes: company.customAttributes,
  };
  if (company.lastRequestAt !== null) wire.last_request_at = time(company.lastRequestAt, style);
  if (company.size !== null) wire.size = company.size;
  if (company.website !== null) wire.website = company.website;
  if (company.industry !== null) wire.industry = company.industry;
  if (style === 'iso') {
    // Webhook company items: plan null and tag_ids instead of tags (Z company_updated.json).
    wire.plan = company.planName ? wire.plan : null;
    wire.tag_ids = company.tagIds;
  } else {
    const tags = company.tagIds.flatMap((id) => {
      const tag = state.tags.get(id);
      return tag ? [{ type: 'tag', id: tag.id, name: tag.name }] : [];
    });
    wire.tags = { type: 'tag.list', tags };
    wire.segments = { type: 'segment.list', segments: [] };
  }
  return wire;
}
