import t from 'tap';
import { admin, testApp } from '../helpers/app.js';
import { twoProviderScene } from '../helpers/invoices.js';

const pay = (accountId: string, amountFen: number, reference = 'WX-1', paidAt = '2026-02-01T09:30:00+08:00') => ({
  accountId,
  amountFen,
  paidAt,
  reference,
});

t.test('payments: who may record them', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const post = (headers: Record<string, string>, key: string, payload: object) =>
    app.inject({ method: 'POST', url: '/v1/payments', headers: { ...headers, 'idempotency-key': key }, payload });
  t.equal((await post({}, 'a', pay(s.homeA.accountId, 100))).statusCode, 401);
  t.equal((await post(s.residentA, 'a', pay(s.homeA.accountId, 100))).statusCode, 403, 'residents never record payments');
  const foreign = await post(s.beta.headers, 'a', pay(s.homeA.accountId, 100));
  t.equal(foreign.statusCode, 404, "another provider's account: 404");
  t.equal((await post(admin, 'b', pay('00000000-0000-4000-8000-000000000000', 100))).statusCode, 404, 'unknown account');
  t.equal((await post(s.alpha.headers, 'c', pay(s.homeA.accountId, 100))).statusCode, 201);
  t.equal((await post(admin, 'd', pay(s.homeB.accountId, 100))).statusCode, 201, 'admin: any account');
  t.equal(
    Number(
      (
        await db
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    2,
    'refused ones stored nothing',
  );
});

t.test('payments: validation', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const post = (payload: object, key: string | null) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...s.alpha.headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload,
    });
  const missingKey = await post(pay(s.homeA.accountId, 100), null);
  t.equal(missingKey.statusCode, 400, 'Idempotency-Key is required');
  t.match(missingKey.json().errors, [{ path: /idempotency-key/ }]);
  for (const amountFen of [0, -5, 1.5, 'ten']) {
    const response = await post({ ...pay(s.homeA.accountId, 1), amountFen }, `k-${amountFen}`);
    t.equal(response.statusCode, 400, `amountFen ${amountFen}`);
    t.match(response.headers['content-type'], /problem\+json/);
  }
  t.equal((await post({ ...pay(s.homeA.accountId, 1), paidAt: 'yesterday!!' }, 'k-date')).statusCode, 400);
  t.equal((await post({ ...pay(s.homeA.accountId, 1), paidAt: '2099-01-01T00:00:00+08:00' }, 'k-future')).statusCode, 400);
  t.equal((await post({ ...pay(s.homeA.accountId, 1), reference: '' }, 'k-ref')).statusCode, 400);
  t.equal(Number((await db.selectFrom('payments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
});

t.test('payments: idempotent by key; another body under the same key is a conflict', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const post = (payload: object, key = 'pay-001') =>
    app.inject({ method: 'POST', url: '/v1/payments', headers: { ...s.alpha.headers, 'idempotency-key': key }, payload });
  const first = await post(pay(s.homeA.accountId, 10_000));
  t.equal(first.statusCode, 201);
  const again = await post(pay(s.homeA.accountId, 10_000));
  t.equal(again.statusCode, 200, 'a replay answers 200');
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.equal(again.json().id, first.json().id, 'the same payment');
  t.same(again.json(), first.json());
  const other = await post(pay(s.homeA.accountId, 20_000));
  t.equal(other.statusCode, 409);
  t.match(other.headers['content-type'], /problem\+json/);
  const rows = await db.selectFrom('payments').selectAll().execute();
  t.equal(rows.length, 1, 'one row');
  const invoice = await db
    .selectFrom('invoices')
    .select(['paid_fen', 'status'])
    .where('id', '=', s.invoicesA[0]!.id)
    .executeTakeFirstOrThrow();
  t.same(invoice, { paid_fen: 10_000, status: 'partially_paid' }, 'applied once');
  const audits = await db.selectFrom('audit_log').selectAll().where('action', '=', 'payment.record').execute();
  t.equal(audits.length, 1, 'audited once');
  t.match(audits[0], { entity: 'payment', entity_id: first.json().id, compound_id: s.alpha.compound.id });

  const racing = await Promise.all(Array.from({ length: 8 }, () => post(pay(s.homeA.accountId, 5_000, 'WX-race'), 'race-key')));
  const ids = new Set(racing.map((r) => r.json().id));
  t.equal(ids.size, 1, 'concurrent requests with one key make one payment');
  t.same(racing.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
  t.equal((await db.selectFrom('payments').selectAll().execute()).length, 2);

  const otherProvider = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...s.beta.headers, 'idempotency-key': 'pay-001' },
    payload: pay(s.homeB.accountId, 1_000),
  });
  t.equal(otherProvider.statusCode, 201, "keys are per provider: another provider's key does not collide");
});

