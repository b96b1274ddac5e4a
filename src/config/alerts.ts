// The `alerts:` section of the YAML file and the shapes of an alert channel (issue #16 item 2). The
// UI's create and update bodies (src/http/api-types.ts) reuse the channel shapes, so a channel is
// checked by the same rules wherever it comes from.
import { isIP } from 'node:net';
import { z } from 'zod';

/** Names that always mean this machine: the one place plain http is allowed (local receivers, tests). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/**
 * Why an outbound alert URL is refused, or null. Alerts leave over https; http only to a loopback
 * address (a receiver on the same host, the tests), since a webhook body and Slack's URL are
 * credentials a network observer must not see. URLs come from an admin's configuration only.
 */
function outboundUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL such as https://alerts.example.com/interhubz';
  }
  if (url.username || url.password) return 'must not carry a user name or password (use the secret instead)';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null;
  return 'must be an https URL (plain http is allowed only to this machine: localhost, 127.0.0.1, ::1)';
}

/** True when an SMTP host is this machine: STARTTLS is then not required. */
export function isLoopbackSmtpHost(host: string): boolean {
  return isLoopbackHost(host);
}

const outboundUrl = z.string({ error: 'is required: an https URL' }).superRefine((value, ctx) => {
  const problem = outboundUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const channelName = z
  .string({ error: 'is required: a unique name for this channel' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(80, { error: 'must be at most 80 characters' });

/** Long enough that it cannot be guessed; receivers compare HMACs made with it. */
const MIN_WEBHOOK_SECRET_LENGTH = 16;

export const WebhookChannelShape = z.strictObject({
  name: channelName,
  type: z.literal('webhook'),
  url: outboundUrl,
  secret: z
    .string({ error: `is required: a shared secret of at least ${MIN_WEBHOOK_SECRET_LENGTH} characters to sign each body with` })
    .min(MIN_WEBHOOK_SECRET_LENGTH, { error: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters` }),
});

export const SlackChannelShape = z.strictObject({
  name: channelName,
  type: z.literal('slack'),
  /** Slack's incoming-webhook URL is itself the credential (anyone holding it can post). */
  url: outboundUrl,
});

const emailAddress = z.email({ error: 'must be an email address' });

export const SmtpShape = z.strictObject({
  host: z.string({ error: 'is required: the SMTP server' }).min(1, { error: 'must not be empty' }),
  port: z.number({ error: 'must be a whole number from 1 to 65535' }).int({ error: 'must be a whole number from 1 to 65535' }).min(1, { error: 'must be a whole number from 1 to 65535' }).max(65535, { error: 'must be a whole number from 1 to 65535' }).default(587),
  /** true: TLS from the first byte (port 465). false: STARTTLS, required unless the host is this machine. */
  secure: z.boolean({ error: 'must be true or false' }).optional(),
  user: z.string({ error: 'must be a text value' }).default(''),
  password: z.string({ error: 'must be a text value' }).default(''),
});

export const EmailChannelShape = z.strictObject({
  name: channelName,
  type: z.literal('email'),
  smtp: SmtpShape,
  from: emailAddress,
  to: z.array(emailAddress, { error: 'must be a list of email addresses' }).min(1, { error: 'must name at least one recipient' }).max(20, { error: 'must name at most 20 recipients' }),
});

export const AlertChannelShape = z.discriminatedUnion('type', [WebhookChannelShape, SlackChannelShape, EmailChannelShape], {
  error: "must have a type: 'webhook', 'slack' or 'email'",
});
export type AlertChannelConfig = z.infer<typeof AlertChannelShape>;

const DURATION = /^(\d+)\s*(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** '90m', '1h', '2d' → ms; 0 or 'off' → 0 (the check is off). */
function parseDuration(value: string | number): number | null {
  if (value === 0 || value === 'off' || value === '0') return 0;
  if (typeof value !== 'string') return null;
  const match = DURATION.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = (fallback: string) =>
  z
    .union([z.string(), z.number()], { error: "must be a duration such as '30m', '1h' or '2d', or 'off'" })
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: "must be a duration such as '30m', '1h' or '2d', or 'off'" });
        return z.NEVER;
      }
      return ms;
    });

export const AlertsSchema = z
  .strictObject({
    channels: z.array(AlertChannelShape, { error: 'must be a list of channels' }).default([]),
    /**
     * A connection that has received webhooks before and has heard none for this long raises an
     * incident; in ms once parsed. Default a day: a quiet workspace is often silent for a night.
     */
    noWebhookFor: duration('24h'),
    /** Messages per channel per hour; beyond it one "N more alerts suppressed" summary follows. */
    maxPerChannelPerHour: z.number({ error: 'must be a whole number ≥ 1' }).int({ error: 'must be a whole number ≥ 1' }).min(1, { error: 'must be a whole number ≥ 1' }).default(20),
  })
  .superRefine((alerts, ctx) => {
    const seen = new Map<string, number>();
    alerts.channels.forEach((channel, index) => {
      const first = seen.get(channel.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['channels', index, 'name'], message: `'${channel.name}' is already the name of channels[${first}]; names must be unique` });
      else seen.set(channel.name, index);
    });
  })
  .prefault({});
export type AlertsConfig = z.infer<typeof AlertsSchema>;
