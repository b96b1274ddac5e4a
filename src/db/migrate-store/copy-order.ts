// The order tables are filled in, so that a row's foreign keys point at rows already copied
// (PostgreSQL checks them at each insert; the schema's foreign keys are not deferrable). Pure.

export interface ForeignKey {
  table: string;
  references: string;
}

/** Referenced tables before the tables referring to them; otherwise by name, so the order is stable. */
export function copyOrder(tables: readonly string[], foreignKeys: readonly ForeignKey[]): string[] {
  const needs = new Map<string, Set<string>>(tables.map((table) => [table, new Set<string>()]));
  for (const { table, references } of foreignKeys) {
    // A table referring to itself is filled in its own order: none does today.
    if (table !== references && needs.has(references)) needs.get(table)?.add(references);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < needs.size) {
    const ready = [...needs].filter(([table, before]) => !done.has(table) && [...before].every((t) => done.has(t))).map(([table]) => table);
    if (ready.length === 0) {
      const left = [...needs.keys()].filter((table) => !done.has(table)).sort();
      throw new Error(`the foreign keys between ${left.join(', ')} form a cycle: no copy order exists`);
    }
    for (const table of ready.sort()) {
      order.push(table);
      done.add(table);
    }
  }
  return order;
}
