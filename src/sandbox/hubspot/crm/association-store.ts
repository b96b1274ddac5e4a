// Associations as directional edges carrying a set of type ids per ordered pair, with the inverse
// edge kept in step (hubspot-api.md §11 checklist). Type ids per direction from the associate-records
// guide's table and the SDK's AssociationTypesEnum.ts (hubspot-api.md §11.3).
import { validation } from '../errors.ts';
import type { AssociationTypeDef, Portal } from '../state.ts';
import type { ObjectTypeInfo } from './types.ts';

type Pair = [from: string, to: string, unlabeled: number, inverse: number, primary?: [number, number]];

// [fromTypeId, toTypeId, unlabeled typeId, inverse unlabeled typeId, primary [typeId, inverse]]
const PAIRS: Pair[] = [
  ['0-1', '0-2', 279, 280, [1, 2]],
  ['0-5', '0-1', 16, 15],
  ['0-5', '0-2', 339, 340, [26, 25]],
  ['0-46', '0-1', 202, 201],
  ['0-46', '0-2', 190, 189],
  ['0-46', '0-5', 228, 227],
  // Deals: deal→contact 3 / contact→deal 4 (no primary); deal→company 341 / company→deal 342, primary
  // 5 / 6; note→deal 214 / 213; ticket→deal 28 / 27 (hubspot-api.md §11.3; the associate-records
  // guide's "Association type ID values"; the SDKs' enums: DealToContact = 3, ContactToDeal = 4,
  // DealToCompany = 341, CompanyToDeal = 342, primary 5 / 6).
  ['0-3', '0-1', 3, 4],
  ['0-3', '0-2', 341, 342, [5, 6]],
  ['0-46', '0-3', 214, 213],
  ['0-5', '0-3', 28, 27],
];
const NAMES: Record<string, string> = { '0-1': 'contact', '0-2': 'company', '0-3': 'deal', '0-5': 'ticket', '0-46': 'note' };

function builtIns(): AssociationTypeDef[] {
  const defs: AssociationTypeDef[] = [];
  const push = (from: string, to: string, typeId: number, inverseTypeId: number, primary: boolean) => {
    const base = `${NAMES[from]}_to_${NAMES[to]}`;
    // v3 type strings: the primary type is "contact_to_company", the plain one "…_unlabeled" when a
    // primary exists (docs example, [2ND] spelling); pairs without a primary use the plain name.
    const hasPrimary = PAIRS.some((p) => p[4] && ((p[0] === from && p[1] === to) || (p[0] === to && p[1] === from)));
    defs.push({
      typeId, inverseTypeId, fromTypeId: from, toTypeId: to, category: 'HUBSPOT_DEFINED', primary, unlabeled: !primary,
      label: primary ? 'Primary' : null, name: primary || !hasPrimary ? base : `${base}_unlabeled`,
    });
  };
  for (const [from, to, unlabeled, inverse, primary] of PAIRS) {
    push(from, to, unlabeled, inverse, false);
    push(to, from, inverse, unlabeled, false);
    if (primary) {
      push(from, to, primary[0], primary[1], true);
      push(to, from, primary[1], primary[0], true);
    }
  }
  for (const [typeId, type, name] of [[449, '0-1', 'contact_to_contact'], [450, '0-2', 'company_to_company'], [452, '0-5', 'ticket_to_ticket']] as const) {
    defs.push({ typeId, inverseTypeId: typeId, fromTypeId: type, toTypeId: type, category: 'HUBSPOT_DEFINED', primary: false, unlabeled: true, label: null, name });
  }
  defs.push(
    { typeId: 13, inverseTypeId: 14, fromTypeId: '0-2', toTypeId: '0-2', category: 'HUBSPOT_DEFINED', primary: false, unlabeled: false, label: 'Child Company', name: 'child_to_parent_company' },
    { typeId: 14, inverseTypeId: 13, fromTypeId: '0-2', toTypeId: '0-2', category: 'HUBSPOT_DEFINED', primary: false, unlabeled: false, label: 'Parent Company', name: 'parent_to_child_company' },
  );
  return defs;
}
const BUILT_IN_TYPES = builtIns();

export const typesBetween = (portal: Portal, from: string, to: string): AssociationTypeDef[] =>
  [...BUILT_IN_TYPES, ...portal.userTypes].filter((d) => d.fromTypeId === from && d.toTypeId === to);

export function unlabeledType(portal: Portal, from: string, to: string): AssociationTypeDef | undefined {
  return typesBetween(portal, from, to).find((d) => d.unlabeled);
}

export interface AssociationSpecInput {
  associationCategory: string;
  associationTypeId: number;
}

const allTypes = (portal: Portal) => [...BUILT_IN_TYPES, ...portal.userTypes];

