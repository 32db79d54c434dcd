import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../http/problem.js';
import { projectRoot } from '../shared/project.js';

/** Where `npm run build:web` (Vite, web/vite.config.ts) writes the two pages and their assets. */
export const WEB_DIST = path.join(projectRoot(), 'web', 'dist');

/** The resident page and the operator console, each a folder of WEB_DIST with its index.html. */
export const PAGES = ['app', 'console'] as const;

export interface WebPagesOptions {
  /** The built pages; default WEB_DIST. */
  root?: string;
}

/**
 * Serves /app/ and /console/ and their hashed assets (/assets/…) from the build, the .br or .gz
 * beside each file when the browser accepts it. Hashed assets are cached for a year, the pages
 * revalidated on every load. Nothing here is behind a token: the pages sign in against the API.
 * Without a build (the server started without `npm start`), the pages answer 503 saying so.
 */
export async function webPages(app: FastifyInstance, options: WebPagesOptions): Promise<void> {
  const root = options.root ?? WEB_DIST;
  for (const page of PAGES) {
    app.get(`/${page}`, { schema: { hide: true } }, (_request, reply) => reply.redirect(`/${page}/`, 301));
  }
  if (!PAGES.every((page) => existsSync(path.join(root, page, 'index.html')))) {
    app.log.warn({ root }, 'the web pages are not built (npm run build:web): /app/ and /console/ answer 503');
    for (const page of PAGES) {
      app.get(`/${page}/`, { schema: { hide: true } }, async () => {
        throw new HttpProblem(503, 'The web pages are not built: run npm run build:web (npm start does it).');
      });
    }
    return;
  }
  const assets = `${path.sep}assets${path.sep}`;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    redirect: false,
    preCompressed: true,
    decorateReply: false,
    globIgnore: ['**/*.br', '**/*.gz', 'manifest.json'],
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', filePath.includes(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
