import t from 'tap';
import { bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, residentToken } from '../helpers/registry.js';
import { runMonths, monthReadAt, seasonTotal, SEASON_MONTHS } from '../helpers/corrections.js';
import { invoiceEnd } from '../helpers/billing.js';

const WORKED = ['1500', '4100', '7100', '9500', '10400', '10900', '12100', '13200', '13200'];

t.test('metered move-out in January and move-in the next day: both seasons to the fen', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await insertHome(db, op.compound.id, { openedOn: '2025-11-01' });
  await insertReadings(
    db,
    op.compound.id,
    a.meterId,
    SEASON_MONTHS.map((p, i) => [monthReadAt(p), WORKED[i]!]),
  );
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  t.equal(await seasonTotal(db, a.accountId), 135_300);

  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${a.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2026-01-20', closingReading: '6000' },
  });
  t.equal(close.statusCode, 201, close.body);
  const final = close.json();
  // Occupancy [2025-11-01, 2026-01-20) covers 16 + 31 + 19 = 66 of 212 service days:
  // cap round(346,500 × 66 / 212) = 107,873; billed 135,300; usage 1,900 units all above the cap.
  t.match(final, {
    number: 'LANJING-202601-000001',
    accountId: a.accountId,
    householdId: a.householdId,
    period: '2026-01',
    status: 'paid',
    totalFen: -27_427,
    paidFen: 0,
    noReading: false,
  });
  t.match(final.lines, [
    { kind: 'usage', units: '1900', unitRate: '0.33', amountFen: 62_700 },
    { kind: 'cap', amountFen: -62_700 },
    { kind: 'final_settlement', amountFen: -27_427 },
  ]);
  t.equal(final.lines.length, 3);
  const row = await db.selectFrom('invoices').selectAll().where('id', '=', final.id).executeTakeFirstOrThrow();
  t.equal(row.kind, 'final');
  const end = await invoiceEnd(db, final.id);
  t.equal(end.to_value, '6000.000');
  const reading = await db.selectFrom('readings').selectAll().where('id', '=', end.to_reading_id!).executeTakeFirstOrThrow();
  t.equal(reading.read_at.toISOString(), '2026-01-19T16:00:00.000Z', 'the closing reading is at the start of closedOn, local time');
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', a.accountId).executeTakeFirstOrThrow();
  t.equal(account.closed_on, '2026-01-20');
  t.equal(account.closing_reading, '6000.000');
  t.equal(await seasonTotal(db, a.accountId), 107_873, 'A pays exactly its prorated cap');
  t.ok(await db.selectFrom('audit_log').select('id').where('action', '=', 'account.close').executeTakeFirst());

  const twice = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${a.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2026-01-25', closingReading: '6500' },
  });
  t.equal(twice.statusCode, 409, 'already closed');

  // The next resident moves in on closedOn, from the closing reading.
  const b = await createAccount(app, op.headers, a.householdId, { holderName: '李娜', openedOn: '2026-01-20' });
  t.equal(b.openingReading, '6000', 'the registry opens the next account from the closing reading');
  await runMonths(db, pool, SEASON_MONTHS.slice(2));
  const january = await db
    .selectFrom('invoices')
    .select(['number', 'account_id', 'kind'])
    .where('period', '=', '2026-01')
    .orderBy('seq')
    .execute();
  t.same(
    january,
    [
      { number: 'LANJING-202601-000001', account_id: a.accountId, kind: 'final' },
      { number: 'LANJING-202601-000002', account_id: b.id, kind: 'monthly' },
    ],
    'A is not billed monthly again; one gapless sequence',
  );
  // B covers 12 + 28 + 14 + 92 = 146 days: cap 238,627; usage 7,200 units = 237,600 below it.
  t.equal(await seasonTotal(db, b.id), 237_600);
  t.equal(await seasonTotal(db, a.accountId), 107_873);
});

t.test('flat move-out in February: upfront gets the credit, installments pay the rest', async (t) => {
  const { app, db, pool } = await testApp(t);
  const up = await operatorWithCompound(app, 'upfront');
  await insertDefaultSeason(db, up.compound.id, 2025, { flat_billing: 'upfront' });
  const inst = await operatorWithCompound(app, 'inst');
  await insertDefaultSeason(db, inst.compound.id);
  const a = await insertHome(db, up.compound.id, { plan: 'flat' });
  const b = await insertHome(db, inst.compound.id, { plan: 'flat' });
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 3));
  t.equal(await seasonTotal(db, a.accountId), 346_500);
  t.equal(await seasonTotal(db, b.accountId), 26_151 + 50_667 + 50_668);

  // [2025-11-01, 2026-02-10) covers 16 + 31 + 31 + 9 = 87 days: fee round(346,500 × 87 / 212) = 142,196.
  const closeA = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${a.accountId}/close`,
    headers: up.headers,
    payload: { closedOn: '2026-02-10', closingReading: 9000 },
  });
  t.equal(closeA.statusCode, 201, closeA.body);
  t.match(closeA.json(), { number: 'UPFRONT-202602-000001', totalFen: 142_196 - 346_500, status: 'paid' });
  t.match(closeA.json().lines, [{ kind: 'final_settlement', amountFen: -204_304 }]);
  t.equal(await seasonTotal(db, a.accountId), 142_196);

  const closeB = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${b.accountId}/close`,
    headers: inst.headers,
    payload: { closedOn: '2026-02-10', closingReading: '9000' },
  });
  t.equal(closeB.statusCode, 201);
  t.match(closeB.json(), { totalFen: 142_196 - 127_486, status: 'issued' });
  t.equal(await seasonTotal(db, b.accountId), 142_196);
  await runMonths(db, pool, SEASON_MONTHS.slice(3));
  t.equal(await seasonTotal(db, b.accountId), 142_196, 'no monthly invoice after the final one');
});

