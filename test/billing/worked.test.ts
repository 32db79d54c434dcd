import t from 'tap';
import { testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { cumulative, insertHomeWithReadings, invoiceEnd, invoiceSnapshot, postRun, readAt, SEASON_MONTHS } from '../helpers/billing.js';
import { addDays, localDateOf } from '../../src/core/index.js';

// SPEC §5 worked examples through the real batch (POST /v1/billing-runs), month by month.
const METERED_UNITS = [1500, 2600, 3000, 2400, 900, 500, 1200, 1100, 0];
const METERED_TOTALS = [49_500, 85_800, 99_000, 79_200, 29_700, 3_300, 0, 0, 0];
const METERED_GROSS = [49_500, 85_800, 99_000, 79_200, 29_700, 16_500, 39_600, 36_300, 0];
const FLAT = [26_151, 50_667, 50_668, 45_764, 22_882, 26_151, 50_667, 50_668, 22_882];

t.test('the worked examples, metered and flat side by side, month by month', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'changhang-lanjing-guoji');
  const compoundId = op.compound.id;
  await insertDefaultSeason(db, compoundId);

  // Household order: metered, flat, then a metered home that never gets a reading.
  const readings = cumulative(SEASON_MONTHS.map((p, i) => [p, METERED_UNITS[i]!]));
  // A reading in a non-billable month (April) is billed with June.
  readings.splice(5, 0, [readAt('2026-04', 20), '10600']);
  const metered = await insertHomeWithReadings(db, compoundId, { areaM2: '99.00', holderName: 'metered', readings });
  const flat = await insertHomeWithReadings(db, compoundId, {
    areaM2: '99.00',
    plan: 'flat',
    holderName: 'flat',
    readings: cumulative(SEASON_MONTHS.map((p) => [p, 100])),
  });
  const silent = await insertHomeWithReadings(db, compoundId, { areaM2: '80.00', holderName: 'silent', initialReading: '42.5' });

  const periods = [...SEASON_MONTHS.slice(0, 5), '2026-04', '2026-05', ...SEASON_MONTHS.slice(5)];
  for (const period of periods) {
    const before = Date.now();
    const res = await postRun(app, op.headers, { period, compound: 'changhang-lanjing-guoji' });
    t.equal(res.statusCode, 201, `${period}: 201`);
    const run = res.json();
    const billable = SEASON_MONTHS.includes(period);
    t.match(
      run,
      {
        period,
        compound: 'changhang-lanjing-guoji',
        status: 'succeeded',
        dryRun: false,
        invoicesIssued: billable ? 3 : 0,
        accountsBilled: billable ? 3 : 0,
      },
      `${period}: run summary`,
    );
    t.ok(Date.parse(run.startedAt) >= before - 1000 && Date.parse(run.finishedAt) >= Date.parse(run.startedAt), `${period}: start and end`);
    if (!billable) continue;
    const i = SEASON_MONTHS.indexOf(period);
    t.equal(run.totalFen, METERED_TOTALS[i]! + FLAT[i]! + 0, `${period}: run total`);
    t.equal(run.cappedAccounts, METERED_TOTALS[i]! < METERED_GROSS[i]! ? 1 : 0, `${period}: capped accounts`);
  }

  const all = await invoiceSnapshot(db, compoundId);
  t.equal(all.length, 27, 'nine months × three accounts, nothing for April and May');
  for (const [i, period] of SEASON_MONTHS.entries()) {
    const month = all.filter((inv) => inv.period === period);
    const code = `CHANGHANG-LANJING-GUOJI-${period.replace('-', '')}`;
    t.same(
      month.map((inv) => [inv.number, inv.holder_name]),
      [
        [`${code}-000001`, 'metered'],
        [`${code}-000002`, 'flat'],
        [`${code}-000003`, 'silent'],
      ],
      `${period}: gapless numbers in household order`,
    );
    const [m, f, s] = month as [(typeof all)[number], (typeof all)[number], (typeof all)[number]];
    t.equal(m.total_fen, METERED_TOTALS[i], `${period}: metered total`);
    const usage = { kind: 'usage', units: `${METERED_UNITS[i]}.000`, unit_rate: '0.3300', amount_fen: METERED_GROSS[i] };
    const capped = METERED_TOTALS[i]! < METERED_GROSS[i]!;
    t.match(
      m.lines,
      capped ? [usage, { kind: 'cap', amount_fen: METERED_TOTALS[i]! - METERED_GROSS[i]! }] : [usage],
      `${period}: metered lines`,
    );
    t.equal(m.lines.length, capped ? 2 : 1, `${period}: a cap line only when the cap bites`);
    t.equal(m.status, m.total_fen === 0 ? 'paid' : 'issued');
    t.equal(m.no_reading, false, `${period}: a reading exists (September: same value, usage 0, noReading false)`);
    t.equal(f.total_fen, FLAT[i], `${period}: flat installment`);
    t.match(f.lines, [{ kind: 'flat_installment', amount_fen: FLAT[i] }]);
    t.equal(f.plan, 'flat');
    t.equal(s.total_fen, 0, `${period}: no reading, nothing billed`);
    t.equal(s.no_reading, true, `${period}: noReading`);
    t.equal(s.status, 'paid', `${period}: zero total issued as paid`);
    t.strictSame(
      s.intervals.map((i) => [i.from_value, i.to_value]),
      [['42.500', '42.500']],
      'the start is carried forward by a zero interval',
    );
    t.match(s.lines, [{ kind: 'usage', units: '0.000', amount_fen: 0 }]);
    const issuedOn = localDateOf(new Date(), 'Asia/Shanghai');
    t.equal(m.issued_on, issuedOn, 'issuedOn is the local date of the run');
    t.equal(m.due_on, addDays(issuedOn, 15), 'due 15 days later');
  }
  t.equal(
    all.filter((inv) => inv.holder_name === 'metered').reduce((sum, inv) => sum + inv.total_fen, 0),
    346_500,
    'metered season total = the cap',
  );
  t.equal(
    all.filter((inv) => inv.holder_name === 'flat').reduce((sum, inv) => sum + inv.total_fen, 0),
    346_500,
    'flat season total = the fee',
  );

  const stored = await db
    .selectFrom('invoices')
    .select(['id', 'account_id', 'usage_units', 'period'])
    .where('account_id', '=', metered.accountId)
    .orderBy('period')
    .execute();
  for (const row of stored) {
    t.not((await invoiceEnd(db, row.id)).to_reading_id, null, `${row.period} records the reading its usage ended at`);
  }
  t.equal(stored.find((row) => row.period === '2026-06')?.usage_units, '500.000', 'June bills from March, including the April reading');
  t.ok(flat.accountId && silent.accountId);

  const runs = await db.selectFrom('billing_runs').selectAll().orderBy('started_at').execute();
  t.equal(runs.length, periods.length, 'every run is recorded');
  t.ok(
    runs.every((r) => r.status === 'succeeded' && r.started_by.length > 0 && r.finished_at !== null),
    'who, outcome and end',
  );
  const audits = await db.selectFrom('audit_log').select(['action', 'entity_id']).where('entity', '=', 'billing_run').execute();
  t.ok(audits.filter((a) => a.action === 'billing-run.finish').length === periods.length, 'each run is in the audit log');
});
