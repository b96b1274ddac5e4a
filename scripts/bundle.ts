// Builds what the container image runs: the daemon as a few bundled, minified ES modules instead of
// ~1,400 separate files (src/ erased by tsc, and every dependency from node_modules). The process then
// holds far less source text and function metadata at idle (issue #19 item 3; test/bench/RESULTS.md
// "startup memory"). Used by the Dockerfile's build stage and by `npm run bench -- startup`.
//
//   node scripts/bundle.ts [OUT_DIR]      (default dist/) → OUT_DIR/src/main.js, OUT_DIR/scripts/{hash-password,migrate-store}.js
//
// Layout, which the code's import.meta.url paths rely on (src/app-root.ts, src/db/database.ts):
// - every chunk sits flat in OUT_DIR/src, one level below the app root (as src/*.ts do), so
//   `new URL('../', import.meta.url)` is the app root (migrations/, ui/dist/) from any of them;
// - the checkpoint worker is an entry of its own, src/checkpoint-worker.js, next to the chunk that
//   starts it with `new Worker(new URL('./checkpoint-worker.js', import.meta.url))`.
// Kept out of the bundle, loaded from node_modules: better-sqlite3 (a native addon that finds its
// .node file relative to its own package) and what src/lazy-require.ts and src/matching/email.ts
// require by a computed specifier on first use (esbuild leaves those require() calls alone).
// Dynamic import()s (the simulators, @fastify/oauth2, nodemailer) become chunks of their own, so
// they still load on first use only.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');

/**
 * `import … from 'node:http'` in an ES module makes Node build the built-in's whole ESM namespace,
 * which reads every export, lazy getters included: node:http's WebSocket, CloseEvent and
 * MessageEvent getters load Node's internal copy of undici (~13 MB resident in an otherwise empty
 * process; the daemon never uses them). So in the bundle every ES import of a built-in is served by
 * a small module that takes it from process.getBuiltinModule() (what require() returns) and
 * re-exports its members, leaving out the lazy getters below, which then stay unread. A name left
 * out that the code imports fails the build ("No matching export"), so nothing is missed silently.
 * The sources (`npm start`) keep their plain imports.
 */
const UNREAD_GETTERS: Readonly<Record<string, readonly string[]>> = {
  'node:http': ['WebSocket', 'CloseEvent', 'MessageEvent'],
  // Reading process.stdin opens fd 0 as a stream; process.report loads the diagnostic report.
  'node:process': ['stdin', 'report'],
};

const builtinsWithoutNamespace: Plugin = {
  name: 'builtins-without-namespace',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path) && args.path !== 'node:module'
        ? { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace: 'builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const unread = UNREAD_GETTERS[args.path] ?? [];
      const names = Object.keys(process.getBuiltinModule(args.path) as object).filter(
        (name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name) && !unread.includes(name),
      );
      const contents = `const m=process.getBuiltinModule(${JSON.stringify(args.path)});export default m;export const{${names.join(',')}}=m;`;
      return { contents, loader: 'js' };
    });
  },
};

const common: BuildOptions = {
  absWorkingDir: REPO_ROOT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // Whitespace and syntax only. Names stay as written without esbuild's keepNames, which wraps every
  // named function and class in a __name() call that sets its .name at run time: for closures made
  // per request that was ~10 us of CPU per webhook delivery in a burst (0.45 of the bare route
  // against 0.51-0.53 without; test/bench/RESULTS.md, "the daemon as shipped"). Errors are logged with
  // their constructor's name (pino's serializer); only where two bundled modules declare the same
  // top-level name does esbuild rename one (Foo2): none of src/'s classes, a few of dependencies'.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['better-sqlite3'],
  // Licence texts go to *.LEGAL.txt beside the chunks, not into code the process keeps in memory.
  legalComments: 'external',
  // Bundled CommonJS modules call require() for Node's built-ins (and the externals above); an ES
  // module has no require of its own, so each chunk gets one.
  banner: { js: "import{createRequire as __cjsRequire}from'node:module';const require=__cjsRequire(import.meta.url);" },
  plugins: [builtinsWithoutNamespace],
  logLevel: 'warning',
};

/** Writes the bundle under outDir (emptied first): outDir/src/*.js and outDir/scripts/{hash-password,migrate-store}.js. */
export async function bundle(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { main: 'src/main.ts', 'checkpoint-worker': 'src/db/checkpoint-worker.ts' },
    outdir: join(outDir, 'src'),
    splitting: true,
    chunkNames: 'chunk-[hash]',
  });
  // Separate programs (`node scripts/hash-password.js`, `node scripts/migrate-store.js` in the image),
  // each one self-contained file.
  for (const script of ['hash-password', 'migrate-store']) {
    await build({ ...common, entryPoints: [`scripts/${script}.ts`], outfile: join(outDir, 'scripts', `${script}.js`) });
  }
}

if (import.meta.main) await bundle(resolve(REPO_ROOT, process.argv[2] ?? 'dist'));
