// Issue #15 item 2: capture and tickets no longer depend on each other. The shared first step
// (src/conversations) imports neither; the ticket pipeline (src/tickets) never imports capture, so
// a ticket made at the first customer message runs without it; capture composes both pipelines.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every module a file names (static imports and re-exports, type-only ones too, and import() calls), relative to the repository. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(dirname(file), s)));
}

function offenders(folder: string, forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    for (const target of importsOf(file)) if (forbidden.some((prefix) => target.startsWith(prefix))) found.push(`${relative(ROOT, file)} → ${target}`);
  }
  return found;
}

t.test('src/tickets does not import src/capture', async (t) => {
  t.same(offenders('src/tickets', ['src/capture/']), []);
});

t.test('src/conversations imports neither src/capture nor src/tickets', async (t) => {
  t.same(offenders('src/conversations', ['src/capture/', 'src/tickets/']), []);
});
