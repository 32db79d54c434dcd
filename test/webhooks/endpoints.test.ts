import t from 'tap';
import { admin, testApp } from '../helpers/app.js';
import { cumulative, insertHomeWithReadings } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { runBilling } from '../../src/billing/service.js';
import type { Database } from '../../src/db/pool.js';
import '../../src/webhooks/tables.js';

const events = async (db: Database) =>
  db.selectFrom('webhook_events').select(['type', 'provider_id', 'account_id', 'payload']).orderBy('seq').execute();

t.test('webhooks: create, list, delete, scope and URL checks', async (t) => {
  const { app } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  const post = (headers: Record<string, string>, payload: object) => app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload });

  const created = await post(alpha.headers, { url: 'https://example.test/hooks', events: ['payment.recorded', 'invoice.issued'] });
  t.equal(created.statusCode, 201, created.body);
  const endpoint = created.json();
  t.match(endpoint, { url: 'https://example.test/hooks', events: ['payment.recorded', 'invoice.issued'], providerId: alpha.provider.id });
  t.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]+=*$/, 'a Standard Webhooks secret');
  t.equal(Buffer.from(endpoint.secret.slice(6), 'base64').length, 32);

  const list = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: alpha.headers });
  t.equal(list.statusCode, 200);
  t.same(list.json().items.map((e: { id: string }) => e.id), [endpoint.id]);
  t.notOk('secret' in list.json().items[0], 'the secret is never answered again');
  t.same((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: beta.headers })).json().items, [], 'another provider sees none');
  t.equal((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin })).json().items.length, 1, 'admin sees all');

  const foreign = await app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries`, headers: beta.headers });
  t.equal(foreign.statusCode, 404, "another provider's deliveries: 404");
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${endpoint.id}`, headers: beta.headers })).statusCode, 404);
  const deliveries = await app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries`, headers: alpha.headers });
  t.same(deliveries.json(), { items: [], nextCursor: null });

  for (const url of ['ftp://example.test/x', 'https://user:pw@example.test/x', 'not a url', 'javascript:alert(1)', 'file:///etc/passwd']) {
    const bad = await post(alpha.headers, { url, events: ['invoice.issued'] });
    t.equal(bad.statusCode, 400, url);
    t.equal(bad.json().errors?.[0]?.path, 'body.url', `${url}: names body.url`);
  }
  t.equal((await post(alpha.headers, { url: 'https://example.test', events: [] })).statusCode, 400, 'no events');
  t.equal((await post(alpha.headers, { url: 'https://example.test', events: ['invoice.paid'] })).statusCode, 400, 'unknown event');
  const otherProvider = { url: 'https://example.test', events: ['invoice.issued'], providerId: beta.provider.id };
  t.equal((await post(alpha.headers, otherProvider)).statusCode, 403, "an operator may not add another provider's endpoint");
  const forAll = await post(admin, { url: 'http://127.0.0.1:9/all', events: ['billing_run.finished'] });
  t.equal(forAll.statusCode, 201);
  t.equal(forAll.json().providerId, null, "an admin's endpoint without a provider takes every provider's events");
  const adminsDeliveries = await app.inject({ method: 'GET', url: `/v1/webhooks/${forAll.json().id}/deliveries`, headers: alpha.headers });
  t.equal(adminsDeliveries.statusCode, 404, "an operator does not see an admin's endpoint");

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${endpoint.id}`, headers: alpha.headers })).statusCode, 204);
  t.same((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: alpha.headers })).json().items, []);
});

