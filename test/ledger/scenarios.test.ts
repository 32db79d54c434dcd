import t from 'tap';
import { readAt } from '../helpers/billing.js';
import { createAccount, createHousehold, createMeter, householdWithMeter } from '../helpers/registry.js';
import { bill, billMonths, ledgerScene, postReadings, seasonCharged, unitsBilled, unitsInvoiced } from '../helpers/scene.js';

/**
 * Issue "One billing ledger": usage is billed exactly once whatever order months, accounts and
 * meters arrive in. Every step goes through the API as an operator would take it.
 */

const units = (n: number) => BigInt(n) * 1000n;

t.test('months out of order: refused naming the missing month, then billed once', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'order-court');
  const { household, meter } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await postReadings(app, headers, [
    [meter.serial, '2025-11-30T12:00:00+08:00', 1000],
    [meter.serial, '2025-12-31T12:00:00+08:00', 2000],
    [meter.serial, '2026-01-31T12:00:00+08:00', 3000],
    [meter.serial, '2026-02-28T12:00:00+08:00', 4000],
  ]);
  await billMonths(app, headers, code, ['2025-11', '2025-12']);

  const february = await bill(app, headers, code, '2026-02');
  t.equal(february.status, 409, 'February before January is refused');
  t.match(february.run.detail, /2026-01 has not been billed; bill it before 2026-02/);
  t.equal(await db.selectFrom('invoices').select('id').where('period', '=', '2026-02').executeTakeFirst(), undefined, 'nothing stored');

  await billMonths(app, headers, code, ['2026-01', '2026-02']);
  const again = await bill(app, headers, code, '2026-01');
  t.match(again, { status: 201, run: { status: 'succeeded', invoicesIssued: 0 } }, 'a re-run of January issues nothing');
  t.equal(await unitsBilled(db, account.id), units(4000), 'the meter advance, once');
  t.equal(await unitsInvoiced(db, account.id), units(4000));
  t.equal(await seasonCharged(db, account.id, '2025-26'), 132_000, '4,000 units × 0.33');
});

t.test('a compound that starts billing mid-season may begin with any month, then keeps the order', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'late-court');
  const { household, meter } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await postReadings(app, headers, [
    [meter.serial, readAt('2026-01'), 2500],
    [meter.serial, readAt('2026-02'), 3000],
    [meter.serial, readAt('2026-03'), 3600],
  ]);
  await billMonths(app, headers, code, ['2026-01']);
  t.match(await bill(app, headers, code, '2026-03'), { status: 409, run: { detail: /2026-02 has not been billed/ } });
  await billMonths(app, headers, code, ['2026-02', '2026-03']);
  t.equal(await unitsBilled(db, account.id), units(3600), 'January catches up from the opening reading');
});

t.test('a back-dated account: the first invoice catches up; re-running earlier months bills nothing more', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'backdate-court');
  const first = await householdWithMeter(app, headers, code);
  await createAccount(app, headers, first.household.id, { openedOn: '2025-11-01' });
  const late = await householdWithMeter(app, headers, code);
  await postReadings(app, headers, [
    [first.meter.serial, readAt('2025-11'), 500],
    [first.meter.serial, readAt('2025-12'), 900],
    [late.meter.serial, readAt('2025-11'), 700],
    [late.meter.serial, readAt('2025-12'), 2000],
    [late.meter.serial, readAt('2026-01'), 2600],
  ]);
  await billMonths(app, headers, code, ['2025-11', '2025-12']);
  const account = await createAccount(app, headers, late.household.id, { openedOn: '2025-11-01' });
  t.equal(account.openingReading, '0', 'the meter it was in service on at openedOn, before any reading');

  await billMonths(app, headers, code, ['2026-01']);
  const january = await db.selectFrom('invoices').selectAll().where('account_id', '=', account.id).execute();
  t.equal(january.length, 1);
  t.equal(january[0]!.usage_units, '2600.000', 'the catch-up: 0 → 2600 in one invoice');

  for (const period of ['2025-11', '2025-12']) {
    const rerun = await bill(app, headers, code, period);
    t.match(rerun, { status: 201, run: { status: 'succeeded', invoicesIssued: 0 } }, `a re-run of ${period} issues nothing`);
    t.ok(rerun.run.skippedAccounts >= 1, `the re-run of ${period} counts what it skipped`);
  }
  t.equal(await unitsBilled(db, account.id), units(2600), 'no unit billed twice');
  t.equal(await unitsInvoiced(db, account.id), units(2600));
});

