// Reads, substitutes, overrides and validates the YAML configuration. Every problem is collected
// and reported at once, by YAML path, so an operator fixes the file in one pass.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../startup-error.ts';
import { ConfigSchema, type Config } from './schema.ts';
import { suggestKey, knownKeysAt } from './known-keys.ts';
import { substituteEnv, type Env, type SubstitutionProblem } from './substitute-env.ts';

type Path = (string | number)[];

/** Environment variables that override a key, for container use. */
const ENV_OVERRIDES: ReadonlyArray<{ variable: string; path: Path; number?: true }> = [
  { variable: 'PORT', path: ['server', 'port'], number: true },
  { variable: 'HOST', path: ['server', 'host'] },
  { variable: 'DATA_DIR', path: ['dataDir'] },
  { variable: 'DATABASE_URL', path: ['database', 'url'] },
  { variable: 'LOG_LEVEL', path: ['logLevel'] },
  { variable: 'INTERHUBZ_ADMIN_PASSWORD', path: ['admin', 'password'] },
];

export interface LoadedConfig {
  config: Config;
  /** The file the configuration came from, or null when none existed and defaults apply. */
  source: string | null;
}

/** Where to read the configuration: `--config PATH`, else INTERHUBZ_CONFIG, else ./config.yaml. */
export function resolveConfigPath(argv: readonly string[], env: Env, cwd: string): { path: string; explicit: boolean } {
  const flagIndex = argv.findIndex((arg) => arg === '--config' || arg.startsWith('--config='));
  let chosen: string | undefined;
  if (flagIndex !== -1) {
    const arg = argv[flagIndex] ?? '';
    chosen = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[flagIndex + 1];
    if (!chosen) throw new ConfigError('the command line', ['--config needs a file path, as in --config /etc/interhubz.yaml']);
  } else if (env.INTERHUBZ_CONFIG) {
    chosen = env.INTERHUBZ_CONFIG;
  }
  if (chosen) return { path: isAbsolute(chosen) ? chosen : resolve(cwd, chosen), explicit: true };
  return { path: resolve(cwd, 'config.yaml'), explicit: false };
}

export function loadConfig(argv: readonly string[], env: Env, cwd = process.cwd()): LoadedConfig {
  const { path, explicit } = resolveConfigPath(argv, env, cwd);
  let text: string | null;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) text = null;
    else if (code === 'ENOENT') throw new ConfigError(path, [`the file does not exist; check --config or INTERHUBZ_CONFIG`]);
    else throw new ConfigError(path, [`the file cannot be read (${code ?? String(error)}); check its permissions`]);
  }
  const config = parseConfig(text ?? '', env, text === null ? 'defaults' : path);
  return { config: resolvePaths(config, cwd), source: text === null ? null : path };
}

/** Parses YAML text into a validated Config; throws ConfigError listing every problem. */
export function parseConfig(text: string, env: Env, source = 'configuration'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]} (YAML syntax)`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, ['the file must be a YAML mapping of keys (such as server:, connections:) at the top level']);
  }

  const substitutionProblems: SubstitutionProblem[] = [];
  const substituted = substituteEnv(raw, env, substitutionProblems) as Record<string, unknown>;
  const overridden = applyEnvOverrides(substituted, env);

  const result = ConfigSchema.safeParse(overridden.value);
  const where = (path: Path) => locate(doc, lineCounter, path, overridden.origins);
  const problems = [
    ...substitutionProblems.map((p) => `${where(p.path)}: ${p.message}`),
    ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, where))),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return result.data;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: Env) {
  const value = structuredClone(raw);
  const origins = new Map<string, string>();
  for (const { variable, path, number } of ENV_OVERRIDES) {
    const given = env[variable];
    if (given === undefined || given === '') continue;
    const parsed = number && /^\d+$/.test(given.trim()) ? Number(given) : given;
    setIn(value, path, parsed);
    origins.set(formatPath(path), variable);
  }
  return { value, origins };
}

function setIn(target: Record<string, unknown>, path: Path, value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeIssue(issue: z.core.$ZodIssue, where: (path: Path) => string): string[] {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(ConfigSchema, path);
    return issue.keys.map((key) => {
      const suggestion = suggestKey(key, known);
      const hint = suggestion ? ` (did you mean '${suggestion}'?)` : known.length > 0 ? ` (known keys: ${known.join(', ')})` : '';
      return `${where([...path, key])}: unknown key '${key}'${hint}`;
    });
  }
  return [`${where(path)}: ${issue.message}`];
}

function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function locate(doc: Document, lineCounter: LineCounter, path: Path, origins: Map<string, string>): string {
  const formatted = formatPath(path) || '(top level)';
  const variable = origins.get(formatPath(path));
  if (variable) return `${variable} (environment variable, sets ${formatted})`;
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  return line ? `${formatted} (line ${line})` : formatted;
}

/** Relative paths in the config are relative to the working directory the daemon started in. */
function resolvePaths(config: Config, cwd: string): Config {
  return {
    ...config,
    dataDir: resolve(cwd, config.dataDir),
    vault: { ...config.vault, keyFile: config.vault.keyFile ? resolve(cwd, config.vault.keyFile) : '' },
  };
}
