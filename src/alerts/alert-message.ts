// What an alert says, and how each channel type says it. Pure. An alert carries a connection's id
// and name, a state, a one-line reason (a vendor's status or a job's error, never conversation
// content) and a link to the daemon's own UI, absolute only when server.publicUrl is set — never
// built from a request header.

const ALERT_EVENTS = ['incident.opened', 'incident.resolved', 'captures.failed', 'alerts.suppressed', 'test'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export interface AlertMessage {
  id: number;
  event: AlertEvent;
  connection: { id: string; name: string } | null;
  incidentId: number | null;
  /** The connection's health state the message is about (needs_attention, needs_reauth, ok). */
  state: string | null;
  reason: string;
  /** A UI path such as /connections/<id>/work?state=failed. */
  link: string | null;
  at: number;
}

/** The absolute link for a message, or null when the daemon has no public address. */
function absoluteLink(publicUrl: string, path: string | null): string | null {
  if (!publicUrl || path === null) return null;
  return `${publicUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

/** The few words in front of the reason: "Needs attention", "Resolved", … */
function headline(message: Pick<AlertMessage, 'event' | 'state'>): string {
  switch (message.event) {
    case 'incident.opened':
      return message.state === 'needs_reauth' ? 'Needs re-authorisation' : 'Needs attention';
    case 'incident.resolved':
      return 'Resolved';
    case 'captures.failed':
      return 'Captures failed';
    case 'alerts.suppressed':
      return 'Alerts suppressed';
    case 'test':
      return 'Test alert';
  }
}

/** The generic webhook's JSON body (README "Alerts" documents it). */
export interface WebhookAlertBody {
  event: AlertEvent;
  connection: { id: string; name: string } | null;
  state: string | null;
  reason: string;
  link: string | null;
  at: string;
  incidentId: number | null;
}

export function webhookBody(message: AlertMessage, publicUrl: string): WebhookAlertBody {
  return {
    event: message.event,
    connection: message.connection,
    state: message.state,
    reason: message.reason,
    link: absoluteLink(publicUrl, message.link),
    at: new Date(message.at).toISOString(),
    incidentId: message.incidentId,
  };
}

function oneLine(message: AlertMessage): string {
  const who = message.connection ? `${message.connection.name}: ` : '';
  return `${who}${headline(message)} — ${message.reason}`;
}

/** Slack's mrkdwn treats &, < and > as control characters; they are escaped as Slack documents. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A Slack incoming-webhook payload: `text` (the notification's fallback when blocks are present)
 * and Block Kit `blocks` — a section with the line and, when there is a public link, a context
 * with it. Slack's format: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks
 * (POST JSON with `text` and optional `blocks`; `text` is the fallback shown in notifications).
 * Slack-compatible receivers (Mattermost, Rocket.Chat) read `text`.
 */
export function slackPayload(message: AlertMessage, publicUrl: string): { text: string; blocks: Array<Record<string, unknown>> } {
  const line = `[Interhubz] ${oneLine(message)}`;
  const link = absoluteLink(publicUrl, message.link);
  const who = message.connection ? `*${slackEscape(message.connection.name)}*: ` : '';
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text: `${who}*${headline(message)}* — ${slackEscape(message.reason)}` } }];
  const context = [`${new Date(message.at).toISOString()}`, ...(link ? [`<${link}|Open in Interhubz>`] : [])];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { text: link ? `${line} ${link}` : line, blocks };
}

const htmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Subject lines stay short in a mail client's list. */
const MAX_SUBJECT = 160;

export function emailContent(message: AlertMessage, publicUrl: string): { subject: string; text: string; html: string } {
  const subjectFull = `[Interhubz] ${oneLine(message)}`;
  const subject = subjectFull.length > MAX_SUBJECT ? `${subjectFull.slice(0, MAX_SUBJECT - 1)}…` : subjectFull;
  const link = absoluteLink(publicUrl, message.link);
  const when = new Date(message.at).toISOString();
  const lines = [
    message.connection ? `Connection: ${message.connection.name}` : null,
    `${headline(message)}: ${message.reason}`,
    `At: ${when}`,
    link ? `Open in Interhubz: ${link}` : null,
    '',
    'Sent by Interhubz. Alerts are set up in Settings → Alerts.',
  ].filter((line): line is string => line !== null);
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    message.connection ? `<p><strong>${htmlEscape(message.connection.name)}</strong></p>` : '',
    `<p><strong>${htmlEscape(headline(message))}</strong>: ${htmlEscape(message.reason)}</p>`,
    `<p style="color:#555">At ${htmlEscape(when)}</p>`,
    link ? `<p><a href="${htmlEscape(link)}">Open in Interhubz</a></p>` : '',
    '<p style="color:#777;font-size:small">Sent by Interhubz. Alerts are set up in Settings → Alerts.</p>',
    '</body></html>',
  ].join('');
  return { subject, text: lines.join('\n'), html };
}
