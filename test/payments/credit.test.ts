import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.js';
import { cumulative, insertHomeWithReadings, postRun, SEASON_MONTHS } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import type { Database } from '../../src/db/pool.js';

// Credit on an account (an overpayment) settles invoices issued after it: by the monthly batch
// and by a move-out's final invoice, not only by the next payment.

const WORKED_UNITS = [1500, 2600, 3000]; // 49,500 · 85,800 · 99,000 fen

function postPayment(app: FastifyInstance, headers: Record<string, string>, accountId: string, amountFen: number, key: string) {
  return app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...headers, 'idempotency-key': key },
    payload: { accountId, amountFen, paidAt: '2025-10-20T10:00:00+08:00', reference: key },
  });
}

/** A new payment (201), as JSON. */
async function pay(app: FastifyInstance, headers: Record<string, string>, accountId: string, amountFen: number, key: string) {
  const res = await postPayment(app, headers, accountId, amountFen, key);
  if (res.statusCode !== 201) throw new Error(`payment ${key}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function invoicesOf(db: Database, accountId: string) {
  return (
    await db
      .selectFrom('invoices')
      .select(['period', 'total_fen', 'paid_fen', 'status'])
      .where('account_id', '=', accountId)
      .orderBy('period')
      .orderBy('created_at')
      .execute()
  ).map((i) => [i.period, i.total_fen, i.paid_fen, i.status]);
}

async function creditOf(db: Database, accountId: string): Promise<number> {
  const rows = await db.selectFrom('payments').select('unallocated_fen').where('account_id', '=', accountId).execute();
  return rows.reduce((sum, r) => sum + r.unallocated_fen, 0);
}

async function allocatedTo(db: Database, accountId: string): Promise<number> {
  const rows = await db
    .selectFrom('payment_allocations as pa')
    .innerJoin('invoices as i', 'i.id', 'pa.invoice_id')
    .select('pa.amount_fen')
    .where('i.account_id', '=', accountId)
    .execute();
  return rows.reduce((sum, r) => sum + r.amount_fen, 0);
}

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'credit-court');
  await insertDefaultSeason(db, op.compound.id);
  const readings = cumulative(SEASON_MONTHS.slice(0, 3).map((p, i) => [p, WORKED_UNITS[i]!]));
  const prepaid = await insertHomeWithReadings(db, op.compound.id, {
    areaM2: '99.00',
    holderName: 'prepaid',
    openedOn: '2025-11-01',
    readings,
  });
  const plain = await insertHomeWithReadings(db, op.compound.id, {
    areaM2: '99.00',
    holderName: 'plain',
    openedOn: '2025-11-01',
    readings,
  });
  return { app, db, pool, op, prepaid, plain };
}

t.test('the batch settles the new invoices from credit paid in advance', async (t) => {
  const { app, db, op, prepaid, plain } = await scene(t);
  const advance = await pay(app, op.headers, prepaid.accountId, 60_000, 'advance');
  t.same([advance.unallocatedFen, advance.allocations], [60_000, []], 'nothing to settle yet: all credit');

  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court' })).statusCode, 201);
  t.same(await invoicesOf(db, prepaid.accountId), [['2025-11', 49_500, 49_500, 'paid']], 'November paid from the credit');
  t.same(await invoicesOf(db, plain.accountId), [['2025-11', 49_500, 0, 'issued']], 'an account without credit is untouched');
  t.equal(await creditOf(db, prepaid.accountId), 10_500);

  t.equal((await postRun(app, op.headers, { period: '2025-12', compound: 'credit-court' })).statusCode, 201);
  t.same(
    await invoicesOf(db, prepaid.accountId),
    [
      ['2025-11', 49_500, 49_500, 'paid'],
      ['2025-12', 85_800, 10_500, 'partially_paid'],
    ],
    'December gets what is left',
  );
  t.equal(await creditOf(db, prepaid.accountId), 0, 'the credit is used up');
  t.equal(await allocatedTo(db, prepaid.accountId), 60_000, 'allocations account for every fen of the payment');

  const replayed = await postPayment(app, op.headers, prepaid.accountId, 60_000, 'advance');
  t.equal(replayed.statusCode, 200, 'the same key and body: the same payment');
  const replay = replayed.json();
  t.same(
    replay.allocations.map((a: { amountFen: number }) => a.amountFen),
    [49_500, 10_500],
    'the payment now shows where its money went',
  );
  t.equal(replay.unallocatedFen, 0);

  const statement = (await app.inject({ url: `/v1/accounts/${prepaid.accountId}/statement?season=2025-26`, headers: op.headers })).json();
  t.equal(statement.balanceFen, 49_500 + 85_800 - 60_000, 'the balance is invoiced − paid, as before');
  t.same(
    statement.invoices.map((i: { paidFen: number; status: string }) => [i.paidFen, i.status]),
    [
      [49_500, 'paid'],
      [10_500, 'partially_paid'],
    ],
  );

  const audits = await db
    .selectFrom('audit_log')
    .select(['details', 'compound_id'])
    .where('action', '=', 'billing-run.credit')
    .orderBy('id')
    .execute();
  t.match(audits, [
    { compound_id: op.compound.id, details: { period: '2025-11', allocations: 1, amountFen: 49_500 } },
    { compound_id: op.compound.id, details: { period: '2025-12', allocations: 1, amountFen: 10_500 } },
  ]);
  t.equal(audits.length, 2, 'audited per compound and month, only when credit was applied');

  const again = (await postRun(app, op.headers, { period: '2025-12', compound: 'credit-court' })).json();
  t.equal(again.invoicesIssued, 0, 'running the month again issues nothing');
  t.equal(await allocatedTo(db, prepaid.accountId), 60_000, 'and allocates nothing twice');
});

t.test('credit that arrived without being applied is applied by running the month again', async (t) => {
  const { app, db, op, prepaid } = await scene(t);
  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court' })).statusCode, 201);
  // As if the credit step after the compound's commit had failed: credit beside an open invoice.
  await db
    .insertInto('payments')
    .values({
      compound_id: op.compound.id,
      account_id: prepaid.accountId,
      amount_fen: 20_000,
      paid_at: new Date('2025-10-20T02:00:00Z'),
      reference: 'left over',
      idempotency_key: 'test:left-over',
      request_hash: 'test',
      unallocated_fen: 20_000,
      created_by: 'test',
    })
    .execute();
  t.same(await invoicesOf(db, prepaid.accountId), [['2025-11', 49_500, 0, 'issued']]);
  const statementUrl = `/v1/accounts/${prepaid.accountId}/statement?season=2025-26`;
  const before = (await app.inject({ url: statementUrl, headers: op.headers })).json();
  t.same([before.invoices[0].status, before.payments[0].unallocatedFen], ['issued', 20_000], 'the statement, now cached');

  const again = (await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court' })).json();
  t.match(again, { status: 'succeeded', invoicesIssued: 0 });
  t.same(await invoicesOf(db, prepaid.accountId), [['2025-11', 49_500, 20_000, 'partially_paid']], 'settled by the re-run');
  t.equal(await creditOf(db, prepaid.accountId), 0);
  const after = (await app.inject({ url: statementUrl, headers: op.headers })).json();
  t.same(
    [after.invoices[0].status, after.invoices[0].paidFen, after.payments[0].unallocatedFen],
    ['partially_paid', 20_000, 0],
    'the next read shows it',
  );
});

t.test('a dry run applies no credit', async (t) => {
  const { app, db, op, prepaid } = await scene(t);
  await pay(app, op.headers, prepaid.accountId, 60_000, 'advance');
  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court', dryRun: true })).statusCode, 201);
  t.same(await invoicesOf(db, prepaid.accountId), []);
  t.equal(await creditOf(db, prepaid.accountId), 60_000);
});

t.test("a move-out's final invoice is settled from credit", async (t) => {
  const { app, db, op, prepaid } = await scene(t);
  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court' })).statusCode, 201);
  await pay(app, op.headers, prepaid.accountId, 70_000, 'overpaid'); // November 49,500, 20,500 left
  t.equal(await creditOf(db, prepaid.accountId), 20_500);

  // Out on 20 December at 2,000: 500 units (16,500 fen), capped at 346,500 × 35/212 service days
  // (15 November to 20 December) = 57,205 fen, of which November billed 49,500: 7,705 to pay.
  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${prepaid.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2025-12-20', closingReading: '2000' },
  });
  t.equal(close.statusCode, 201, close.body);
  t.match(close.json(), { totalFen: 7_705, paidFen: 7_705, status: 'paid' }, 'the final invoice answers already paid');
  t.equal(await creditOf(db, prepaid.accountId), 20_500 - 7_705, 'what is left stays as credit');
  t.equal(await allocatedTo(db, prepaid.accountId), 49_500 + 7_705);
  const audit = await db.selectFrom('audit_log').select('details').where('action', '=', 'invoice.issue_final').executeTakeFirstOrThrow();
  t.match(audit.details, { creditApplied: [{ amountFen: 7_705 }] });
});

t.test('a payment recorded during the batch of its compound waits for nothing and loses nothing', async (t) => {
  const { app, db, pool, op, prepaid } = await scene(t);
  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'credit-court' })).statusCode, 201);
  // Hold the foreign-key lock a batch takes on an account while it COPYs the account's invoices.
  const batchLike = await pool.connect();
  let payment: unknown;
  try {
    await batchLike.query('BEGIN');
    await batchLike.query('SELECT id FROM accounts WHERE id = $1 FOR KEY SHARE', [prepaid.accountId]);
    let timer: NodeJS.Timeout | undefined;
    payment = await Promise.race([
      pay(app, op.headers, prepaid.accountId, 50_000, 'during'),
      new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error('the payment waited on the batch')), 5_000))),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await batchLike.query('ROLLBACK');
    batchLike.release();
  }
  t.match(payment, { unallocatedFen: 500, allocations: [{ amountFen: 49_500 }] });
  t.same(await invoicesOf(db, prepaid.accountId), [['2025-11', 49_500, 49_500, 'paid']]);
});
