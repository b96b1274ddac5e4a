// #15 item 4: the layers hold because a scan of the imports fails when a lower layer reaches up.
// Run-time and type-only imports both count (a type import still ties the lower layer to the
// higher one's shape), except ui/'s type-only use of src/http/api-types.ts, the one shared contract.
// The rule is written down in DEVELOPERS.md (Layout → Layers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { localImportsOf, moduleImports, ROOT, sourceFiles, type ResolvedImport } from '../helpers/imports.ts';

const under = (dir: string) => (path: string) => path === dir || path.startsWith(`${dir}/`);
const allImports = (dir: string): ResolvedImport[] => sourceFiles(join(ROOT, dir)).flatMap(localImportsOf);
const show = (i: ResolvedImport) => `${i.from} → ${i.target}${i.typeOnly ? ' (type)' : ''}`;
/** The composition: it builds every layer, the HTTP app included, so it sits above all of them. */
const COMPOSITION = ['src/main.ts', 'src/daemon.ts', 'src/context.ts'];

t.test('the scan sees static, type-only, re-exported and dynamic imports', async (t) => {
  const found = moduleImports("import { a } from './a.ts';\nimport type { B } from './b.ts';\nexport { c } from './c.ts';\nexport type { D } from './d.ts';\nimport './e.ts';\nconst f = await import('./f.ts');\nimport {\n  g,\n  h,\n} from './g.ts';");
  t.same(
    found.map((i) => [i.specifier, i.typeOnly, i.dynamic]).sort(),
    [['./a.ts', false, false], ['./b.ts', true, false], ['./c.ts', false, false], ['./d.ts', true, false], ['./e.ts', false, false], ['./f.ts', false, true], ['./g.ts', false, false]].sort(),
  );
});

t.test('nothing outside src/http imports src/http (ui/ only api-types.ts and src/http/api/, as types)', async (t) => {
  const srcOffenders = allImports('src').filter((i) => !under('src/http')(i.from) && !COMPOSITION.includes(i.from) && under('src/http')(i.target));
  t.same(srcOffenders.map(show), []);
  const uiImports = allImports('ui/src');
  t.ok(uiImports.some((i) => i.target === 'src/http/api-types.ts'), 'the UI scan sees its api-types imports');
  // src/http/api/ holds one area's API shapes each (#18), shared the same way as api-types.ts.
  const sharedContract = (target: string) => target === 'src/http/api-types.ts' || under('src/http/api')(target);
  const uiOffenders = uiImports.filter((i) => under('src/http')(i.target) && !(sharedContract(i.target) && i.typeOnly));
  t.same(uiOffenders.map(show), []);
});

t.test('src/db imports nothing from src/jobs', async (t) => {
  t.same(allImports('src/db').filter((i) => under('src/jobs')(i.target)).map(show), []);
});

t.test('src/integrations imports nothing from src/db or src/jobs', async (t) => {
  const scanned = allImports('src/integrations');
  t.ok(scanned.length > 50, `scanned ${scanned.length} imports`);
  t.same(scanned.filter((i) => under('src/db')(i.target) || under('src/jobs')(i.target)).map(show), []);
});

t.test('only src/jobs holds SQL on the jobs table', async (t) => {
  // Kysely names the table as a string: selectFrom('jobs'), updateTable('jobs'), … and raw SQL says `jobs`.
  const touching = sourceFiles(join(ROOT, 'src'))
    .filter((file) => !under(join(ROOT, 'src/jobs'))(file))
    .filter((file) => /\b(?:selectFrom|updateTable|deleteFrom|insertInto)\(\s*['"]jobs\b|\b(?:FROM|JOIN|UPDATE|INTO)\s+jobs\b/.test(readFileSync(file, 'utf8')))
    .map((file) => file.slice(ROOT.length + 1));
  t.same(touching, []);
});

t.test("one vendor type: the union 'intercom' | 'hubspot' is spelt out once", async (t) => {
  const union = /'intercom'\s*\|\s*'hubspot'|'hubspot'\s*\|\s*'intercom'/g;
  const spellings = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'ui/src'))].flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(union)].map(() => file.slice(ROOT.length + 1)),
  );
  t.same(spellings, ['src/vendor.ts']);
});

t.test('a connection row becomes a Connection once, in its store: no other module names ConnectionRow or parses stored settings', async (t) => {
  const STORE = 'src/db/repos/connections.ts';
  // Where the row type and the parser are defined, and the one module that uses them.
  const allowed = ['src/db/schema.ts', 'src/config/connection-settings.ts', STORE];
  const naming = (file: string) => /\b(?:ConnectionRow|parseStoredSettings)\b/.test(readFileSync(file, 'utf8'));
  const files = sourceFiles(join(ROOT, 'src')).map((file) => ({ file, path: file.slice(ROOT.length + 1) }));
  t.ok(files.some(({ file, path }) => path === STORE && naming(file)), 'the scan sees the store use them');
  t.same(files.filter(({ file, path }) => !allowed.includes(path) && naming(file)).map(({ path }) => path), []);
});
