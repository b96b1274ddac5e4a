// associationChange webhook events: an association made or removed between two CRM records fires
// one event per side, `contact.associationChange` with CONTACT_TO_COMPANY and
// `company.associationChange` with COMPANY_TO_CONTACT (same-type pairs fire for both sides too,
// hubspot-api.md §16.2 from developers.hubspot.com/changelog/bugfix-webhook-associationchanges).
// The fields associationType, fromObjectId, toObjectId, associationRemoved and
// isPrimaryAssociation are from the same section (list UNCONFIRMED verbatim). Notes have no
// associationChange subscription type (eventType enum, §16.1), so a pair with a note fires nothing.
import { associationsOf, type End } from './association-store.ts';
import type { Ctx } from './records.ts';

const WITH_EVENTS = new Set(['contacts', 'companies', 'tickets']);

export function associationChanged(ctx: Ctx, a: End, b: End, removed: boolean): void {
  if (!WITH_EVENTS.has(a.info.name) || !WITH_EVENTS.has(b.info.name)) return;
  const now = ctx.state.clock.now();
  for (const [from, to] of [[a, b], [b, a]] as const) {
    const types = removed ? [] : associationsOf(ctx.portal, from, to.info).find((x) => x.id === to.id)?.types ?? [];
    ctx.emit({
      hubId: ctx.portal.hubId, objectType: from.info, objectId: from.id, kind: 'associationChange', occurredAt: now,
      association: { type: `${from.info.upper}_TO_${to.info.upper}`, fromObjectId: from.id, toObjectId: to.id, removed, primary: types.some((t) => t.primary) },
      ...(ctx.source ? { source: ctx.source } : {}),
    });
  }
}
