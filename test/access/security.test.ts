import t from 'tap';
import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, admin, bearer, testApp, type TestApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';
import { twoProviderScene } from '../helpers/invoices.js';
import { operatorToken } from '../helpers/fixtures.js';

/** A well-formed token nobody was issued, with a prefix of its own. */
const randomToken = () => `hpb_${randomBytes(32).toString('base64url')}`;

t.test('failed authentication: 30 per minute per address, then 429 problem+json for bad tokens only', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/invoices/${s.invoicesA[0]!.id}`;
  for (let i = 0; i < 30; i += 1) {
    const response = await app.inject({ url, headers: bearer(randomToken()) });
    t.equal(response.statusCode, 401, `attempt ${i + 1}`);
  }
  const blocked = await app.inject({ url, headers: bearer(randomToken()) });
  t.equal(blocked.statusCode, 429);
  t.match(blocked.headers['content-type'], /application\/problem\+json/);
  t.match(blocked.json(), { status: 429, title: 'Too Many Requests', type: '/problems/rate-limited' });
  t.ok(Number(blocked.headers['retry-after']) > 0, 'Retry-After');
  t.equal((await app.inject({ url })).statusCode, 429, 'no token from the blocked address: refused too');
  t.equal((await app.inject({ url, headers: s.alpha.headers })).statusCode, 200, 'a valid operator token from the same address');
  t.equal((await app.inject({ url, headers: admin })).statusCode, 200, 'the admin token from the same address');
  t.equal((await app.inject({ url, headers: s.residentA })).statusCode, 200, 'a resident token from the same address');
  t.equal((await app.inject({ url, headers: bearer(randomToken()) })).statusCode, 429, 'bad tokens are still refused afterwards');
  const other = await app.inject({ url, headers: bearer(randomToken()), remoteAddress: '10.1.2.3' });
  t.equal(other.statusCode, 401, 'another address is not affected');
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'public routes stay open');
});

t.test('failed authentication: 30 per minute per token prefix, from any address', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/invoices/${s.invoicesA[0]!.id}`;
  const stale = randomToken();
  for (let i = 0; i < 30; i += 1) {
    const response = await app.inject({ url, headers: bearer(`${stale.slice(0, 12)}${i}`), remoteAddress: `10.9.0.${i + 1}` });
    t.equal(response.statusCode, 401, `attempt ${i + 1}`);
  }
  const samePrefix = await app.inject({ url, headers: bearer(`${stale.slice(0, 12)}zz`), remoteAddress: '10.9.1.1' });
  t.equal(samePrefix.statusCode, 429, 'the prefix is blocked on a fresh address');
  t.equal((await app.inject({ url, headers: bearer(randomToken()), remoteAddress: '10.9.1.1' })).statusCode, 401, 'another prefix is not');
  t.equal((await app.inject({ url, headers: s.alpha.headers, remoteAddress: '10.9.0.1' })).statusCode, 200, 'valid tokens pass');
});

t.test('TRUST_PROXY: X-Forwarded-For names the client when on, is ignored when off', async (t) => {
  t.equal(loadConfig({}).trustProxy, false, 'off by default');
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16' }).trustProxy, ['10.0.0.1', '192.168.0.0/16']);
  t.throws(() => loadConfig({ TRUST_PROXY: 'sometimes' }), /TRUST_PROXY: must be/);
  t.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' }), /TRUST_PROXY: must be/);

  const flood = async (app: TestApp['app'], url: string) => {
    for (let i = 0; i < 30; i += 1) {
      await app.inject({ url, headers: { ...bearer(randomToken()), 'x-forwarded-for': '203.0.113.7' }, remoteAddress: '10.0.0.1' });
    }
  };
  const behind = await testApp(t, { trustProxy: ['10.0.0.1'] });
  const sBehind = await twoProviderScene(behind.app, behind.db, 1);
  const urlBehind = `/v1/invoices/${sBehind.invoicesA[0]!.id}`;
  await flood(behind.app, urlBehind);
  const again = { url: urlBehind, remoteAddress: '10.0.0.1' };
  t.equal((await behind.app.inject({ ...again, headers: { ...bearer(randomToken()), 'x-forwarded-for': '203.0.113.7' } })).statusCode, 429,
    'on: the forwarded client is blocked');
  t.equal((await behind.app.inject({ ...again, headers: { ...bearer(randomToken()), 'x-forwarded-for': '203.0.113.8' } })).statusCode, 401,
    'on: another client behind the same proxy is not');
  const spoofed = { url: urlBehind, remoteAddress: '10.0.0.2', headers: { ...bearer(randomToken()), 'x-forwarded-for': '203.0.113.7' } };
  t.equal((await behind.app.inject(spoofed)).statusCode, 401, 'on: X-Forwarded-For from an untrusted peer is ignored');

  const direct = await testApp(t);
  const sDirect = await twoProviderScene(direct.app, direct.db, 1);
  const urlDirect = `/v1/invoices/${sDirect.invoicesA[0]!.id}`;
  await flood(direct.app, urlDirect);
  const other = { url: urlDirect, remoteAddress: '10.0.0.1', headers: { ...bearer(randomToken()), 'x-forwarded-for': '203.0.113.8' } };
  t.equal((await direct.app.inject(other)).statusCode, 429, 'off: the peer address counts, whatever the header says');
  t.equal((await direct.app.inject({ ...other, headers: sDirect.alpha.headers })).statusCode, 200, 'off: a valid token still passes');
});