t.test('outbox: events written with the change, only when an endpoint is subscribed', async (t) => {
  const { app, db, pool } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  for (const c of [alpha, beta]) await insertDefaultSeason(db, c.compound.id);
  const homeA = await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 1000]]) });
  await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 800]]) });
  const homeB = await insertHomeWithReadings(db, beta.compound.id, { readings: cumulative([['2025-11', 900]]) });
  const pay = (headers: Record<string, string>, key: string, accountId: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...headers, 'idempotency-key': key },
      payload: { accountId, amountFen: 100, paidAt: '2025-11-30T10:00:00+08:00', reference: key },
    });

  t.equal((await pay(alpha.headers, 'p0', homeA.accountId)).statusCode, 201);
  t.same(await events(db), [], 'no endpoint: no outbox row');

  const subscription = { url: 'https://a.test/', events: ['payment.recorded', 'invoice.issued'] };
  await app.inject({ method: 'POST', url: '/v1/webhooks', headers: alpha.headers, payload: subscription });
  const p1 = await pay(alpha.headers, 'p1', homeA.accountId);
  t.equal((await pay(beta.headers, 'p2', homeB.accountId)).statusCode, 201);
  t.equal((await pay(alpha.headers, 'p1', homeA.accountId)).statusCode, 200, 'a replay writes no second event');
  const afterPayments = await events(db);
  t.equal(afterPayments.length, 1, "only alpha's payment: beta has no endpoint");
  t.match(afterPayments[0], {
    type: 'payment.recorded',
    provider_id: alpha.provider.id,
    account_id: homeA.accountId,
    payload: { paymentId: p1.json().id, accountId: homeA.accountId, amountFen: 100, reference: 'p1' },
  });

  const run = await runBilling({ db, pool }, { period: '2025-11', actor: 'test' });
  t.equal(run.invoicesIssued, 3);
  const issued = (await events(db)).filter((e) => e.type === 'invoice.issued');
  t.equal(issued.length, 2, "alpha's two invoices, none of beta's");
  const invoices = await db
    .selectFrom('invoices')
    .select(['id', 'number'])
    .where('compound_id', '=', alpha.compound.id)
    .orderBy('seq')
    .execute();
  t.same(
    issued.map((e) => (e.payload as { number: string }).number),
    invoices.map((i) => i.number),
    'in number order',
  );
  t.match(issued[0]!.payload, { invoiceId: invoices[0]!.id, compound: 'alpha', period: '2025-11', billingRunId: run.id });
  t.notOk((await events(db)).some((e) => e.type === 'billing_run.finished'), 'not subscribed to runs');

  await app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: { url: 'https://all.test/', events: ['billing_run.finished'] } });
  await runBilling({ db, pool }, { period: '2025-12', actor: 'test', dryRun: true });
  t.notOk((await events(db)).some((e) => e.type === 'billing_run.finished'), 'a dry run sends no event');
  const second = await runBilling({ db, pool }, { period: '2025-12', actor: 'test' });
  const finished = (await events(db)).filter((e) => e.type === 'billing_run.finished');
  t.equal(finished.length, 2, 'one per provider of the run');
  t.same(new Set(finished.map((e) => e.provider_id)), new Set([alpha.provider.id, beta.provider.id]));
  t.match(finished.find((e) => e.provider_id === beta.provider.id)!.payload, {
    runId: second.id,
    period: '2025-12',
    compounds: [{ compound: 'beta', status: 'succeeded' }],
  });

  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${homeA.accountId}/close`,
    headers: alpha.headers,
    payload: { closedOn: '2026-01-20', closingReading: '2000' },
  });
  t.equal(close.statusCode, 201, close.body);
  const last = (await events(db)).at(-1)!;
  t.match(last, { type: 'invoice.issued', account_id: homeA.accountId, payload: { invoiceId: close.json().id, kind: 'final' } });
});

t.test('the OpenAPI document describes each event as a callback of POST /v1/webhooks', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const callbacks = doc.paths['/v1/webhooks'].post.callbacks;
  const types = ['account.cap_threshold', 'billing_run.finished', 'invoice.issued', 'invoice.overdue', 'payment.recorded'];
  t.same(Object.keys(callbacks).sort(), types);
  const body = callbacks['invoice.issued']['{$request.body#/url}'].post.requestBody.content['application/json'].schema;
  t.match(body.properties.data.required, ['invoiceId', 'number', 'accountId']);
});
