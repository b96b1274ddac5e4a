// Intercom part bodies are HTML written by customers, teammates and bots; they end up inside a
// HubSpot note that teammates open in their browser. sanitize-html (an allowlist over a real
// parser, htmlparser2) rather than regexes: hand-rolled filters lose to entity tricks such as
// `java&#x09;script:` and to unclosed or nested markup.
import type sanitizeHtml from 'sanitize-html';
import { lazyRequire } from '../lazy-require.ts';

// Loaded by the first body sanitised, not at start (synchronously: sanitizeBody stays a plain
// function for the transcript renderer): sanitize-html with htmlparser2 and postcss is ~3.5 MB of an
// idle daemon that has captured nothing yet (test/bench/RESULTS.md "startup memory (issue #19 item 3)").
const sanitizer = lazyRequire<typeof sanitizeHtml>('sanitize-html');

const LINK_ATTRIBUTES = { rel: 'noopener noreferrer', target: '_blank' } as const;
const LINK_SCHEMES = ['http', 'https', 'mailto'];

/** Formatting only: nothing that runs, loads, embeds or styles. */
const ALLOWED_TAGS = [
  'p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's',
  'ul', 'ol', 'li', 'a', 'blockquote', 'code', 'pre', 'h1', 'h2', 'h3', 'h4',
];

// Dropped together with their text: a stylesheet or a script printed as text is noise at best,
// and an iframe's or svg's inner text was never meant to be read.
const DROP_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'xmp', 'iframe', 'object', 'embed', 'noscript',
  'template', 'svg', 'math', 'title', 'head', 'frameset', 'noembed', 'noframes',
];

/** The same scheme test sanitize-html applies to `href`, for the `<img>` rewrite and for our own links. */
export function isSafeUrl(url: string | null | undefined): url is string {
  if (!url) return false;
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(compact)?.[1];
  return scheme !== undefined && LINK_SCHEMES.includes(scheme.toLowerCase());
}

// An inline image would load from Intercom's CDN each time the note is opened (and could be a
// tracking pixel): keep it reachable as a link instead.
function imageAsLink(_tag: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const alt = attribs.alt?.trim();
  const text = alt ? `Image: ${alt}` : 'Image';
  if (!isSafeUrl(attribs.src)) return { tagName: 'span', attribs: {}, text };
  return { tagName: 'a', attribs: { href: attribs.src, ...LINK_ATTRIBUTES }, text };
}

// Other attributes of a link are dropped; the opener must not get a handle on HubSpot's window.
function linkInNewTab(_tag: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  return { tagName: 'a', attribs: { ...(attribs.href !== undefined && { href: attribs.href }), ...LINK_ATTRIBUTES } };
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: { a: ['href', 'rel', 'target'] },
  allowedSchemes: LINK_SCHEMES,
  allowedSchemesByTag: {},
  allowProtocolRelative: false,
  allowVulnerableTags: false,
  disallowedTagsMode: 'discard',
  nonTextTags: DROP_WITH_CONTENT,
  transformTags: { img: imageAsLink, a: linkInNewTab },
};

/** A part body made safe to embed in a note: formatting and http(s)/mailto links survive, nothing active does. */
export function sanitizeBody(html: string): string {
  return sanitizer()(html, OPTIONS);
}

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * True when a sanitised body shows nothing. Only for sanitizeBody's output, where every `<` in
 * text or attributes is escaped, so stripping tags by pattern is exact. Links always carry text.
 */
export function isBlankHtml(html: string): boolean {
  return html.replace(/<[^>]*>/g, '').replace(/&nbsp;|&#160;|\s/g, '') === '';
}