function wrongSpec(portal: Portal, from: ObjectTypeInfo, spec: AssociationSpecInput, to?: ObjectTypeInfo) {
  const elsewhere = allTypes(portal).find((d) => d.typeId === spec.associationTypeId && d.category === spec.associationCategory);
  if (elsewhere && elsewhere.fromTypeId !== from.typeId) {
    // Wording from a [2ND] capture (hubspot-api.md §11.4).
    return validation(`invalid from object type ${from.typeId} for associations to be created. expected: ${elsewhere.fromTypeId}`);
  }
  return validation(`${spec.associationCategory} ${spec.associationTypeId} is not a valid association type from ${from.typeId}${to ? ` to ${to.typeId}` : ''}`);
}

/** A type id must belong to this direction. */
export function checkSpec(portal: Portal, from: ObjectTypeInfo, to: ObjectTypeInfo, spec: AssociationSpecInput): AssociationTypeDef {
  const def = typesBetween(portal, from.typeId, to.typeId).find((d) => d.typeId === spec.associationTypeId && d.category === spec.associationCategory);
  if (def) return def;
  throw wrongSpec(portal, from, spec, to);
}

/** Inline associations name no target type: the type id implies it. */
export function specFrom(portal: Portal, from: ObjectTypeInfo, spec: AssociationSpecInput): AssociationTypeDef {
  const def = allTypes(portal).find((d) => d.fromTypeId === from.typeId && d.typeId === spec.associationTypeId && d.category === spec.associationCategory);
  if (def) return def;
  throw wrongSpec(portal, from, spec);
}

const key = (typeId: string, id: string) => `${typeId}/${id}`;

function edge(portal: Portal, from: string, to: string, create: boolean): Set<number> | undefined {
  let out = portal.edges.get(from);
  if (!out) {
    if (!create) return undefined;
    portal.edges.set(from, (out = new Map()));
  }
  let set = out.get(to);
  if (!set && create) out.set(to, (set = new Set()));
  return set;
}

export interface End {
  info: ObjectTypeInfo;
  id: string;
}

/** Adds types (plus the pair's unlabeled type) both ways; a primary type moves off the record's old primary. */
export function addTypes(portal: Portal, from: End, to: End, defs: AssociationTypeDef[]): void {
  const base = unlabeledType(portal, from.info.typeId, to.info.typeId);
  const all = base && !defs.includes(base) ? [...defs, base] : defs;
  const fromKey = key(from.info.typeId, from.id);
  const toKey = key(to.info.typeId, to.id);
  for (const def of all) {
    if (def.primary) {
      for (const [other, types] of portal.edges.get(fromKey) ?? []) {
        if (other !== toKey && other.startsWith(`${to.info.typeId}/`) && types.delete(def.typeId)) {
          edge(portal, other, fromKey, false)?.delete(def.inverseTypeId);
        }
      }
    }
    edge(portal, fromKey, toKey, true)?.add(def.typeId);
    edge(portal, toKey, fromKey, true)?.add(def.inverseTypeId);
  }
}

export function removePair(portal: Portal, from: End, to: End): boolean {
  const fromKey = key(from.info.typeId, from.id);
  const toKey = key(to.info.typeId, to.id);
  const existed = portal.edges.get(fromKey)?.delete(toKey) ?? false;
  portal.edges.get(toKey)?.delete(fromKey);
  return existed;
}

/** Removing the unlabeled type removes every type between the pair (SPEC:assoc description). */
export function removeTypes(portal: Portal, from: End, to: End, defs: AssociationTypeDef[]): void {
  if (defs.some((d) => d.unlabeled)) {
    removePair(portal, from, to);
    return;
  }
  const fromKey = key(from.info.typeId, from.id);
  const toKey = key(to.info.typeId, to.id);
  for (const def of defs) {
    edge(portal, fromKey, toKey, false)?.delete(def.typeId);
    edge(portal, toKey, fromKey, false)?.delete(def.inverseTypeId);
  }
}

export function replaceTypes(portal: Portal, from: End, to: End, defs: AssociationTypeDef[]): void {
  removePair(portal, from, to);
  addTypes(portal, from, to, defs);
}

/** A record's associations to one object type, in insertion order: [toId, types]. */
export function associationsOf(portal: Portal, from: End, to: ObjectTypeInfo): Array<{ id: string; types: AssociationTypeDef[] }> {
  const out: Array<{ id: string; types: AssociationTypeDef[] }> = [];
  const defs = allTypes(portal);
  const prefix = `${to.typeId}/`;
  for (const [toKey, typeIds] of portal.edges.get(key(from.info.typeId, from.id)) ?? []) {
    if (!toKey.startsWith(prefix) || typeIds.size === 0) continue;
    const id = toKey.slice(prefix.length);
    if (portal.records[to.name].get(id)?.archived !== false) continue;
    const types = [...typeIds].map((t) => defs.find((d) => d.typeId === t && d.fromTypeId === from.info.typeId && d.toTypeId === to.typeId))
      .filter((d): d is AssociationTypeDef => d !== undefined);
    out.push({ id, types });
  }
  return out;
}

export function associatedIds(portal: Portal, from: End, to: ObjectTypeInfo): Set<string> {
  return new Set(associationsOf(portal, from, to).map((a) => a.id));
}
