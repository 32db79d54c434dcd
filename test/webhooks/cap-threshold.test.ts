import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { cumulative, insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { insertHome, insertReadings } from '../helpers/data.js';
import { monthReadAt, runMonths, SEASON_MONTHS } from '../helpers/corrections.js';
import { startReceiver, until } from '../helpers/receiver.js';
import { webhookScene } from '../helpers/webhooks.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';

// The default season: 0.33 CNY a unit, a cap of 35 CNY per m². 100 m²: a cap of 3,500 CNY, so 50%
// is 1,750 CNY (5,303 units) and 80% is 2,800 CNY.
t.test('account.cap_threshold: 50, 80 and 100% of the cap, each once, written by the batch', async (t) => {
  const { app, db, pool, alpha, subscribe } = await webhookScene(t);
  const nearCap = await insertHomeWithReadings(db, alpha.compound.id, {
    areaM2: '100.00',
    // 1,980 CNY (56.6%), +660 (75.4%), +330 (84.9%), +1,650 (capped at 3,500: 100%).
    readings: cumulative([['2025-11', 6_000], ['2025-12', 2_000], ['2026-01', 1_000], ['2026-02', 5_000]]),
  });
  const frugal = await insertHomeWithReadings(db, alpha.compound.id, {
    areaM2: '100.00',
    readings: cumulative([['2025-11', 100], ['2025-12', 100], ['2026-01', 100], ['2026-02', 100]]),
  });
  const endpoint = await subscribe(['account.cap_threshold']);
  const events = async () =>
    (
      await db
        .selectFrom('webhook_events')
        .select(['type', 'account_id', 'payload'])
        .orderBy('seq')
        .execute()
    ).map((e) => ({ ...e, payload: e.payload as Record<string, unknown> }));

  t.equal((await postRun(app, alpha.headers, { period: '2025-11' })).statusCode, 201);
  const first = await events();
  t.equal(first.length, 1, 'one crossing in November');
  const invoice = await db
    .selectFrom('invoices')
    .select(['id', 'household_id'])
    .where('account_id', '=', nearCap.accountId)
    .executeTakeFirstOrThrow();
  t.match(first[0], {
    type: 'account.cap_threshold',
    account_id: nearCap.accountId,
    payload: {
      accountId: nearCap.accountId,
      householdId: invoice.household_id,
      compound: 'alpha',
      season: '2025-26',
      thresholdPercent: 50,
      billedFen: 198_000,
      capFen: 350_000,
      invoiceId: invoice.id,
    },
  });

  t.equal((await postRun(app, alpha.headers, { period: '2025-11' })).statusCode, 201, 'the month again');
  t.equal((await events()).length, 1, 'a rerun announces nothing again');

  // Voided, November's charge is owed again by December's invoice: the season's charges fall
  // below 50% and reach it again. Once per account, season and threshold: no second 50.
  const voided = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${invoice.id}/void`,
    headers: alpha.headers,
    payload: { reason: 'wrong meter' },
  });
  t.equal(voided.statusCode, 200, voided.body);
  for (const period of ['2025-12', '2026-01', '2026-02']) {
    t.equal((await postRun(app, alpha.headers, { period })).statusCode, 201, period);
  }
  const all = await events();
  t.same(
    all.map((e) => [e.account_id, e.payload.thresholdPercent]),
    [
      [nearCap.accountId, 50],
      [nearCap.accountId, 80],
      [nearCap.accountId, 100],
    ],
    'each threshold once, in order; the frugal account reaches none',
  );
  t.notOk(all.some((e) => e.account_id === frugal.accountId));
  t.match(all[2]!.payload, { billedFen: 350_000, capFen: 350_000 });

  // Delivered like every event: signed, in order for the account.
  const receiver = await startReceiver();
  await db.updateTable('webhook_endpoints').set({ url: receiver.url }).execute();
  const delivery = await startWebhookDelivery({ db, pool, logger: app.log, pollMs: 50 });
  try {
    t.ok(await until(() => receiver.received.length >= 3), 'delivered');
    const verifier = new Webhook(endpoint.secret);
    const delivered = receiver.received.map(
      (r) => verifier.verify(r.body, r.headers as Record<string, string>) as { data: { thresholdPercent: number } },
    );
    t.same(
      delivered.map((d) => d.data.thresholdPercent),
      [50, 80, 100],
    );
  } finally {
    await delivery.stop();
    await receiver.close();
  }
});

t.test('no endpoint takes account.cap_threshold: the batch writes none', async (t) => {
  const { app, db, alpha, subscribe } = await webhookScene(t);
  await insertHomeWithReadings(db, alpha.compound.id, { areaM2: '1.00', readings: cumulative([['2025-11', 6_000]]) });
  await subscribe(['invoice.issued']);
  t.equal((await postRun(app, alpha.headers, { period: '2025-11' })).statusCode, 201);
  const types = await db.selectFrom('webhook_events').select('type').execute();
  t.same(
    types.map((e) => e.type),
    ['invoice.issued'],
  );
});

t.test('a final invoice announces the thresholds of its prorated cap that were never announced', async (t) => {
  const { app, db, pool, alpha, subscribe } = await webhookScene(t);
  const home = await insertHome(db, alpha.compound.id, { openedOn: '2025-11-01' });
  await insertReadings(db, alpha.compound.id, home.meterId, [
    [monthReadAt(SEASON_MONTHS[0]!), '1500'],
    [monthReadAt(SEASON_MONTHS[1]!), '4100'],
  ]);
  await subscribe(['account.cap_threshold']);
  // Two months bill 135,300 fen of a 346,500 cap (39%): no threshold yet.
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  t.equal((await db.selectFrom('webhook_events').select('id').execute()).length, 0);
  // Moving out on 2026-01-20 prorates the cap to 107,873 fen, which the final invoice settles at.
  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${home.accountId}/close`,
    headers: alpha.headers,
    payload: { closedOn: '2026-01-20', closingReading: '6000' },
  });
  t.equal(close.statusCode, 201, close.body);
  const events = await db.selectFrom('webhook_events').select(['type', 'payload']).orderBy('seq').execute();
  t.match(
    events.map((e) => e.payload),
    [50, 80, 100].map((thresholdPercent) => ({
      accountId: home.accountId,
      thresholdPercent,
      billedFen: 107_873,
      capFen: 107_873,
      invoiceId: (close.json() as { id: string }).id,
    })),
  );
  t.equal(events.length, 3);
});
