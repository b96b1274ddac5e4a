// The rows per table on each side after the copy, as the operator reads them. Pure.

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export const countsMatch = (counts: readonly TableCount[]) => counts.every((c) => c.source === c.target);

/** A fixed-width table: one line per table, a mark on each mismatch, and the totals. */
export function formatCounts(counts: readonly TableCount[]): string {
  const total = counts.reduce((sum, c) => ({ source: sum.source + c.source, target: sum.target + c.target }), { source: 0, target: 0 });
  const rows = [...counts.map((c) => ({ name: c.table, ...c })), { name: 'total', ...total }];
  const nameWidth = Math.max(5, ...rows.map((r) => r.name.length));
  const numberWidth = Math.max(6, ...rows.map((r) => Math.max(String(r.source).length, String(r.target).length)));
  const line = (name: string, source: string, target: string, mark: string) =>
    `${name.padEnd(nameWidth)}  ${source.padStart(numberWidth)}  ${target.padStart(numberWidth)}${mark ? `  ${mark}` : ''}`.trimEnd();
  return [
    line('table', 'source', 'target', ''),
    ...rows.map((r) => line(r.name, String(r.source), String(r.target), r.source === r.target ? '' : 'MISMATCH')),
  ].join('\n');
}
