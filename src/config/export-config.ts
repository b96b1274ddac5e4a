// Settings → Export configuration (issue #16 item 10): every connection's settings as a YAML file in
// the configuration file's own format (src/config/schema.ts, `connections:`), so that the file —
// loaded on a fresh install — recreates the same settings through the same seeding as a hand-written
// one (src/connections/seed-from-config.ts). Pure: the route gathers what is stored; this writes text.
//
// Secrets never appear: a side that holds a token or a webhook secret gets a `${VAR}` placeholder
// (src/config/substitute-env.ts) whose name is derived from the connection's name, and the header
// lists every variable to set. A side connected with OAuth cannot be carried over at all: a grant
// belongs to the install that obtained it, so a person connects it again after the import.
import { Document } from 'yaml';
import type { Vendor } from '../vendor.ts';
import type { ConnectionSettings } from './connection-settings.ts';

type Side = Vendor;

/** What the export knows of one stored connection: its settings and which credentials it holds, never their values. */
export interface ExportedConnection {
  name: string;
  intercomRegion: 'us' | 'eu' | 'au';
  settings: ConnectionSettings;
  /** How each side is authorised: a token (exported as a placeholder), OAuth (not exportable), or not yet. */
  credentials: Record<Side, 'token' | 'oauth' | 'none'>;
  /** A per-connection webhook signing secret is stored for this side (exported as a placeholder). */
  webhookSecrets: Record<Side, boolean>;
  /** A built-in sandbox connection: its vendors are the daemon's own simulators, so it is left out. */
  sandbox: boolean;
}

interface SecretVariable {
  name: string;
  connection: string;
  what: string;
}

const SIDE_LABEL: Record<Side, string> = { intercom: 'Intercom', hubspot: 'HubSpot' };

/**
 * The variable-name stem of each connection: its name in upper case, every run of other characters
 * an underscore ("Support EU" → SUPPORT_EU). A name with no letters or digits becomes CONNECTION_<n>
 * (its place in the list); a stem taken by an earlier connection gets _2, _3, … in list order, and
 * one starting with a digit gets a leading C_ (a variable name cannot start with one).
 */
function variableStems(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name, index) => {
    let stem = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    if (stem === '') stem = `CONNECTION_${index + 1}`;
    if (/^[0-9]/.test(stem)) stem = `C_${stem}`;
    let unique = stem;
    for (let n = 2; taken.has(unique); n++) unique = `${stem}_${n}`;
    taken.add(unique);
    return unique;
  });
}

/** `${` in a stored value would be read as a variable on import; `$${` is the file format's literal `${`. */
function escapeReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('${', () => '$${');
  if (Array.isArray(value)) return value.map(escapeReferences);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeReferences(item)]));
  return value;
}

function header(generatedAt: number, variables: SecretVariable[], oauthSides: string[], leftOut: string[]): string {
  const lines = [
    ` Interhubz configuration export, ${new Date(generatedAt).toISOString()}.`,
    ' Every connection\'s settings in the configuration file\'s own format: put this `connections:`',
    ' list into the config file of a fresh install (or start one with this file as it is) and the',
    ' same connections are created with the same settings at start.',
    '',
  ];
  if (variables.length === 0) lines.push(' No secrets to set: no connection holds a token or webhook secret that can be exported.');
  else {
    lines.push(' No secret is in this file. Set these environment variables before starting with it:');
    const width = Math.max(...variables.map((variable) => variable.name.length));
    for (const variable of variables) lines.push(`   ${variable.name.padEnd(width)}  ${variable.connection}: ${variable.what}`);
  }
  if (oauthSides.length > 0) {
    lines.push('', ' Connected with OAuth, which cannot be exported (a grant belongs to the install that obtained');
    lines.push(' it): after the import, connect these again in the UI (Reconnect), or set an access token here:');
    for (const side of oauthSides) lines.push(`   ${side}`);
  }
  if (leftOut.length > 0) {
    lines.push('', ` Left out: sandbox connections, which talk to this install's built-in simulators: ${leftOut.join(', ')}.`);
  }
  return lines.join('\n');
}

/**
 * The YAML document of every exportable connection, in the order given, and the variables it asks
 * for. Each entry holds the complete settings (defaults included), so the file says what the
 * connection did at export time even if a later version changes a default.
 */
export function exportConfigYaml(connections: readonly ExportedConnection[], generatedAt: number): { yaml: string; variables: string[] } {
  const exported = connections.filter((connection) => !connection.sandbox);
  const leftOut = connections.filter((connection) => connection.sandbox).map((connection) => connection.name);
  const stems = variableStems(exported.map((connection) => connection.name));
  const variables: SecretVariable[] = [];
  const oauthSides: string[] = [];

  const entries = exported.map((connection, index) => {
    const stem = stems[index] as string;
    const side = (vendor: Side): Record<string, string> => {
      const entry: Record<string, string> = {};
      if (vendor === 'intercom') entry.region = connection.intercomRegion;
      if (connection.credentials[vendor] === 'token') {
        const name = `${stem}_${vendor.toUpperCase()}_TOKEN`;
        variables.push({ name, connection: connection.name, what: vendor === 'hubspot' ? 'HubSpot private-app token (pat-…)' : 'Intercom access token' });
        entry.accessToken = `\${${name}}`;
      } else if (connection.credentials[vendor] === 'oauth') {
        oauthSides.push(`${connection.name}: ${SIDE_LABEL[vendor]}`);
      }
      if (connection.webhookSecrets[vendor]) {
        const name = `${stem}_${vendor.toUpperCase()}_WEBHOOK_SECRET`;
        variables.push({ name, connection: connection.name, what: `${SIDE_LABEL[vendor]} webhook signing secret` });
        entry.webhookSecret = `\${${name}}`;
      }
      return entry;
    };
    return { name: connection.name, intercom: side('intercom'), hubspot: side('hubspot'), ...(escapeReferences(connection.settings) as ConnectionSettings) };
  });

  const doc = new Document({ connections: entries });
  doc.commentBefore = header(generatedAt, variables, oauthSides, leftOut);
  return { yaml: doc.toString({ lineWidth: 0 }), variables: variables.map((variable) => variable.name) };
}
