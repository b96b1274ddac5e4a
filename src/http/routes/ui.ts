// Serves the built Preact app; any other GET that is not an API or webhook path gets index.html so
// the app's own router can show it (the SPA fallback).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { appPath } from '../../app-root.ts';
import { notFound } from '../errors.ts';

const UI_DIST = appPath('ui/dist/');
const NOT_UI = /^\/(api|webhooks|sandbox)(\/|$)|^\/(healthz|readyz|metrics)$/;

export async function uiRoutes(app: FastifyInstance, distDir = UI_DIST): Promise<void> {
  const built = existsSync(join(distDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: distDir, prefix: '/', wildcard: false, index: false });
  } else {
    app.log.warn({ distDir }, 'the admin UI is not built; run `npm run build:ui` (npm start does it)');
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method !== 'GET' || NOT_UI.test(path)) throw notFound(`${request.method} ${path}`);
    if (!built) {
      return reply.code(503).type('text/plain').send('The admin UI is not built. Run `npm run build:ui`, then reload.');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
