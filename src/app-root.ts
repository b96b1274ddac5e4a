// Where the files that ship beside the code (migrations/, ui/dist/) are found. This module sits one
// level below the app root in every layout: src/app-root.ts in the sources, and in the image's
// bundle every chunk is a file directly in /app/src (scripts/bundle.ts), wherever the code that
// asks came from. Paths relative to a deeper module's own import.meta.url would not survive bundling.
const APP_ROOT = new URL('../', import.meta.url);

/** The absolute path of `relative` (e.g. 'migrations/') under the app root. */
export function appPath(relative: string): string {
  return new URL(relative, APP_ROOT).pathname;
}
