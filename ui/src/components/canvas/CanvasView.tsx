// A Canvas Kit canvas as a teammate sees it in Intercom's conversation details: a faithful, simple
// rendering of the components (https://developers.intercom.com/docs/references/canvas-kit/). Any valid
// canvas renders; nothing here knows the daemon's component ids. Text comes from the app's answer, so it
// is rendered as text (only **bold** and [links](https://…) are read, as Canvas Kit's text allows), and
// a URL action opens only http(s) links, in a new tab, as Intercom does. Images are placeholders.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { CanvasComponent, CanvasObject } from '../../../../src/http/api/sandbox-inbox.ts';

export type InputValues = Record<string, string | string[]>;

interface CanvasViewProps {
  canvas: CanvasObject;
  /** A request is on its way: every action waits. */
  busy: boolean;
  /** A component whose action is `submit` was clicked (or changed, for a select with an action). */
  onSubmit: (componentId: string, inputValues: InputValues) => void;
}

type Action = { type: 'submit' } | { type: 'url'; url: string } | { type: 'sheet'; url: string };

const safeUrl = (url: string): string | null => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
};

/** Canvas Kit's Markdown in text: **bold** and [label](url); everything else is plain text. */
function markdown(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const pattern = /\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    if (match[1] !== undefined) out.push(<strong>{match[1]}</strong>);
    else {
      const href = safeUrl(match[3] ?? '');
      out.push(href ? <a href={href} target="_blank" rel="noopener noreferrer">{match[2]}</a> : match[2]);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * An image's place, with where it comes from: the admin UI's Content-Security-Policy loads images
 * from this daemon only (src/http/app.ts), so the app's image is not fetched here.
 */
function ImagePlaceholder(props: { url: string; width: number; height: number; rounded: boolean }) {
  const host = safeUrl(props.url) ? new URL(props.url).host : 'an invalid URL';
  return (
    <span class={props.rounded ? 'ck-image-placeholder is-rounded' : 'ck-image-placeholder'} style={{ width: `${props.width}px`, height: `${props.height}px` }} title={`Image from ${host}`} role="img" aria-label={`Image from ${host}`}>
      {props.width >= 48 ? host : null}
    </span>
  );
}

/** The values every interactive component starts with, by id. */
function initialValues(components: CanvasComponent[]): InputValues {
  const values: InputValues = {};
  for (const component of components) {
    if (component.type === 'checkbox') values[component.id] = component.value ?? [];
    else if ((component.type === 'input' || component.type === 'textarea' || component.type === 'single-select' || component.type === 'dropdown') && component.value !== undefined) {
      values[component.id] = component.value;
    }
  }
  return values;
}

export function CanvasView({ canvas, busy, onSubmit }: CanvasViewProps) {
  // The parent keys this view by the canvas, so a new canvas starts from its own values.
  const [values, setValues] = useState<InputValues>(() => initialValues(canvas.content.components));
  const set = (id: string, value: string | string[]) => setValues((current) => ({ ...current, [id]: value }));
  const submit = (id: string, extra: InputValues = {}) => onSubmit(id, { ...values, ...extra });

  /** A clickable thing: a submit sends the request, a URL opens a tab, a sheet is the Messenger's. */
  function act(props: { id: string; action: Action | undefined; disabled: boolean; class: string; children: ComponentChildren }) {
    const { action } = props;
    if (action?.type === 'url') {
      const href = safeUrl(action.url);
      if (href && !props.disabled) {
        return <a class={props.class} href={href} target="_blank" rel="noopener noreferrer">{props.children}</a>;
      }
    }
    const clickable = action?.type === 'submit' && !props.disabled;
    return (
      <button type="button" class={props.class} disabled={!clickable || busy} onClick={clickable ? () => submit(props.id) : undefined}>
        {props.children}
      </button>
    );
  }

  function render(component: CanvasComponent, index: number) {
    const key = ('id' in component && component.id) || `${component.type}-${index}`;
    const margin = 'bottom_margin' in component && component.bottom_margin === 'none' ? ' ck-no-margin' : '';
    switch (component.type) {
      case 'text': {
        const style = component.style ?? 'paragraph';
        const Tag = style === 'header' ? 'h3' : 'p';
        return (
          <Tag key={key} class={`ck-text ck-text-${style}${margin}`} style={{ textAlign: component.align ?? 'left' }}>
            {markdown(component.text)}
          </Tag>
        );
      }
      case 'data-table':
        return (
          <dl key={key} class="ck-data-table">
            {component.items.map((item, i) => (
              <div key={i} class="ck-data-row">
                <dt title={item.field}>{item.field}</dt>
                <dd title={item.value}>{item.value}</dd>
              </div>
            ))}
          </dl>
        );
      case 'list':
        return (
          <ul key={key} class="ck-list">
            {component.items.map((item) => {
              const body = (
                <>
                  {item.image ? <ImagePlaceholder url={item.image} width={item.image_width ?? 32} height={item.image_height ?? 32} rounded={item.rounded_image ?? false} /> : null}
                  <span class="ck-list-text">
                    <span class="ck-list-title">{item.title}</span>
                    {item.subtitle || item.tertiary_text ? (
                      <span class="ck-list-subtitle">{[item.subtitle, item.tertiary_text].filter(Boolean).join(' • ')}</span>
                    ) : null}
                  </span>
                </>
              );
              const disabled = (component.disabled ?? false) || (item.disabled ?? false);
              return (
                <li key={item.id}>
                  {item.action ? act({ id: item.id, action: item.action, disabled, class: 'ck-list-item is-action', children: body }) : <div class="ck-list-item">{body}</div>}
                </li>
              );
            })}
          </ul>
        );
      case 'button':
        return (
          <div key={key} class="ck-button-row">
            {act({ id: component.id, action: component.action, disabled: component.disabled ?? false, class: `ck-button ck-button-${component.style ?? 'primary'}`, children: component.label })}
          </div>
        );
      case 'divider':
        return <hr key={key} class={`ck-divider${margin}`} />;
      case 'spacer':
        return <div key={key} class={`ck-spacer ck-spacer-${component.size ?? 's'}`} aria-hidden="true" />;
      case 'image':
        return (
          <div key={key} class={`ck-image ck-image-${component.align ?? 'left'}${margin}`}>
            <ImagePlaceholder url={component.url} width={component.width} height={component.height} rounded={component.rounded ?? false} />
          </div>
        );
      case 'input': {
        const id = `ck-${component.id}`;
        const disabled = (component.disabled ?? false) || component.save_state === 'saved';
        const value = values[component.id];
        return (
          <div key={key} class={`ck-field${component.save_state === 'failed' ? ' is-failed' : ''}`}>
            {component.label ? <label for={id} class="ck-label">{component.label}</label> : null}
            <div class="ck-input-row">
              <input
                id={id}
                type="text"
                class="ck-input"
                placeholder={component.placeholder}
                value={typeof value === 'string' ? value : ''}
                disabled={disabled}
                onInput={(event) => set(component.id, event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && component.action?.type === 'submit' && !disabled && !busy) submit(component.id);
                }}
              />
              {component.action
                ? act({ id: component.id, action: component.action, disabled, class: 'ck-input-action', children: <span aria-label={`Submit ${component.label ?? component.id}`}>→</span> })
                : null}
            </div>
          </div>
        );
      }
      case 'textarea': {
        const id = `ck-${component.id}`;
        const value = values[component.id];
        return (
          <div key={key} class={`ck-field${component.error ? ' is-failed' : ''}`}>
            {component.label ? <label for={id} class="ck-label">{component.label}</label> : null}
            <textarea id={id} class="ck-input" rows={3} placeholder={component.placeholder} value={typeof value === 'string' ? value : ''} disabled={component.disabled ?? false} onInput={(event) => set(component.id, event.currentTarget.value)} />
          </div>
        );
      }
      case 'single-select': {
        const disabled = (component.disabled ?? false) || component.save_state === 'saved';
        return (
          <fieldset key={key} class={`ck-field ck-single-select${component.save_state === 'failed' ? ' is-failed' : ''}`} disabled={disabled || busy}>
            {component.label ? <legend class="ck-label">{component.label}</legend> : null}
            <div class="ck-options" role="radiogroup">
              {component.options.map((option) => (
                <label key={option.id} class={values[component.id] === option.id ? 'ck-option is-selected' : 'ck-option'}>
                  <input
                    type="radio"
                    name={`ck-${component.id}`}
                    value={option.id}
                    checked={values[component.id] === option.id}
                    disabled={option.disabled ?? false}
                    onChange={() => {
                      set(component.id, option.id);
                      // An action on the select submits on choosing, with the choice.
                      if (component.action?.type === 'submit') submit(component.id, { [component.id]: option.id });
                    }}
                  />
                  {option.text}
                </label>
              ))}
            </div>
          </fieldset>
        );
      }
      case 'dropdown': {
        const id = `ck-${component.id}`;
        const value = values[component.id];
        return (
          <div key={key} class={`ck-field${component.save_state === 'failed' ? ' is-failed' : ''}`}>
            {component.label ? <label for={id} class="ck-label">{component.label}</label> : null}
            <select id={id} class="ck-input ck-select" value={typeof value === 'string' ? value : ''} disabled={(component.disabled ?? false) || component.save_state === 'saved'} onChange={(event) => set(component.id, event.currentTarget.value)}>
              {value === undefined ? <option value="">Choose…</option> : null}
              {component.options.map((option) => (
                <option key={option.id} value={option.id} disabled={option.disabled ?? false}>
                  {option.text}
                </option>
              ))}
            </select>
          </div>
        );
      }
      case 'checkbox': {
        const chosen = Array.isArray(values[component.id]) ? (values[component.id] as string[]) : [];
        return (
          <fieldset key={key} class={`ck-field ck-checkbox${component.save_state === 'failed' ? ' is-failed' : ''}`} disabled={(component.disabled ?? false) || component.save_state === 'saved'}>
            <legend class="ck-label">{component.label}</legend>
            {component.options.map((option) => (
              <label key={option.id} class="ck-check">
                <input
                  type="checkbox"
                  checked={chosen.includes(option.id)}
                  disabled={option.disabled ?? false}
                  onChange={(event) => set(component.id, event.currentTarget.checked ? [...chosen, option.id] : chosen.filter((id) => id !== option.id))}
                />
                {option.text}
              </label>
            ))}
          </fieldset>
        );
      }
    }
  }

  return <div class={busy ? 'ck-canvas is-busy' : 'ck-canvas'}>{canvas.content.components.map(render)}</div>;
}
