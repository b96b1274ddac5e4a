import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig, parseConfig, resolveConfigPath } from '../../src/config/load.ts';
import { ConfigError } from '../../src/startup-error.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

t.test('no file means all defaults', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ihz-config-'));
  const { config, source } = loadConfig([], {}, dir);
  t.equal(source, null);
  t.equal(config.server.port, 8080);
  t.equal(config.server.host, '127.0.0.1');
  t.equal(config.dataDir, join(dir, 'data'), 'dataDir defaults to ./data, resolved against the working directory');
  t.equal(config.logLevel, 'info');
  t.equal(config.admin.username, 'admin');
  t.same(config.connections, []);
  t.equal(config.maxConnections, 0);
});

t.test('--config wins over INTERHUBZ_CONFIG, which wins over ./config.yaml', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ihz-config-'));
  t.equal(resolveConfigPath(['--config', 'a.yaml'], { INTERHUBZ_CONFIG: 'b.yaml' }, dir).path, join(dir, 'a.yaml'));
  t.equal(resolveConfigPath(['--config=/etc/c.yaml'], {}, dir).path, '/etc/c.yaml');
  t.equal(resolveConfigPath([], { INTERHUBZ_CONFIG: 'b.yaml' }, dir).path, join(dir, 'b.yaml'));
  t.same(resolveConfigPath([], {}, dir), { path: join(dir, 'config.yaml'), explicit: false });
  writeFileSync(join(dir, 'a.yaml'), 'server:\n  port: 9001\n');
  writeFileSync(join(dir, 'config.yaml'), 'server:\n  port: 9002\n');
  t.equal(loadConfig(['--config', 'a.yaml'], {}, dir).config.server.port, 9001);
  t.equal(loadConfig([], {}, dir).config.server.port, 9002);
});

t.test('a named file that does not exist is an error, not silent defaults', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ihz-config-'));
  const problems = problemsOf(() => loadConfig(['--config', 'missing.yaml'], {}, dir));
  t.match(problems[0], /does not exist/);
  t.throws(() => loadConfig(['--config'], {}, dir), { exitCode: 2, message: /--config needs a file path/ });
});

t.test('${VAR} and ${VAR:-default} substitution', async (t) => {
  const yaml = [
    'apps:',
    '  hubspot:',
    '    clientSecret: ${HS_SECRET}',
    '    clientId: "id-${HS_ID:-fallback}"',
    '  intercom:',
    '    clientSecret: "literal $${NOT_EXPANDED}"',
  ].join('\n');
  const config = parseConfig(yaml, { HS_SECRET: 's3cr3t' });
  t.equal(config.apps.hubspot.clientSecret, 's3cr3t');
  t.equal(config.apps.hubspot.clientId, 'id-fallback');
  t.equal(config.apps.intercom.clientSecret, 'literal ${NOT_EXPANDED}');
  t.same(problemsOf(() => parseConfig(yaml, {})), [
    'apps.hubspot.clientSecret (line 3): environment variable HS_SECRET is not set (referenced as ${HS_SECRET})',
  ]);
});

t.test('substituted values are data, never YAML', async (t) => {
  const config = parseConfig('admin:\n  password: ${PW}\n', { PW: 'x\nlogLevel: trace' });
  t.equal(config.admin.password, 'x\nlogLevel: trace');
  t.equal(config.logLevel, 'info');
});

t.test('environment overrides for container use', async (t) => {
  const config = parseConfig('server:\n  port: 9000\nlogLevel: warn\n', {
    PORT: '18080',
    HOST: '0.0.0.0',
    DATA_DIR: '/data',
    LOG_LEVEL: 'debug',
    INTERHUBZ_ADMIN_PASSWORD: 'from-env-password',
  });
  t.equal(config.server.port, 18080);
  t.equal(config.server.host, '0.0.0.0');
  t.equal(config.dataDir, '/data');
  t.equal(config.logLevel, 'debug');
  t.equal(config.admin.password, 'from-env-password');
  t.same(problemsOf(() => parseConfig('', { PORT: 'eighty' })), [
    'PORT (environment variable, sets server.port): must be a whole number from 1 to 65535',
  ]);
});

t.test('an invalid file lists every problem by YAML path', async (t) => {
  const yaml = [
    'conections: []', // line 1
    'server:',
    '  port: 70000',
    'logLevel: loud',
    'connections:',
    '  - name: Support',
    '    conversations:',
    '      capture:',
    '        graceMinutes: -5',
    '        mode: sometimes',
    '  - conversations: {}',
  ].join('\n');
  t.same(problemsOf(() => parseConfig(yaml, {})).sort(), [
    "conections (line 1): unknown key 'conections' (did you mean 'connections'?)",
    'connections[0].conversations.capture.graceMinutes (line 9): must be a number ≥ 0',
    "connections[0].conversations.capture.mode (line 10): must be one of 'on_close', 'realtime', 'manual'",
    'connections[1].name: is required: a unique name for this connection',
    "logLevel (line 4): must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'",
    'server.port (line 3): must be a whole number from 1 to 65535',
  ]);
});

t.test('the issue\'s example messages, word for word', async (t) => {
  const problems = problemsOf(() => parseConfig('connections:\n  - name: a\n    conversations:\n      capture:\n        graceMinutes: soon\n', {}));
  t.match(problems[0], /^connections\[0\]\.conversations\.capture\.graceMinutes \(line 5\): must be a number ≥ 0$/);
  const unknown = problemsOf(() => parseConfig('conections: []\n', {}));
  t.match(unknown[0], /unknown key 'conections' \(did you mean 'connections'\?\)/);
});

t.test('unknown keys deep inside get a suggestion, or the list of known keys', async (t) => {
  t.match(problemsOf(() => parseConfig('admin:\n  pasword: x\n', {}))[0], "admin.pasword (line 2): unknown key 'pasword' (did you mean 'password'?)");
  t.match(problemsOf(() => parseConfig('vault:\n  zzzzzzzz: x\n', {}))[0], "unknown key 'zzzzzzzz' (known keys: keyFile)");
});

t.test('connection names must be unique', async (t) => {
  t.match(problemsOf(() => parseConfig('connections:\n  - name: A\n  - name: A\n', {}))[0], "connections[1].name (line 3): 'A' is already the name of connections[0]");
});

t.test('YAML syntax errors name the line', async (t) => {
  const problems = problemsOf(() => parseConfig('server:\n  port: 80\n bad: [\n', {}));
  t.match(problems[0], /^line \d+: .*\(YAML syntax\)$/);
  t.match(problemsOf(() => parseConfig('- a\n- b\n', {}))[0], /must be a YAML mapping/);
});
