// The HubSpot scopes the product needs (hubspot-api.md §2.7): contacts (and with them notes),
// companies, tickets, owners. OAuth asks for exactly these; a private-app token is checked for them.
export const REQUIRED_SCOPES: readonly string[] = [
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'tickets',
  'crm.objects.owners.read',
];

/** Required scopes a grant lacks; none when the grant is unknown (null). */
export function missingScopes(granted: readonly string[] | null): string[] {
  if (granted === null) return [];
  const have = new Set(granted);
  return REQUIRED_SCOPES.filter((scope) => !have.has(scope));
}
