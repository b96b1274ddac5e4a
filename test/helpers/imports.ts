// One import scanner for the structure tests (#15 items 1, 4, 6; #14): which modules a source file
// names, and whether each import survives type stripping. A regex scan, not a parser: it reads the
// `import … from`, `export … from`, bare `import '…'` and `import('…')` forms the codebase uses.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface ModuleImport {
  specifier: string;
  /** `import type …` / `export type …`: erased at run time. (`import { type A }` still loads the module.) */
  typeOnly: boolean;
  /** `import('…')`: loaded only when the call runs. */
  dynamic: boolean;
}

export function moduleImports(source: string): ModuleImport[] {
  const found: Array<ModuleImport & { at: number }> = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)) {
    found.push({ specifier: match[3] as string, typeOnly: Boolean(match[2]), dynamic: false, at: match.index });
  }
  for (const match of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ specifier: match[1] as string, typeOnly: false, dynamic: false, at: match.index });
  for (const match of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: match[1] as string, typeOnly: false, dynamic: true, at: match.index });
  // In source order, so a list reads like the file.
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...i }) => i);
}

/** The specifiers a module loads statically at run time (type-only imports and import() do not count). */
export function valueImports(source: string): string[] {
  return moduleImports(source)
    .filter((i) => !i.typeOnly && !i.dynamic)
    .map((i) => i.specifier);
}

/** Every `.ts`/`.tsx` file under a directory, recursively. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

export interface ResolvedImport extends ModuleImport {
  /** The importing file, relative to the repository root. */
  from: string;
  /** The imported file, relative to the repository root. */
  target: string;
}

/** A file's relative imports, resolved to paths from the repository root (packages are left out). */
export function localImportsOf(file: string): ResolvedImport[] {
  return moduleImports(readFileSync(file, 'utf8'))
    .filter((i) => i.specifier.startsWith('.'))
    .map((i) => ({ ...i, from: relative(ROOT, file), target: relative(ROOT, resolve(dirname(file), i.specifier)) }));
}