t.test('payments: oldest invoices first, partial then paid, overpayment becomes credit', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 3); // 49,500 · 85,800 · 99,000
  const post = (amountFen: number, key: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...s.alpha.headers, 'idempotency-key': key },
      payload: pay(s.homeA.accountId, amountFen, key),
    });
  const status = async () =>
    (
      await db
        .selectFrom('invoices')
        .select(['number', 'paid_fen', 'status'])
        .where('account_id', '=', s.homeA.accountId)
        .orderBy('period')
        .execute()
    ).map((i) => [i.paid_fen, i.status]);

  const p1 = (await post(60_000, 'p1')).json();
  t.same(p1.allocations.map((a: { number: string; amountFen: number }) => [a.number, a.amountFen]), [
    ['ALPHA-202511-000001', 49_500],
    ['ALPHA-202512-000001', 10_500],
  ]);
  t.equal(p1.unallocatedFen, 0);
  t.same(await status(), [[49_500, 'paid'], [10_500, 'partially_paid'], [0, 'issued']]);

  const p2 = (await post(75_300, 'p2')).json();
  t.same(p2.allocations.map((a: { amountFen: number }) => a.amountFen), [75_300]);
  t.same(await status(), [[49_500, 'paid'], [85_800, 'paid'], [0, 'issued']], 'December paid exactly');

  const p3 = (await post(120_000, 'p3')).json();
  t.equal(p3.unallocatedFen, 21_000, 'overpayment stays as credit');
  t.same(await status(), [[49_500, 'paid'], [85_800, 'paid'], [99_000, 'paid']]);
  const statement = (await app.inject({ url: `/v1/accounts/${s.homeA.accountId}/statement?season=2025-26`, headers: s.residentA })).json();
  t.equal(statement.balanceFen, -21_000, 'credit is a negative balance');
  t.equal(statement.payments.length, 3);

  // A new invoice arrives; the next payment first spends the old credit.
  const { insertInvoice, meteredLines } = await import('../helpers/invoices.js');
  const feb = await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: s.homeA.accountId,
    householdId: s.homeA.householdId,
    period: '2026-02',
    lines: meteredLines('2400', 79_200),
  });
  const p4 = (await post(1_000, 'p4')).json();
  t.equal(p4.unallocatedFen, 0);
  t.same(p4.allocations, [{ invoiceId: feb.id, number: feb.number, amountFen: 1_000 }]);
  const febRow = await db.selectFrom('invoices').select(['paid_fen', 'status']).where('id', '=', feb.id).executeTakeFirstOrThrow();
  t.same(febRow, { paid_fen: 22_000, status: 'partially_paid' }, 'credit 21,000 + 1,000');
  const p3Row = await db
    .selectFrom('payments')
    .select('unallocated_fen')
    .where('idempotency_key', 'like', '%:p3')
    .executeTakeFirstOrThrow();
  t.equal(p3Row.unallocated_fen, 0, 'the credit is used up');
  const allocated = await db
    .selectFrom('payment_allocations')
    .select((eb) => eb.fn.sum<string>('amount_fen').as('s'))
    .executeTakeFirstOrThrow();
  t.equal(Number(allocated.s), 49_500 + 85_800 + 99_000 + 22_000, 'allocations add up to what invoices show paid');
});

t.test('payments: concurrent payments never allocate the same open amount twice', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 3);
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...s.alpha.headers, 'idempotency-key': `c-${i}` },
        payload: pay(s.homeA.accountId, 30_000, `c-${i}`),
      }),
    ),
  );
  t.ok(responses.every((r) => r.statusCode === 201));
  const invoices = await db
    .selectFrom('invoices')
    .select(['total_fen', 'paid_fen', 'status'])
    .where('account_id', '=', s.homeA.accountId)
    .execute();
  t.ok(invoices.every((i) => i.paid_fen === i.total_fen && i.status === 'paid'), 'all paid, none overpaid');
  const payments = await db
    .selectFrom('payments')
    .select(['amount_fen', 'unallocated_fen'])
    .where('account_id', '=', s.homeA.accountId)
    .execute();
  const credit = payments.reduce((sum, p) => sum + p.unallocated_fen, 0);
  t.equal(credit, 300_000 - (49_500 + 85_800 + 99_000), 'paid in − allocated = credit');
});
