// The Canvas Kit components the Inbox app answers with, and the response's size bound. Shapes from
// Intercom's Canvas Kit reference (developers.intercom.com/docs/references/canvas-kit: text with
// style header|paragraph|muted|error; data-table of field-value items; list of items with id, title,
// subtitle, tertiary_text, action; button with id, label, style, action submit|url; input with id,
// label, placeholder, value; divider; spacer) and the response envelope
// { canvas: { content: { components }, stored_data } }, each of content and stored_data at most
// 64 KB. Pure: building and bounding, no I/O.

type Action = { type: 'submit' } | { type: 'url'; url: string };

export type Component =
  | { type: 'text'; id?: string; text: string; style?: 'header' | 'paragraph' | 'muted' | 'error'; align?: 'left' | 'center' | 'right' }
  | { type: 'data-table'; id?: string; items: Array<{ type: 'field-value'; field: string; value: string }> }
  | { type: 'list'; id?: string; items: ListItem[] }
  | { type: 'button'; id: string; label: string; style?: 'primary' | 'secondary' | 'link'; action: Action }
  | { type: 'input'; id: string; label?: string; placeholder?: string; value?: string; action?: Action }
  | { type: 'divider'; id?: string }
  | { type: 'spacer'; id?: string; size: 'xs' | 's' | 'm' | 'l' | 'xl' };

export interface ListItem {
  type: 'item';
  id: string;
  title: string;
  subtitle?: string;
  tertiary_text?: string;
  action?: Action;
}

export interface CanvasResponse {
  canvas: { content: { components: Component[] }; stored_data: Record<string, string> };
}

/** Intercom's limit for content and for stored_data, each (Canvas Kit reference, "Canvas"). */
export const CANVAS_LIMIT_BYTES = 64 * 1024;
/** What the app aims under: a margin for the encoding differences between our count and Intercom's. */
const TARGET_BYTES = CANVAS_LIMIT_BYTES - 4 * 1024;
/** HubSpot properties hold up to 65,536 characters: every value shown is clipped to this first. */
const MAX_TEXT = 200;

/** A value for display: trimmed, one line, at most MAX_TEXT characters. */
export function clip(value: string | null | undefined, max = MAX_TEXT): string {
  const text = (value ?? '').replace(/\s+/g, ' ').trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const text = (value: string, style: 'header' | 'paragraph' | 'muted' | 'error' = 'paragraph'): Component => ({ type: 'text', text: clip(value, 1000), style });
export const header = (value: string): Component => text(value, 'header');
export const muted = (value: string): Component => text(value, 'muted');
export const divider = (): Component => ({ type: 'divider' });
export const submitButton = (id: string, label: string, style: 'primary' | 'secondary' | 'link' = 'secondary'): Component => ({ type: 'button', id, label, style, action: { type: 'submit' } });
export const linkButton = (id: string, label: string, url: string): Component => ({ type: 'button', id, label, style: 'link', action: { type: 'url', url } });

export function dataTable(rows: Array<[string, string | null | undefined]>): Component {
  return { type: 'data-table', items: rows.filter((row): row is [string, string] => Boolean(row[1])).map(([field, value]) => ({ type: 'field-value', field: clip(field, 60), value: clip(value) })) };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** The longest list or table, when it has more than one item. */
function longestList(components: Component[]): Extract<Component, { items: unknown[] }> | undefined {
  let found: Extract<Component, { items: unknown[] }> | undefined;
  for (const component of components) {
    if ((component.type === 'list' || component.type === 'data-table') && component.items.length > 1 && (!found || component.items.length > found.items.length)) found = component;
  }
  return found;
}

/**
 * The response, bounded: while the content is over the limit, the longest list or table is halved
 * (a muted line says how many were left out); if that is not enough, components are dropped from the
 * end and a line says so. Component ids stay unique. stored_data holds only ids, so it stays small.
 */
export function canvasResponse(components: Component[], storedData: Record<string, string>, limit = TARGET_BYTES): CanvasResponse {
  const content = structuredClone(components);
  const cut = new Map<Component, number>();
  for (let list = longestList(content); bytes({ components: content }) > limit && list; list = longestList(content)) {
    const keep = Math.floor(list.items.length / 2);
    cut.set(list, (cut.get(list) ?? 0) + list.items.length - keep);
    list.items.splice(keep);
  }
  const withNotes = content.flatMap((component) => (cut.has(component) ? [component, muted(`${cut.get(component)} more not shown.`)] : [component]));
  const note = muted('Some of this panel was left out to stay within Intercom\u2019s size limit.');
  while (withNotes.length > 0 && bytes({ components: [...withNotes, note] }) > limit) withNotes.pop();
  const final = bytes({ components: withNotes }) > limit || withNotes.length < content.length + cut.size ? [...withNotes, note] : withNotes;
  return { canvas: { content: { components: final }, stored_data: storedData } };
}