t.test('a back-dated account across a meter replacement starts on the meter in service at opening', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'swap-court');
  const household = await createHousehold(app, headers, code);
  const old = await createMeter(app, headers, household.id, { serial: 'OLD', installedAt: '2025-10-01T00:00:00' });
  await postReadings(app, headers, [['OLD', '2025-12-31T12:00:00+08:00', 5000]]);
  await createMeter(app, headers, household.id, {
    serial: 'NEW',
    installedAt: '2026-01-10T09:00:00',
    initialReading: '0',
    replaces: old.id,
    finalReading: '5100',
  });
  await postReadings(app, headers, [['NEW', '2026-01-31T12:00:00+08:00', 300]]);

  const account = await createAccount(app, headers, household.id, { openedOn: '2026-01-05' });
  t.equal(account.openingReading, '5000', "OLD's register at opening, not the active meter's");
  await billMonths(app, headers, code, ['2026-01']);
  const invoice = await db.selectFrom('invoices').selectAll().where('account_id', '=', account.id).executeTakeFirstOrThrow();
  t.equal(invoice.usage_units, '400.000', '100 on OLD + 300 on NEW');
  const intervals = await db
    .selectFrom('invoice_intervals as v')
    .innerJoin('meters as m', 'm.id', 'v.meter_id')
    .select(['m.serial', 'v.from_value', 'v.to_value'])
    .where('v.invoice_id', '=', invoice.id)
    .orderBy('v.interval_no')
    .execute();
  t.same(intervals, [
    { serial: 'OLD', from_value: '5000.000', to_value: '5100.000' },
    { serial: 'NEW', from_value: '0.000', to_value: '300.000' },
  ]);
  t.equal(await unitsBilled(db, account.id), units(400));
});

t.test('an opening reading the registers contradict is refused, naming the field', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'opening-court');
  const { household, meter } = await householdWithMeter(app, headers, code);
  await postReadings(app, headers, [
    [meter.serial, '2025-10-20T12:00:00+08:00', 500],
    [meter.serial, readAt('2025-11'), 800],
  ]);
  for (const openingReading of ['99999', '400']) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers,
      payload: { householdId: household.id, holderName: '王芳', openedOn: '2025-11-01', openingReading },
    });
    t.equal(response.statusCode, 422, `${openingReading} on a meter at 500 on 2025-10-20 and 800 later`);
    t.equal(response.json().errors[0].path, 'body.openingReading');
  }
  t.equal(await db.selectFrom('accounts').select('id').executeTakeFirst(), undefined, 'nothing stored');

  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01', openingReading: '600' });
  await billMonths(app, headers, code, ['2025-11']);
  t.equal(await unitsBilled(db, account.id), units(200), '600 → 800');
});

t.test('future months, plan changes and the cap: the season never bills more than its cap', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'future-court');
  const { household, meter } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });

  const future = await bill(app, headers, code, '2027-11');
  t.equal(future.status, 409, 'a month that has not ended cannot be billed');
  t.match(future.run.detail, /2027-11 has not ended/);
  const preview = await bill(app, headers, code, '2027-11', true);
  t.equal(preview.status, 201, 'a dry run may preview it');
  t.equal(await db.selectFrom('invoices').select('id').executeTakeFirst(), undefined);

  await postReadings(app, headers, [
    [meter.serial, readAt('2025-11'), 6000],
    [meter.serial, readAt('2025-12'), 12000],
  ]);
  await billMonths(app, headers, code, ['2025-11']);
  const change = await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/2025-26`, headers, payload: { plan: 'flat' } });
  t.equal(change.statusCode, 409, 'the plan is fixed once the season is invoiced');

  // Void November (its 198,000 fen re-billed by December's adjustment), then bill past the cap.
  const november = await db.selectFrom('invoices').select('id').where('account_id', '=', account.id).executeTakeFirstOrThrow();
  const voided = await app.inject({ method: 'POST', url: `/v1/invoices/${november.id}/void`, headers, payload: { reason: 'reissue' } });
  t.equal(voided.statusCode, 200, 'November voided');
  await billMonths(app, headers, code, ['2025-12']);
  t.equal(await seasonCharged(db, account.id, '2025-26'), 346_500, 'exactly the cap: 12,000 units would be 396,000');
  await postReadings(app, headers, [[meter.serial, readAt('2026-01'), 13000]]);
  await billMonths(app, headers, code, ['2026-01']);
  t.equal(await seasonCharged(db, account.id, '2025-26'), 346_500, 'still the cap');
  t.equal(await unitsBilled(db, account.id), units(13000), 'every unit on the ledger once, though capped');
});
