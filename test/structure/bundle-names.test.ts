// The image's bundle (scripts/bundle.ts) keeps src/'s class names as written without esbuild's
// keepNames, whose run-time __name() calls cost the webhook intake ~10 µs a delivery
// (test/bench/RESULTS.md, "the daemon as shipped"). Names survive only because identifiers are not
// minified, and only until two bundled modules declare the same top-level name: esbuild then renames
// one (Foo2), and an error of that class would be logged as `Foo2`. This catches both.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { bundle } from '../../scripts/bundle.ts';
import { sourceFiles } from '../helpers/imports.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');

t.test("every class declared in src/ keeps its name in the bundle, and no keepNames helper is emitted", async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'interhubz-bundle-names-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  await bundle(out);
  const code = readdirSync(join(out, 'src'))
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(out, 'src', file), 'utf8'))
    .join('\n');
  const classes = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^(?:export )?(?:abstract )?class ([A-Za-z_$][\w$]*)/gm)) classes.add(match[1]!);
  }
  t.ok(classes.size >= 10, `src/ declares classes (${classes.size} found)`);
  const renamed = [...classes].filter((name) => new RegExp(`(?:class |\\b)${name.replace(/\$/g, '\\$')}\\d+\\s*=\\s*class\\b|\\bclass ${name.replace(/\$/g, '\\$')}\\d+\\b`).test(code));
  t.same(renamed, [], 'no class of src/ renamed by the bundler');
  // esbuild's keepNames helper, whatever minification calls it: (target, value) => defineProperty(target, "name", { value, configurable: true }).
  t.notMatch(code, /[\w$]+\s*=\s*\(([\w$]+),\s*([\w$]+)\)\s*=>\s*[\w$.]+\(\1,\s*"name",\s*\{\s*value(?::\s*\2)?,\s*configurable:\s*(?:!0|true)\s*\}\)/, 'no keepNames helper (__name) in the bundle');
});
