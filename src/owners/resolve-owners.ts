// Which HubSpot owner stands for each Intercom teammate (DESIGN.md §1, "User mapping"): an override
// wins, then the same email (case-insensitive), then the default owner. An owner archived in HubSpot
// stays on the mapping, flagged, so a person sees why the default owner gets the notes instead.
import type { UserSettings } from '../config/connection-settings.ts';

const MAPPING_SOURCES = ['email', 'override', 'default', 'none'] as const;
export type MappingSource = (typeof MAPPING_SOURCES)[number];

/** An Intercom teammate as GET /admins gives it (the Admin schema fits). */
export interface Teammate {
  id: string;
  name?: string | null | undefined;
  email?: string | null | undefined;
}

/** A HubSpot owner reduced to what the mapping keeps and shows. */
export interface OwnerSummary {
  id: string;
  name: string;
  email: string | null;
  archived: boolean;
}

export interface OwnerMapping {
  adminId: string;
  adminName: string;
  adminEmail: string | null;
  ownerId: string | null;
  ownerName: string | null;
  ownerEmail: string | null;
  ownerArchived: boolean;
  source: MappingSource;
}

export interface ResolvedOwners {
  mappings: OwnerMapping[];
  /** Sentences naming the settings key at fault (`users.overrides[i]…`, `users.defaultOwner`). */
  problems: string[];
  /** The default owner when it exists and is active: the fallback for teammates without an active owner. */
  defaultOwner: OwnerSummary | null;
}

/** A HubSpot owner (src/integrations/hubspot/schemas.ts) as the mapping shows it. */
export function ownerSummary(owner: { id: string; email?: string | null | undefined; firstName?: string | undefined; lastName?: string | undefined; archived: boolean }): OwnerSummary {
  const email = owner.email?.trim() || null;
  const name = [owner.firstName, owner.lastName].filter(Boolean).join(' ').trim() || email || `Owner ${owner.id}`;
  return { id: owner.id, name, email, archived: owner.archived };
}

const normal = (email: string | null | undefined) => email?.trim().toLowerCase() || null;

/** Looks an owner up by id or email; for an email shared by an active and an archived owner, the active one. */
function ownerFinder(owners: readonly OwnerSummary[]): (ref: string) => OwnerSummary | undefined {
  const byId = new Map(owners.map((owner) => [owner.id, owner]));
  const byEmail = new Map<string, OwnerSummary>();
  for (const owner of owners) {
    const email = normal(owner.email);
    if (!email) continue;
    const seen = byEmail.get(email);
    if (!seen || (seen.archived && !owner.archived)) byEmail.set(email, owner);
  }
  return (ref) => byId.get(ref.trim()) ?? byEmail.get(normal(ref) ?? '');
}

export function resolveOwners(admins: readonly Teammate[], owners: readonly OwnerSummary[], settings: UserSettings): ResolvedOwners {
  const problems: string[] = [];
  const findOwner = ownerFinder(owners);
  const adminFor = (ref: string) => {
    const id = ref.trim();
    const email = normal(ref);
    return admins.find((admin) => admin.id === id) ?? admins.find((admin) => email !== null && normal(admin.email) === email);
  };

  // Override per teammate id; the first pair naming a teammate counts.
  const overrides = new Map<string, OwnerSummary>();
  const overridden = new Map<string, number>();
  settings.overrides.forEach((pair, index) => {
    const key = `users.overrides[${index}]`;
    const admin = adminFor(pair.intercomAdmin);
    const owner = findOwner(pair.hubspotOwner);
    if (!admin) problems.push(`${key}.intercomAdmin: no Intercom teammate has the email or id '${pair.intercomAdmin}'.`);
    if (!owner) problems.push(`${key}.hubspotOwner: no HubSpot owner has the email or id '${pair.hubspotOwner}'; the teammate is matched by email instead.`);
    if (!admin) return;
    const earlier = overridden.get(admin.id);
    if (earlier !== undefined) {
      problems.push(`${key}: the teammate '${pair.intercomAdmin}' already has an override in users.overrides[${earlier}], which counts.`);
      return;
    }
    overridden.set(admin.id, index);
    if (owner) overrides.set(admin.id, owner);
  });

  let defaultOwner: OwnerSummary | null = null;
  const defaultRef = settings.defaultOwner.trim();
  if (defaultRef) {
    const found = findOwner(defaultRef);
    if (!found) problems.push(`users.defaultOwner: no HubSpot owner has the email or id '${defaultRef}'; teammates without an owner get none.`);
    else if (found.archived) problems.push(`users.defaultOwner: '${found.name}' is archived in HubSpot; teammates without an owner get none until another default owner is chosen.`);
    else defaultOwner = found;
  }

  const mappings = admins.map((admin): OwnerMapping => {
    const adminEmail = admin.email?.trim() || null;
    const base = { adminId: admin.id, adminName: admin.name?.trim() || adminEmail || `Teammate ${admin.id}`, adminEmail };
    const pick = (owner: OwnerSummary | null, source: MappingSource): OwnerMapping => ({
      ...base,
      ownerId: owner?.id ?? null,
      ownerName: owner?.name ?? null,
      ownerEmail: owner?.email ?? null,
      ownerArchived: owner?.archived ?? false,
      source: owner ? source : 'none',
    });
    const override = overrides.get(admin.id);
    if (override) return pick(override, 'override');
    const byEmail = adminEmail ? findOwnerByEmail(owners, adminEmail) : undefined;
    if (byEmail) return pick(byEmail, 'email');
    return pick(defaultOwner, 'default');
  });

  return { mappings, problems, defaultOwner };
}

/** Email only: an admin email that happens to equal an owner id must not match it. */
function findOwnerByEmail(owners: readonly OwnerSummary[], email: string): OwnerSummary | undefined {
  const wanted = normal(email);
  const matches = owners.filter((owner) => normal(owner.email) === wanted);
  return matches.find((owner) => !owner.archived) ?? matches[0];
}