t.test('refusals, and pending adjustments carried by the final invoice', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  const other = await operatorWithCompound(app, 'other');
  await insertDefaultSeason(db, op.compound.id);
  const a = await insertHome(db, op.compound.id, { openedOn: '2025-11-01' });
  await insertReadings(
    db,
    op.compound.id,
    a.meterId,
    SEASON_MONTHS.map((p, i) => [monthReadAt(p), WORKED[i]!]),
  );
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  const url = `/v1/accounts/${a.accountId}/close`;

  t.equal(
    (await app.inject({ method: 'POST', url, headers: other.headers, payload: { closedOn: '2026-01-20', closingReading: '6000' } }))
      .statusCode,
    404,
  );
  const resident = await residentToken(db, a.accountId);
  t.equal(
    (await app.inject({ method: 'POST', url, headers: bearer(resident), payload: { closedOn: '2026-01-20', closingReading: '6000' } }))
      .statusCode,
    403,
  );
  const early = await app.inject({ method: 'POST', url, headers: op.headers, payload: { closedOn: '2025-11-01', closingReading: '0' } });
  t.equal(early.statusCode, 422);
  t.match(early.json().errors, [{ path: 'body.closedOn' }]);
  const low = await app.inject({ method: 'POST', url, headers: op.headers, payload: { closedOn: '2026-01-20', closingReading: '4000' } });
  t.equal(low.statusCode, 422);
  t.match(low.json().errors, [
    { path: 'body.closingReading', message: /lower than the reading \d+ \(4100 at 2025-12-28T12:00:00\+08:00\)/ },
  ]);
  const high = await app.inject({ method: 'POST', url, headers: op.headers, payload: { closedOn: '2026-01-20', closingReading: '7200' } });
  t.equal(high.statusCode, 422);
  t.match(high.json().detail, /higher than the later reading \d+ \(7100/);
  const future = await app.inject({
    method: 'POST',
    url,
    headers: op.headers,
    payload: { closedOn: '2099-01-01', closingReading: '20000' },
  });
  t.equal(future.statusCode, 422);
  t.equal(
    (await app.inject({ method: 'POST', url, headers: op.headers, payload: { closedOn: 'soon', closingReading: '1' } })).statusCode,
    400,
  );
  const account = await db.selectFrom('accounts').select(['closed_on']).where('id', '=', a.accountId).executeTakeFirstOrThrow();
  t.equal(account.closed_on, null, 'nothing stored by the refusals');
  t.equal((await db.selectFrom('readings').select('id').where('meter_id', '=', a.meterId).execute()).length, 9);

  // A pending correction is settled by the final invoice.
  const dec = await db
    .selectFrom('readings')
    .select('id')
    .where('meter_id', '=', a.meterId)
    .where('value', '=', '4100')
    .executeTakeFirstOrThrow();
  const corrected = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${dec.id}`,
    headers: op.headers,
    payload: { value: '4000', reason: 'x' },
  });
  t.equal(corrected.json().adjustment.amountFen, -3_300);
  const close = await app.inject({ method: 'POST', url, headers: op.headers, payload: { closedOn: '2026-01-20', closingReading: '6000' } });
  t.equal(close.statusCode, 201);
  t.match(close.json().lines, [
    { kind: 'usage', units: '2000' },
    { kind: 'cap', amountFen: -66_000 },
    { kind: 'final_settlement', amountFen: 107_873 - 132_000 },
    { kind: 'adjustment', amountFen: -3_300 },
  ]);
  t.equal(await seasonTotal(db, a.accountId), 107_873);
  const pending = await db.selectFrom('account_adjustments').select('applied_invoice_id').executeTakeFirstOrThrow();
  t.equal(pending.applied_invoice_id, close.json().id);
  // Settled: no more corrections or voids for this account.
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${dec.id}`, headers: op.headers, payload: { value: '4050', reason: 'x' } }))
      .statusCode,
    409,
  );
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/invoices/${close.json().id}/void`, headers: op.headers, payload: { reason: 'x' } }))
      .statusCode,
    409,
  );
});
