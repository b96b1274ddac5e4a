// Sending one alert message to one channel: a signed JSON POST (generic webhook), a Slack
// incoming-webhook POST, or an email over SMTP (nodemailer). HTTP goes through the process's undici
// pools (src/integrations/http-pools.ts) with timeouts; never from inside a database transaction.
// The answer says whether a later try could succeed, so the delivery job retries or gives up.
import type { HttpPools } from '../integrations/http-pools.ts';
import { isLoopbackSmtpHost } from '../config/alerts.ts';
import { assertNotInTransaction } from '../transaction-context.ts';
import { emailContent, slackPayload, webhookBody, type AlertMessage } from './alert-message.ts';
import type { AlertChannel } from './channel-store.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature.ts';

type SendResult = { ok: true } | { ok: false; error: string; permanent: boolean; retryAfterMs?: number };

export interface AlertSender {
  send(channel: AlertChannel, secret: string, message: AlertMessage, deliveryId: number): Promise<SendResult>;
}

export interface AlertSenderOptions {
  pools: HttpPools;
  /** Waiting for an answer (HTTP headers and body; SMTP connection, greeting and each reply). */
  timeoutMs: number;
  publicUrl: string;
  clock: () => number;
}

/** What a receiver said, shortened: enough to tell "invalid_token" from "no_service". */
const ERROR_SNIPPET = 200;

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

async function postJson(options: AlertSenderOptions, target: string, body: string, headers: Record<string, string>): Promise<SendResult> {
  const url = new URL(target);
  assertNotInTransaction(() => `alert ${url.origin}`);
  try {
    const response = await options.pools.dispatcherFor(url.origin).request({
      method: 'POST',
      path: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/json', 'user-agent': 'Interhubz-Alerts', ...headers },
      body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const text = (await response.body.text()).slice(0, ERROR_SNIPPET).trim();
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
    const error = `${url.host} answered ${response.statusCode}${text ? `: ${text}` : ''}`;
    // 408 and 429 say "later"; other 4xx say the channel is set up wrong (Slack: invalid_token,
    // channel_not_found, …): retrying would not help, the admin must fix it.
    const later = response.statusCode >= 500 || response.statusCode === 408 || response.statusCode === 429;
    const wait = retryAfterMs(response.headers['retry-after']);
    return { ok: false, error, permanent: !later, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return { ok: false, error: `${url.host} could not be reached: ${reason}`, permanent: false };
  }
}

async function sendEmail(options: AlertSenderOptions, channel: AlertChannel & { settings: { type: 'email' } }, password: string, message: AlertMessage): Promise<SendResult> {
  const { smtp, from, to } = channel.settings;
  assertNotInTransaction(() => `SMTP ${smtp.host}:${smtp.port}`);
  // Loaded on the first email, not at start: most installs never send one, and nodemailer is ~3 MB
  // of an idle daemon's memory (test/bench/RESULTS.md "startup memory (issue #19 item 3)").
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure ?? smtp.port === 465,
    // A password never crosses the network in the clear: STARTTLS is required unless the server is this machine.
    requireTLS: !(smtp.secure ?? smtp.port === 465) && !isLoopbackSmtpHost(smtp.host),
    ...(smtp.user ? { auth: { user: smtp.user, pass: password } } : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  try {
    const content = emailContent(message, options.publicUrl);
    await transport.sendMail({ from, to, subject: content.subject, text: content.text, html: content.html });
    return { ok: true };
  } catch (thrown) {
    const error = thrown as { message?: string; responseCode?: number };
    const code = typeof error.responseCode === 'number' ? error.responseCode : null;
    // SMTP 5xx is a permanent refusal (bad credentials 535, unknown mailbox 550); 4xx and no answer are temporary.
    return { ok: false, error: `SMTP ${smtp.host}: ${error.message ?? String(thrown)}`.slice(0, 500), permanent: code !== null && code >= 500 };
  } finally {
    transport.close();
  }
}

export function createAlertSender(options: AlertSenderOptions): AlertSender {
  return {
    async send(channel, secret, message, deliveryId) {
      const settings = channel.settings;
      switch (settings.type) {
        case 'webhook': {
          const body = JSON.stringify(webhookBody(message, options.publicUrl));
          const timestamp = Math.floor(options.clock() / 1000);
          return postJson(options, settings.url, body, {
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signBody(secret, timestamp, body),
            [DELIVERY_HEADER]: String(deliveryId),
          });
        }
        case 'slack':
          if (secret === '') return { ok: false, error: 'the Slack webhook URL is not set', permanent: true };
          return postJson(options, secret, JSON.stringify(slackPayload(message, options.publicUrl)), {});
        case 'email':
          return sendEmail(options, { ...channel, settings }, secret, message);
      }
    },
  };
}
