// Canvas Kit's response format, as the simulated Inbox checks an app's answer before showing it.
// Sources: Intercom's Canvas Kit reference, https://developers.intercom.com/docs/references/canvas-kit/
// (responseobjects/canvas, responseobjects/content, the presentation, interactive and action
// components), and the official `intercom-client` package's Canvas Kit types (src/api/types/*Component.ts,
// CanvasObject.ts, ContentObject.ts, SubmitResponse.ts in intercom/intercom-node, March 2025 — the
// generated SDK dropped them later). Objects are strict: a key Intercom does not know is a typo the
// Inbox would silently ignore, which the simulator reports instead.
import { z } from 'zod';

/** "Max Size is 64KB" for the content and for stored_data, each (CanvasObject.ts). */
const CANVAS_PART_MAX_BYTES = 64 * 1024;

const UrlAction = z.strictObject({ type: z.literal('url'), url: z.string().min(1) });
// A submit action carries nothing but its type (SubmitActionComponent is empty).
const SubmitAction = z.strictObject({ type: z.literal('submit') });
// Sheets open an iframe in the Messenger; listed so the Inbox can say it does not support them.
const SheetAction = z.strictObject({ type: z.literal('sheet'), url: z.string().min(1) });
const Action = z.discriminatedUnion('type', [SubmitAction, UrlAction, SheetAction]);

const SaveState = z.enum(['unsaved', 'saved', 'failed']);
const BottomMargin = z.literal('none');
const Option = z.strictObject({ type: z.literal('option'), id: z.string().min(1), text: z.string(), disabled: z.boolean().optional() });

const Text = z.strictObject({
  type: z.literal('text'),
  id: z.string().optional(),
  text: z.string(),
  align: z.enum(['left', 'center', 'right']).optional(),
  style: z.enum(['header', 'paragraph', 'muted', 'error']).optional(),
  bottom_margin: BottomMargin.optional(),
});
const Button = z.strictObject({
  type: z.literal('button'),
  id: z.string().min(1),
  label: z.string(),
  action: Action,
  style: z.enum(['primary', 'secondary', 'link']).optional(),
  disabled: z.boolean().optional(),
});
const DataTable = z.strictObject({
  type: z.literal('data-table'),
  id: z.string().optional(),
  items: z.array(z.strictObject({ type: z.literal('field-value'), field: z.string(), value: z.string() })),
});
const ListItem = z.strictObject({
  type: z.literal('item'),
  id: z.string().min(1),
  title: z.string(),
  subtitle: z.string().optional(),
  tertiary_text: z.string().optional(),
  image: z.string().optional(),
  image_width: z.number().int().positive().optional(),
  image_height: z.number().int().positive().optional(),
  rounded_image: z.boolean().optional(),
  disabled: z.boolean().optional(),
  action: Action.optional(),
});
const List = z.strictObject({ type: z.literal('list'), id: z.string().optional(), items: z.array(ListItem), disabled: z.boolean().optional() });
const Divider = z.strictObject({ type: z.literal('divider'), id: z.string().optional(), bottom_margin: BottomMargin.optional() });
const Spacer = z.strictObject({ type: z.literal('spacer'), id: z.string().optional(), size: z.enum(['xs', 's', 'm', 'l', 'xl']).optional() });
const Image = z.strictObject({
  type: z.literal('image'),
  id: z.string().optional(),
  url: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  align: z.enum(['left', 'center', 'right', 'full_width']).optional(),
  rounded: z.boolean().optional(),
  bottom_margin: BottomMargin.optional(),
  action: UrlAction.optional(),
});
const Input = z.strictObject({
  type: z.literal('input'),
  id: z.string().min(1),
  label: z.string().optional(),
  placeholder: z.string().optional(),
  value: z.string().optional(),
  action: Action.optional(),
  save_state: SaveState.optional(),
  disabled: z.boolean().optional(),
});
const Textarea = z.strictObject({
  type: z.literal('textarea'),
  id: z.string().min(1),
  label: z.string().optional(),
  placeholder: z.string().optional(),
  value: z.string().optional(),
  error: z.boolean().optional(),
  disabled: z.boolean().optional(),
});
// "Can provide 2 to 10" options (SingleSelectComponent.ts, DropdownComponent.ts).
const choiceOptions = z.array(Option).min(2).max(10);
const Dropdown = z.strictObject({
  type: z.literal('dropdown'),
  id: z.string().min(1),
  options: choiceOptions,
  label: z.string().optional(),
  value: z.string().optional(),
  save_state: SaveState.optional(),
  disabled: z.boolean().optional(),
});
// The same fields as a dropdown, and an action a choice can trigger.
const SingleSelect = Dropdown.extend({ type: z.literal('single-select'), action: Action.optional() });
// The reference's checkbox takes `options` (at least one); the generated SDK type spells it `option`,
// which no documented example uses.
const Checkbox = z.strictObject({
  type: z.literal('checkbox'),
  id: z.string().min(1),
  label: z.string(),
  options: z.array(Option).min(1),
  value: z.array(z.string()).optional(),
  save_state: SaveState.optional(),
  disabled: z.boolean().optional(),
});

const COMPONENT_TYPES = ['text', 'button', 'data-table', 'list', 'divider', 'spacer', 'image', 'input', 'textarea', 'single-select', 'dropdown', 'checkbox'] as const;

export const CanvasComponent = z.discriminatedUnion('type', [Text, Button, DataTable, List, Divider, Spacer, Image, Input, Textarea, SingleSelect, Dropdown, Checkbox]);
export type CanvasComponent = z.infer<typeof CanvasComponent>;

