// Which leaf keys differ between two settings objects, as dotted paths ("conversations.capture.graceMinutes").
// A list is one leaf (its items have no stable key: a reordered routing rule is a change of
// `conversations.routing.rules`). Only keys come out, never values.
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedKeys(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (isObject(before) || isObject(after)) {
    // An object appeared, went away or replaced a scalar: each of its leaves changed.
    const leaves = changedKeys(isObject(before) ? before : {}, isObject(after) ? after : {}, prefix);
    if (leaves.length > 0) return leaves;
    // An empty section that appeared or went away changes no setting.
    return before === undefined || after === undefined ? [] : [prefix || '(all)'];
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix || '(all)'];
}
