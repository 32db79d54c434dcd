import t from 'tap';
import { ADMIN_TOKEN, admin, bearer, testApp } from './helpers/app.js';
import { createProvider, operatorToken, operatorWithCompound } from './helpers/fixtures.js';
import { seedCompounds } from '../seeds/seed.js';
import { hashToken } from '../src/auth/tokens.js';

t.test('health, readiness and the OpenAPI document', async (t) => {
  const { app } = await testApp(t);
  t.same((await app.inject('/health')).json(), { status: 'ok' });
  t.same((await app.inject('/ready')).json(), { status: 'ready' });
  const openapi = (await app.inject('/openapi.json')).json();
  t.equal(openapi.openapi, '3.0.3');
  t.ok(openapi.paths['/v1/compounds'], 'documents the compound routes');
  const docs = await app.inject('/docs/');
  t.equal(docs.statusCode, 200);
  t.match(docs.headers['content-type'], /text\/html/);
});

t.test('errors are problem+json, including 404 and validation', async (t) => {
  const { app } = await testApp(t);
  const missing = await app.inject({ url: '/nowhere' });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /application\/problem\+json/);
  t.match(missing.json(), { status: 404, title: 'Not Found', type: '/problems/not-found' });

  const invalid = await app.inject({ method: 'POST', url: '/v1/providers', headers: admin, payload: { name: '' } });
  t.equal(invalid.statusCode, 400);
  t.match(invalid.headers['content-type'], /application\/problem\+json/);
  t.match(invalid.json().errors, [{ path: 'body.name' }]);

  const missingField = await app.inject({ method: 'POST', url: '/v1/providers', headers: admin, payload: {} });
  t.match(missingField.json().errors, [{ path: 'body.name', message: /required/ }]);

  const notJson = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: '{"name":',
  });
  t.equal(notJson.statusCode, 400);
  t.match(notJson.headers['content-type'], /application\/problem\+json/);
});

t.test('authentication: 401 without or with a bad token, 403 for a role that may not call', async (t) => {
  const { app, db } = await testApp(t);
  t.equal((await app.inject({ url: '/v1/compounds' })).statusCode, 401);
  t.equal((await app.inject({ url: '/v1/compounds', headers: bearer('nope') })).statusCode, 401);
  t.equal((await app.inject({ url: '/v1/compounds', headers: { authorization: ADMIN_TOKEN } })).statusCode, 401, 'scheme is required');
  t.equal((await app.inject({ url: `/v1/compounds?access_token=${ADMIN_TOKEN}` })).statusCode, 401, 'never from the query string');

  const provider = await createProvider(app);
  const token = await operatorToken(app, provider.id);
  const asOperator = await app.inject({ method: 'POST', url: '/v1/providers', headers: bearer(token), payload: { name: 'x' } });
  t.equal(asOperator.statusCode, 403);

  const stored = await db.selectFrom('api_tokens').select(['token_hash', 'last_used_at']).execute();
  t.equal(stored.length, 1);
  t.same(stored[0]?.token_hash, hashToken(token), 'stored as its SHA-256 hash');
  const everything = JSON.stringify(await db.selectFrom('api_tokens').selectAll().execute());
  t.notOk(everything.includes(token), 'the token itself is nowhere in the table');
  t.ok(stored[0]?.last_used_at, 'last use is recorded');

  const issued = await app.inject({ method: 'POST', url: `/v1/providers/${provider.id}/tokens`, headers: admin, payload: {} });
  t.equal((await app.inject({ url: '/v1/compounds', headers: bearer(issued.json().token) })).statusCode, 200, 'works (and is now cached)');
  const revoke = await app.inject({ method: 'DELETE', url: `/v1/tokens/${issued.json().id}`, headers: admin });
  t.equal(revoke.statusCode, 204);
  t.equal(
    (await app.inject({ url: '/v1/compounds', headers: bearer(issued.json().token) })).statusCode,
    401,
    'revoked: refused at once despite the cache',
  );
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/tokens/${issued.json().id}`, headers: admin })).statusCode,
    404,
    'already revoked',
  );
});

t.test('compounds: operators see and create only under their own provider', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');

  const listA = (await app.inject({ url: '/v1/compounds', headers: a.headers })).json();
  t.same(listA.items.map((c: { code: string }) => c.code), ['alpha']);
  t.equal(listA.nextCursor, null);
  t.equal((await app.inject({ url: '/v1/compounds/beta', headers: a.headers })).statusCode, 404, 'other provider: 404');
  t.equal((await app.inject({ url: '/v1/compounds/alpha', headers: a.headers })).statusCode, 200);

  const foreign = await app.inject({
    method: 'POST',
    url: '/v1/compounds',
    headers: a.headers,
    payload: { code: 'gamma', name: 'G', district: 'D', providerId: b.provider.id },
  });
  t.equal(foreign.statusCode, 403);
  const duplicate = await app.inject({
    method: 'POST',
    url: '/v1/compounds',
    headers: a.headers,
    payload: { code: 'alpha', name: 'A', district: 'D' },
  });
  t.equal(duplicate.statusCode, 409);
  const adminNeedsProvider = await app.inject({
    method: 'POST',
    url: '/v1/compounds',
    headers: admin,
    payload: { code: 'delta', name: 'A', district: 'D' },
  });
  t.equal(adminNeedsProvider.statusCode, 400);
  const all = (await app.inject({ url: '/v1/compounds', headers: admin })).json();
  t.same(all.items.map((c: { code: string }) => c.code), ['alpha', 'beta']);
});

t.test('seeds: the eleven compounds, idempotently, listed page by page', async (t) => {
  const { app, db } = await testApp(t);
  t.equal((await seedCompounds(db)).compoundsCreated, 11);
  t.equal((await seedCompounds(db)).compoundsCreated, 0, 'second run changes nothing');
  const first = (await app.inject({ url: '/v1/compounds?limit=6', headers: admin })).json();
  t.equal(first.items.length, 6);
  t.type(first.nextCursor, 'string');
  const second = (await app.inject({ url: `/v1/compounds?limit=6&cursor=${first.nextCursor}`, headers: admin })).json();
  t.equal(second.items.length, 5);
  t.equal(second.nextCursor, null);
  const lanjing = (await app.inject({ url: '/v1/compounds/changhang-lanjing-guoji', headers: admin })).json();
  t.match(lanjing, { name: '长航蓝晶国际小区', district: '东湖高新区' });
  t.match(lanjing.seasons[0], {
    label: '2025-26',
    heating: { start: '2025-11-15', end: '2026-03-15' },
    unitRate: '0.33',
    capPerM2: '35',
    flatBilling: 'installments',
  });
  const badCursor = await app.inject({ url: '/v1/compounds?cursor=zzz', headers: admin });
  t.equal(badCursor.statusCode, 400);
});
