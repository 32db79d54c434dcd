import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { installErrorHandling } from '../../src/http/error-handler.js';
import { webPages } from '../../src/web/plugin.js';
import { testApp } from '../helpers/app.js';
import { builtPage } from './build.js';

t.test('/app/ and /console/ are served from the build, with the app\'s CSP, caching and compression', async (t) => {
  const { app } = await testApp(t);
  for (const page of ['app', 'console']) {
    const html = await app.inject({ url: `/${page}/` });
    t.equal(html.statusCode, 200, `/${page}/`);
    t.match(html.headers['content-type'], /text\/html/);
    t.equal(html.headers['cache-control'], 'no-cache', 'the page is revalidated, so a new build shows at once');
    t.match(html.headers['content-security-policy'], /script-src 'self'/, 'the strict CSP of the API applies');
    t.notMatch(html.headers['content-security-policy'], /unsafe-eval/);
    const { scripts } = builtPage(page as 'app' | 'console');
    t.ok(scripts.length > 0);
    t.match(html.body, /<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/, 'one external module script');
    t.notMatch(html.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');

    const redirect = await app.inject({ url: `/${page}` });
    t.equal(redirect.statusCode, 301);
    t.equal(redirect.headers.location, `/${page}/`);

    const asset = await app.inject({ url: scripts[0]!, headers: { 'accept-encoding': 'br, gzip' } });
    t.equal(asset.statusCode, 200, scripts[0]!);
    t.equal(asset.headers['content-encoding'], 'br', 'the pre-compressed file');
    t.match(asset.headers.vary, /accept-encoding/i);
    t.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable', 'hashed assets are cached for good');
    t.match(asset.headers['content-type'], /javascript/);
    const plain = await app.inject({ url: scripts[0]! });
    t.equal(plain.headers['content-encoding'], undefined, 'uncompressed for a client that asks for nothing else');
  }
  t.equal((await app.inject({ url: '/manifest.json' })).statusCode, 404, 'the build manifest is not served');
  const { scripts } = builtPage('app');
  t.equal((await app.inject({ url: `${scripts[0]}.br` })).statusCode, 404, 'compressed twins are not served as files');
  t.equal((await app.inject({ url: '/app/../package.json' })).statusCode, 404);
  const spec = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
  const pagePaths = Object.keys(spec.paths).filter((p) => /^\/(app|console|assets)\b/.test(p));
  t.same(pagePaths, [], 'the pages are not API routes');
});

t.test('without a build the pages answer 503 saying how to build them', async (t) => {
  const empty = await mkdtemp(path.join(os.tmpdir(), 'hpb-web-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  const app = Fastify();
  installErrorHandling(app);
  await app.register(webPages, { root: empty });
  t.teardown(() => app.close());
  const response = await app.inject({ url: '/app/' });
  t.equal(response.statusCode, 503);
  t.match(response.headers['content-type'], /application\/problem\+json/);
  t.match(response.json().detail, /npm run build:web/);
  t.equal((await app.inject({ url: '/console' })).statusCode, 301);
});
