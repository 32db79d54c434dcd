import t from 'tap';
import { testApp } from '../helpers/app.js';
import { cumulative, insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { addDays } from '../../src/core/index.js';
import { OVERDUE_TASK, recordOverdueInvoices } from '../../src/webhooks/overdue.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';
import { until } from '../helpers/receiver.js';
import { webhookScene } from '../helpers/webhooks.js';

// The compound's zone is Asia/Shanghai (+08:00): a local date starts at 16:00 UTC the day before.
const localMidnight = (date: string) => new Date(`${date}T00:00:00+08:00`);

t.test('invoice.overdue: once per invoice that passes its due date unpaid, found by the periodic pass', async (t) => {
  const { app, db, alpha, subscribe } = await webhookScene(t);
  const homes = [];
  for (const units of [1_000, 2_000, 3_000]) {
    homes.push(await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', units]]) }));
  }
  const [paid, partly, unpaid] = homes as [(typeof homes)[number], (typeof homes)[number], (typeof homes)[number]];
  await subscribe(['invoice.overdue']);
  t.equal((await postRun(app, alpha.headers, { period: '2025-11' })).statusCode, 201);
  const invoices = await db.selectFrom('invoices').select(['id', 'account_id', 'due_on', 'total_fen']).execute();
  const of = (accountId: string) => invoices.find((i) => i.account_id === accountId)!;
  const pay = async (accountId: string, amountFen: number) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...alpha.headers, 'idempotency-key': `pay-${accountId}` },
      payload: { accountId, amountFen, paidAt: '2025-12-01T10:00:00+08:00', reference: accountId.slice(0, 8) },
    });
    t.equal(response.statusCode, 201, response.body);
  };
  await pay(paid.accountId, of(paid.accountId).total_fen);
  await pay(partly.accountId, 10_000);

  const dueOn = of(unpaid.accountId).due_on;
  const events = () => db.selectFrom('webhook_events').select(['type', 'account_id', 'payload']).orderBy('seq').execute();
  t.equal(await recordOverdueInvoices(db, new Date(localMidnight(addDays(dueOn, 1)).getTime() - 1)), 0, 'the due date itself: not overdue');
  t.same(await events(), []);

  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 1))), 2, 'the day after: the two unpaid');
  const written = await events();
  t.same(written.map((e) => [e.type, e.account_id]).sort(), [
    ['invoice.overdue', partly.accountId],
    ['invoice.overdue', unpaid.accountId],
  ].sort());
  const partlyEvent = written.find((e) => e.account_id === partly.accountId)!;
  t.match(partlyEvent.payload, {
    invoiceId: of(partly.accountId).id,
    dueOn,
    status: 'partially_paid',
    paidFen: 10_000,
    owedFen: of(partly.accountId).total_fen - 10_000,
  });

  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 2))), 0, 'the next pass: already announced');
  await pay(unpaid.accountId, 1); // still overdue, still announced once
  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 3))), 0);
  t.equal((await events()).length, 2);
});

t.test('invoice.overdue: an invoice overdue longer than the lookback, or a provider without the type, gets none', async (t) => {
  const { app, db, alpha, subscribe } = await webhookScene(t);
  await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 1_000]]) });
  t.equal((await postRun(app, alpha.headers, { period: '2025-11' })).statusCode, 201);
  const { due_on: dueOn } = await db.selectFrom('invoices').select('due_on').executeTakeFirstOrThrow();
  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 1))), 0, 'no endpoint takes invoice.overdue');
  await subscribe(['invoice.overdue']);
  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 33))), 0, 'overdue for 32 days: past the lookback');
  t.equal(await recordOverdueInvoices(db, localMidnight(addDays(dueOn, 32))), 1, 'overdue for 31 days: within it');
});

t.test('the delivery worker schedules the pass on its crontab', async (t) => {
  const { app, db, pool } = await testApp(t);
  const delivery = await startWebhookDelivery({ db, pool, logger: app.log, pollMs: 50 });
  try {
    // graphile-worker registers its crontab just after it starts: wait for it.
    const sql = 'SELECT identifier FROM graphile_worker._private_known_crontabs';
    const known = async () => (await pool.query<{ identifier: string }>(sql)).rows.map((r) => r.identifier);
    t.ok(await until(async () => (await known()).length > 0, 10_000), 'registered');
    t.same(await known(), [OVERDUE_TASK]);
  } finally {
    await delivery.stop();
  }
});