export const CanvasObject = z.strictObject({
  content: z.strictObject({ components: z.array(CanvasComponent) }),
  // Live canvases (content_url) are for the Messenger only; the Inbox needs the content itself.
  stored_data: z.record(z.string(), z.unknown()).optional(),
});
export type CanvasObject = z.infer<typeof CanvasObject>;

/** The answer to an initialize or a submit request (InitializeResponse.ts, SubmitResponse.ts). */
const CanvasResponse = z.strictObject({
  canvas: CanvasObject,
  card_creation_options: z.record(z.string(), z.unknown()).optional(),
  event: z.strictObject({ type: z.literal('completed') }).optional(),
});

/** Components whose values a submit request carries in `input_values`, by their id. */
export const INPUT_COMPONENT_TYPES: ReadonlySet<CanvasComponent['type']> = new Set(['input', 'textarea', 'single-select', 'dropdown', 'checkbox']);

export type CanvasCheck = { ok: true; canvas: CanvasObject; problems: [] } | { ok: false; canvas: null; problems: string[] };

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

function describeIssue(issue: z.core.$ZodIssue, body: unknown): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(the answer)';
  // An unknown component or action type: the union's own message lists the allowed ones but not the one given.
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') {
    const given = issue.path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], body);
    const what = issue.path.at(-2) === 'action' ? 'action type' : 'component type';
    const known = what === 'action type' ? 'submit, url, sheet' : COMPONENT_TYPES.join(', ');
    return `${path}: unknown ${what} ${JSON.stringify(given)} (Canvas Kit has ${known})`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: required field missing`;
  return `${path}: ${issue.message}`;
}

type Loose = { id?: unknown; items?: unknown; options?: unknown };
const looseList = (value: unknown): Loose[] => (Array.isArray(value) ? value.filter((entry): entry is Loose => typeof entry === 'object' && entry !== null) : []);

/**
 * Ids that the teammate's clicks and the submit request name: each must be unique in the canvas.
 * Read loosely, so a canvas that also fails the schema still has its duplicates named.
 */
function duplicateIds(components: unknown): string[] {
  const seen = new Map<string, number>();
  const count = (id: unknown) => typeof id === 'string' && seen.set(id, (seen.get(id) ?? 0) + 1);
  for (const component of looseList(components)) {
    count(component.id);
    // A list item's click sends the item's id as component_id, so items share the components' ids.
    for (const item of looseList(component.items)) count(item.id);
  }
  const problems = [...seen].filter(([, n]) => n > 1).map(([id, n]) => `component id ${JSON.stringify(id)} is used ${n} times; ids must be unique within a canvas`);
  for (const [index, component] of looseList(components).entries()) {
    const ids = looseList(component.options).map((option) => option.id);
    const repeated = [...new Set(ids.filter((id, i) => typeof id === 'string' && ids.indexOf(id) !== i))];
    for (const id of repeated) problems.push(`canvas.content.components.${index}: option id ${JSON.stringify(id)} is used more than once`);
  }
  return problems;
}

/** What the Inbox cannot show: Messenger-only actions, and a selected value no option has. */
function inboxProblems(components: CanvasComponent[]): string[] {
  const problems: string[] = [];
  components.forEach((component, index) => {
    const at = `canvas.content.components.${index}`;
    const actions = [
      'action' in component ? component.action : undefined,
      ...(component.type === 'list' ? component.items.map((item) => item.action) : []),
    ];
    if (actions.some((action) => action?.type === 'sheet')) problems.push(`${at}: sheet actions open in the Messenger only; the Inbox cannot show them`);
    if ((component.type === 'single-select' || component.type === 'dropdown') && component.value !== undefined && !component.options.some((o) => o.id === component.value)) {
      problems.push(`${at}: value ${JSON.stringify(component.value)} is not one of its options`);
    }
    if (component.type === 'checkbox') {
      for (const value of component.value ?? []) if (!component.options.some((o) => o.id === value)) problems.push(`${at}: value ${JSON.stringify(value)} is not one of its options`);
    }
  });
  return problems;
}

/** Checks an app's answer as the Inbox would before rendering it; problems are plain sentences. */
export function checkCanvasResponse(body: unknown): CanvasCheck {
  const parsed = CanvasResponse.safeParse(body);
  if (!parsed.success) {
    const components = (body as { canvas?: { content?: { components?: unknown } } } | null)?.canvas?.content?.components;
    return { ok: false, canvas: null, problems: [...parsed.error.issues.map((issue) => describeIssue(issue, body)), ...duplicateIds(components)] };
  }
  const { canvas } = parsed.data;
  const problems = [...duplicateIds(canvas.content.components), ...inboxProblems(canvas.content.components)];
  const contentBytes = bytes(canvas.content);
  if (contentBytes > CANVAS_PART_MAX_BYTES) problems.push(`canvas.content is ${contentBytes} bytes; Intercom's limit is ${CANVAS_PART_MAX_BYTES} (64 KB)`);
  if (canvas.stored_data !== undefined) {
    const storedBytes = bytes(canvas.stored_data);
    if (storedBytes > CANVAS_PART_MAX_BYTES) problems.push(`canvas.stored_data is ${storedBytes} bytes; Intercom's limit is ${CANVAS_PART_MAX_BYTES} (64 KB)`);
  }
  return problems.length ? { ok: false, canvas: null, problems } : { ok: true, canvas, problems: [] };
}
