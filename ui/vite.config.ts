// Builds the admin UI into ui/dist, which the daemon serves at `/` (with SPA fallback).
// Run through `npm run build:ui`; the config file's own folder is the Vite root.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    // `vite --config ui/vite.config.ts` for UI work against a daemon running on its default port.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
