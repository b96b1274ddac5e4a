// One CSV field for the exports (activity, audit): quoted when it holds a comma, a quote or a line
// break, quotes doubled (RFC 4180 §2). A spreadsheet reads a cell that starts with = + - @ (or a tab
// or carriage return) as a formula; a vendor's error message or a connection's name must stay text
// (OWASP "CSV Injection"), so such text gets the leading apostrophe spreadsheets use for "text".
// Numbers stay numbers.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
