// #15 items 1 and 6, held by a scan of the sources rather than by review: startDaemon wires no
// feature itself (features register through src/*/feature.ts, gathered by src/context.ts), and
// @fastify/oauth2 is known to one module only.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { sourceFiles, valueImports } from '../helpers/imports.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');

t.test('the scan sees value imports and skips type-only ones', async (t) => {
  t.same(valueImports("import { a } from './a.ts';\nimport type { B } from './b.ts';\nimport './c.ts';\nimport d, { type E } from 'd';"), ['./a.ts', './c.ts', 'd']);
});

t.test('startDaemon imports no feature: only the context builder, the HTTP app and the chore runner', async (t) => {
  const imports = valueImports(readFileSync(join(SRC, 'daemon.ts'), 'utf8'));
  t.same(imports.sort(), ['./chores.ts', './context.ts', './http/app.ts', './metrics/metrics-server.ts', './startup-error.ts']);
});

t.test('the context builder reaches features only through their registrations', async (t) => {
  // Task, reaction and chore modules are a feature's own business: src/features.ts lists feature.ts files only.
  const imports = valueImports(readFileSync(join(SRC, 'features.ts'), 'utf8'));
  const featureImports = imports.filter((specifier) => specifier !== './webhooks/event-tasks.ts');
  t.ok(featureImports.length >= 8, 'every feature is listed');
  for (const specifier of featureImports) t.match(specifier, /^\.\/[a-z-]+\/feature\.ts$/, `${specifier} is a registration`);
  const context = valueImports(readFileSync(join(SRC, 'context.ts'), 'utf8'));
  t.notOk(context.some((specifier) => /-task\.ts$|-tasks\.ts$|purge-chore\.ts$/.test(specifier)), 'no task or chore module is imported by the context builder');
});

t.test('only src/oauth/oauth-client.ts imports @fastify/oauth2', async (t) => {
  const importers = sourceFiles(SRC)
    .filter((file) => valueImports(readFileSync(file, 'utf8')).includes('@fastify/oauth2') || /from\s+['"]@fastify\/oauth2['"]/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  t.same(importers, ['oauth/oauth-client.ts']);
});

t.test('no module hangs OAuth state on the request', async (t) => {
  // The plugin's state hand-over lived in request decorations (request.oauthState, request.oauthPending).
  const decorating = sourceFiles(SRC)
    .filter((file) => /interface FastifyRequest\s*\{[^}]*oauth/is.test(readFileSync(file, 'utf8')) || /request\.oauth[A-Z]/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  t.same(decorating, []);
});