t.test('per-token limit: 1000 requests a minute, then 429', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/invoices/${s.invoicesA[0]!.id}`;
  const headers = bearer(await operatorToken(app, s.alpha.provider.id));
  const first = await app.inject({ url, headers });
  t.equal(first.headers['x-ratelimit-limit'], '1000');
  t.equal(first.headers['x-ratelimit-remaining'], '999');
  let last = first;
  for (let i = 1; i < 1000; i += 1) last = await app.inject({ url, headers });
  t.equal(last.statusCode, 200, 'the 1000th passes');
  const over = await app.inject({ url, headers });
  t.equal(over.statusCode, 429);
  t.match(over.headers['content-type'], /application\/problem\+json/);
  t.ok(over.headers['retry-after']);
  t.equal((await app.inject({ url, headers: s.residentA })).statusCode, 200, 'another token has its own budget');
});

t.test('security headers; /docs keeps working with its own CSP', async (t) => {
  const { app } = await testApp(t);
  const api = await app.inject({ url: '/v1/invoices', headers: admin });
  t.equal(api.headers['x-content-type-options'], 'nosniff');
  t.match(api.headers['content-security-policy'], /default-src 'self'/);
  t.notMatch(api.headers['content-security-policy'], /upgrade-insecure-requests/);
  t.ok(api.headers['strict-transport-security']);
  t.equal(api.headers['x-frame-options'], 'SAMEORIGIN');
  const docs = await app.inject('/docs/');
  t.equal(docs.statusCode, 200);
  t.match(docs.body, /swagger-ui-bundle\.js/);
  t.match(docs.headers['content-security-policy'], /style-src 'self' https: 'unsafe-inline'/);
  t.match(docs.headers['content-security-policy'], /img-src 'self' data: validator\.swagger\.io/);
  const bundle = await app.inject('/docs/static/swagger-ui-bundle.js');
  t.equal(bundle.statusCode, 200);
  t.equal((await app.inject('/openapi.json')).statusCode, 200);
});

t.test('tokens are never taken from the query string', async (t) => {
  const { app } = await testApp(t);
  for (const name of ['access_token', 'token', 'bearer']) {
    t.equal((await app.inject({ url: `/v1/invoices?${name}=${ADMIN_TOKEN}` })).statusCode, 401, name);
  }
});

t.test('a 500 answers problem+json without stack, SQL or table names', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  await sql`ALTER TABLE invoice_lines RENAME TO invoice_lines_gone`.execute(db);
  const response = await app.inject({ url: `/v1/invoices/${s.invoicesA[0]!.id}`, headers: admin });
  t.equal(response.statusCode, 500);
  t.match(response.headers['content-type'], /application\/problem\+json/);
  const body = response.json();
  t.match(body, { status: 500, title: 'Internal Server Error', type: '/problems/internal-error' });
  t.same(Object.keys(body).sort(), ['detail', 'status', 'title', 'type']);
  for (const leak of ['invoice_lines', 'relation', 'select', 'at ', '.ts', 'stack']) {
    t.notOk(response.body.toLowerCase().includes(leak), `no "${leak}"`);
  }
  await sql`ALTER TABLE invoice_lines_gone RENAME TO invoice_lines`.execute(db);
});
