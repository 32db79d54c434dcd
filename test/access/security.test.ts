import t from 'tap';
import { sql } from 'kysely';
import { ADMIN_TOKEN, admin, bearer, testApp } from '../helpers/app.js';
import { twoProviderScene } from '../helpers/invoices.js';
import { operatorToken } from '../helpers/fixtures.js';

t.test('failed authentication: 30 per minute per address, then 429 problem+json', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/invoices/${s.invoicesA[0]!.id}`;
  for (let i = 0; i < 30; i += 1) {
    const response = await app.inject({ url, headers: bearer(`hpb_guess_${i}`) });
    t.equal(response.statusCode, 401, `attempt ${i + 1}`);
  }
  const blocked = await app.inject({ url, headers: bearer('hpb_guess_31') });
  t.equal(blocked.statusCode, 429);
  t.match(blocked.headers['content-type'], /application\/problem\+json/);
  t.match(blocked.json(), { status: 429, title: 'Too Many Requests', type: '/problems/rate-limited' });
  t.ok(Number(blocked.headers['retry-after']) > 0, 'Retry-After');
  const validButBlocked = await app.inject({ url, headers: s.alpha.headers });
  t.equal(validButBlocked.statusCode, 429, 'the address is blocked for the window, even with a valid token');
  const other = await app.inject({ url, headers: s.alpha.headers, remoteAddress: '10.1.2.3' });
  t.equal(other.statusCode, 200, 'another address is not affected');
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'public routes stay open');
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
