import t from 'tap';
import {
  accountTerms,
  buildSeason,
  capCharge,
  computeMonthInvoice,
  flatBilledThrough,
  formatQuantity,
  grossFen,
  invoiceStatus,
  meteredSeasonTarget,
  meterUsage,
  parseQuantity,
  type AccountSeasonFacts,
  type MonthInvoice,
} from '../../src/core/index.js';
import { meter, usage } from '../helpers/ledger.js';
import { DEFAULT_SEASON } from '../helpers/season.js';

const season = buildSeason(DEFAULT_SEASON);
const upfrontSeason = buildSeason({ ...DEFAULT_SEASON, unitRate: '0.3300', capPerM2: '35.0000', flatBilling: 'upfront' });

const metered = (extra: Partial<AccountSeasonFacts> = {}): AccountSeasonFacts => ({
  plan: 'metered',
  areaM2: '99.00',
  openedOn: '2024-05-01',
  closedOn: null,
  season,
  ...extra,
});
const flat = (extra: Partial<AccountSeasonFacts> = {}): AccountSeasonFacts => ({ ...metered(extra), plan: 'flat', ...extra });

/** Bills every billable month in order from cumulative readings; returns the non-null invoices. */
function billSeason(facts: AccountSeasonFacts, unitsByMonth: readonly string[], start = '10000'): (MonthInvoice | null)[] {
  let billed = 0;
  let value = parseQuantity(start);
  return facts.season.months.map((p, i) => {
    const next = value + parseQuantity(unitsByMonth[i] ?? '0');
    const inv = computeMonthInvoice(facts, p, usage(formatQuantity(value), formatQuantity(next)), billed);
    if (inv !== null) {
      value = next;
      billed += inv.totalFen;
    }
    return inv;
  });
}

t.test('worked example — metered, line by line (SPEC §5)', async (t) => {
  const table = [
    ['2025-11', '1500', 49500, 0, 49500, null],
    ['2025-12', '2600', 85800, 49500, 85800, null],
    ['2026-01', '3000', 99000, 135300, 99000, null],
    ['2026-02', '2400', 79200, 234300, 79200, null],
    ['2026-03', '900', 29700, 313500, 29700, null],
    ['2026-06', '500', 16500, 343200, 3300, -13200],
    ['2026-07', '1200', 39600, 346500, 0, -39600],
    ['2026-08', '1100', 36300, 346500, 0, -36300],
    ['2026-09', '0', 0, 346500, 0, null],
  ] as const;
  const facts = metered();
  t.equal(accountTerms(facts).capFen, 346500, 'cap 346,500 fen');
  let billed = 0;
  let value = 12345600n;
  let seasonTotal = 0;
  for (const [period, units, gross, before, charge, capLine] of table) {
    t.equal(billed, before, `${period} billed before`);
    const end = value + parseQuantity(units);
    const inv = computeMonthInvoice(facts, period, usage(formatQuantity(value), formatQuantity(end)), billed);
    if (inv === null) throw new Error(`${period} must be billable`);
    value = end;
    const usageLine = inv.lines[0];
    t.equal(usageLine?.kind, 'usage');
    t.equal(usageLine?.units, units, `${period} units`);
    t.equal(usageLine?.unitRate, '0.33');
    t.equal(usageLine?.amountFen, gross, `${period} grossFen`);
    t.equal(inv.chargeFen, charge, `${period} chargeFen`);
    t.equal(inv.totalFen, charge, `${period} total`);
    t.equal(inv.noReading, false);
    if (capLine === null) {
      t.equal(inv.lines.length, 1, `${period} has no cap line`);
      t.equal(inv.capped, false);
    } else {
      t.strictSame(inv.lines[1], {
        kind: 'cap',
        description: '封顶减免 Cap reduction (cap 3465.00 CNY)',
        amountFen: capLine,
        seasonLabel: '2025-26',
      });
      t.equal(inv.capped, true);
    }
    t.equal(inv.status, charge > 0 ? 'issued' : 'paid', `${period} status`);
    billed += inv.totalFen;
    seasonTotal += inv.totalFen;
  }
  t.equal(seasonTotal, 346500, 'season total = the cap');
  const first = computeMonthInvoice(facts, '2025-11', usage('0', '1500'), 0);
  t.equal(first?.lines[0]?.description, '用量 Usage 2025-11: 1500 × 0.33');
});

t.test('worked example — flat installments (SPEC §5)', async (t) => {
  const invoices = billSeason(flat(), []);
  t.strictSame(
    invoices.map((i) => i?.totalFen),
    [26151, 50667, 50668, 45764, 22882, 26151, 50667, 50668, 22882],
  );
  t.strictSame(
    invoices.map((i) => i?.coveredDays),
    [16, 31, 31, 28, 14, 16, 31, 31, 14],
    'service days per month',
  );
  t.equal(
    invoices.reduce((s, i) => s + (i?.totalFen ?? 0), 0),
    346500,
  );
  t.strictSame(invoices[0]?.lines, [
    {
      kind: 'flat_installment',
      description: '一口价分期 Flat installment 2025-11 (16/212 days)',
      amountFen: 26151,
      seasonLabel: '2025-26',
    },
  ]);
  const through = season.cumServiceDays.map((cum) => flatBilledThrough(346500, cum, 212, 'installments'));
  t.strictSame(
    through.map((fen, i) => fen - (i === 0 ? 0 : (through[i - 1] as number))),
    [26151, 50667, 50668, 45764, 22882, 26151, 50667, 50668, 22882],
    'inst_i = round(fee × cum_i / total) − round(fee × cum_(i−1) / total)',
  );
  t.equal(
    invoices.every((i) => i?.noReading === false && i.capped === false),
    true,
  );
});

t.test('flat upfront: the whole fee in the first billable month with covered days', async (t) => {
  const full = billSeason(flat({ season: upfrontSeason }), []);
  t.strictSame(
    full.map((i) => i?.totalFen),
    [346500, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  t.equal(full[0]?.lines[0]?.kind, 'flat_upfront');
  t.equal(full[0]?.lines[0]?.description, '一口价一次性 Flat fee 2025-26 upfront');
  t.strictSame(full[3]?.lines, [
    { kind: 'flat_upfront', description: '一口价已一次性计费 Flat fee 2025-26 billed upfront', amountFen: 0, seasonLabel: '2025-26' },
  ]);
  const late = billSeason(flat({ season: upfrontSeason, openedOn: '2026-01-10' }), []);
  t.strictSame(
    late.map((i) => i?.totalFen),
    [undefined, undefined, 254972, 0, 0, 0, 0, 0, 0],
    'prorated fee in January',
  );
  t.strictSame(
    [0, 0, 5, 8].map((cum) => flatBilledThrough(1000, cum, 8, 'upfront')),
    [0, 0, 1000, 1000],
    'upfront: the whole fee from the first covered day',
  );
});

t.test('months with no reading (SPEC §5, §7 noReading)', async (t) => {
  const facts = metered();
  const none = computeMonthInvoice(facts, '2026-01', usage('12345.6', null), 1000);
  t.equal(none?.noReading, true);
  t.equal(none?.totalFen, 0);
  t.equal(none?.usageUnits, 0n);
  t.strictSame(none?.lines, [
    {
      kind: 'usage',
      description: '用量 Usage 2026-01: 0 × 0.33 (无新读数 no new reading)',
      units: '0',
      unitRate: '0.33',
      amountFen: 0,
      seasonLabel: '2025-26',
    },
  ]);
  t.equal(none?.intervals.length, 1, 'the position is carried forward by a zero interval');
  t.equal(none?.intervals[0]?.units, 0n);
  const same = computeMonthInvoice(facts, '2026-01', usage('12345.6', '12345.600'), 1000);
  t.equal(same?.noReading, false, 'a new reading with the same value is not noReading');
  t.equal(same?.totalFen, 0);
  // The month after a missing reading bills everything since the last invoice's end.
  const catchUp = computeMonthInvoice(facts, '2026-02', usage('12345.6', '12545.6'), 1000);
  t.equal(catchUp?.lines[0]?.units, '200');
  t.equal(catchUp?.totalFen, 6600);
  const flatNone = computeMonthInvoice(flat(), '2026-01', usage('1', null), 76818);
  t.equal(flatNone?.noReading, false, 'noReading concerns metered charges only');
  t.equal(flatNone?.totalFen, 50668);
});

t.test('non-billable months and months without covered days give no invoice', async (t) => {
  const u = usage('1', '100');
  const billed = 0;
  for (const p of ['2025-10', '2026-04', '2026-05', '2026-10', '2024-12']) {
    t.equal(computeMonthInvoice(metered(), p, u, billed), null, `metered ${p}`);
    t.equal(computeMonthInvoice(flat(), p, null, billed), null, `flat ${p}`);
  }
  t.equal(computeMonthInvoice(metered({ openedOn: '2026-03-20' }), '2026-03', u, billed), null, 'opened after heating ended');
  t.equal(computeMonthInvoice(metered({ openedOn: '2026-03-14' }), '2026-03', u, billed)?.coveredDays, 1);
  t.equal(computeMonthInvoice(metered({ closedOn: '2025-11-15' }), '2025-11', u, billed), null, 'closed before service');
  t.equal(computeMonthInvoice(metered({ openedOn: '2026-09-15' }), '2026-09', u, billed), null);
  t.throws(() => computeMonthInvoice(metered(), '2026-4', u, billed), { message: /not a month YYYY-MM/ });
});

t.test('household opening mid-season: prorated cap, only covered months', async (t) => {
  const facts = metered({ openedOn: '2026-01-10' });
  const terms = accountTerms(facts);
  t.equal(terms.coveredDays, 156);
  t.equal(terms.capFen, 254972, 'round(346500 × 156 / 212)');
  const invoices = billSeason(facts, ['0', '0', '3000', '3000', '2000', '1000', '500', '0', '0']);
  t.strictSame(
    invoices.map((i) => i?.totalFen),
    [undefined, undefined, 99000, 99000, 56972, 0, 0, 0, 0],
  );
  t.strictSame(invoices[4]?.lines[1], {
    kind: 'cap',
    description: '封顶减免 Cap reduction (cap 2549.72 CNY, 156/212 days)',
    amountFen: 56972 - 66000,
    seasonLabel: '2025-26',
  });
  t.equal(invoices[5]?.capped, true);
  t.equal(invoices[8]?.capped, false, 'no usage: the cap does not bite');
  const flats = billSeason(flat({ openedOn: '2026-01-10' }), []);
  t.strictSame(
    flats.map((i) => i?.totalFen),
    [undefined, undefined, 35958, 45764, 22882, 26151, 50667, 50668, 22882],
  );
  t.equal(
    flats.reduce((s, i) => s + (i?.totalFen ?? 0), 0),
    254972,
    'installments sum to the prorated fee',
  );
  t.equal(flats[2]?.lines[0]?.description, '一口价分期 Flat installment 2026-01 (22/156 days)');
});

t.test('household closing mid-season: prorated cap, only covered months', async (t) => {
  const facts = metered({ closedOn: '2026-01-20' });
  t.equal(accountTerms(facts).capFen, 107873, 'round(346500 × 66 / 212)');
  const invoices = billSeason(facts, ['1500', '2600', '3000', '100']);
  t.strictSame(
    invoices.map((i) => i?.totalFen ?? null),
    [49500, 58373, 0, null, null, null, null, null, null],
  );
  t.equal(invoices[1]?.lines[1]?.amountFen, 58373 - 85800);
  const flats = billSeason(flat({ closedOn: '2026-01-20' }), []);
  t.strictSame(
    flats.map((i) => i?.totalFen ?? null),
    [26151, 50668, 31054, null, null, null, null, null, null],
  );
  t.equal(flats[2]?.lines[0]?.description, '一口价分期 Flat installment 2026-01 (19/66 days)');
});

t.test('fractional areas and readings: half-up rounding decides the fen', async (t) => {
  const facts = metered({ areaM2: '88.125' });
  t.equal(accountTerms(facts).capFen, 308438, '88.125 × 35 = 3084.375 CNY → 308437.5 fen → 308438');
  const inv = computeMonthInvoice(facts, '2025-12', usage('12345.6', '12347.1'), 0);
  t.equal(inv?.lines[0]?.units, '1.5');
  t.equal(inv?.lines[0]?.description, '用量 Usage 2025-12: 1.5 × 0.33');
  t.equal(inv?.totalFen, 50, '1.5 × 0.33 = 49.5 fen → 50');
  t.equal(inv?.usageUnits, 1500n);
  const low = computeMonthInvoice(facts, '2025-12', usage('0.985', '1'), 0);
  t.equal(low?.totalFen, 0, '0.015 × 0.33 = 0.495 fen → 0');
  const nums = computeMonthInvoice(metered({ areaM2: 10.001 }), '2025-12', usage(12345.6, 12347.1), 0);
  t.equal(nums?.capFen, 35004, 'JSON number area 10.001 × 35 = 35003.5 fen → 35004');
  t.equal(nums?.totalFen, 50, 'JSON number readings');
  const rate4 = buildSeason({ ...DEFAULT_SEASON, unitRate: '0.3333' });
  const r4 = computeMonthInvoice(metered({ season: rate4 }), '2025-12', usage('0', '1.5'), 0);
  t.equal(r4?.totalFen, 50, '1.5 × 0.3333 = 49.995 fen → 50');
  t.equal(r4?.lines[0]?.unitRate, '0.3333');
  const big = computeMonthInvoice(metered(), '2025-12', usage('0', '999999999999.999'), 0);
  t.equal(big?.grossFen, 33000000000000, 'large readings take the exact bigint path');
  t.equal(big?.totalFen, 346500);
  t.throws(() => computeMonthInvoice(metered({ areaM2: '99.0001' }), '2025-12', usage('0', '1'), 0), {
    message: /areaM2: "99.0001" has more than 3 decimal places/,
  });
});

t.test('meter replacement: (old final − old last billed) + (new reading − new initial)', async (t) => {
  const old = meter('OLD', { retiredAt: new Date(Date.UTC(2026, 0, 10)), finalReading: '5120.5', finalReadingId: 900 });
  const fresh = meter('NEW', { replacesId: 'OLD', installedAt: new Date(Date.UTC(2026, 0, 10)), initialReading: '0' });
  const start = { meterId: 'OLD', readingId: 1, value: '5000', at: new Date(Date.UTC(2025, 11, 31)) };
  const end = { meterId: 'NEW', readingId: 2, value: '30', at: new Date(Date.UTC(2026, 0, 28)) };
  const u = meterUsage([old, fresh], start, end);
  t.equal(u?.units, 150500n);
  t.equal(u?.replaced, true);
  t.strictSame(
    u?.intervals.map((i) => [i.meterId, i.from.value, i.to.value, i.to.readingId]),
    [
      ['OLD', '5000', '5120.5', 900],
      ['NEW', '0', '30', 2],
    ],
  );
  const inv = computeMonthInvoice(metered(), '2026-01', u, 0);
  t.equal(inv?.lines[0]?.units, '150.5');
  t.equal(inv?.totalFen, 4967, '150.5 × 33 = 4966.5 fen → 4967');
  t.equal(inv?.lines[0]?.description, '用量 Usage 2026-01: 150.5 × 0.33 (含换表 incl. meter replacement)');
  const oldFinal = { meterId: 'OLD', readingId: 900, value: '5120.5', at: new Date(Date.UTC(2026, 0, 10)) };
  const newMeterUnread = computeMonthInvoice(metered(), '2026-01', meterUsage([old, fresh], start, oldFinal), 0);
  t.equal(newMeterUnread?.lines[0]?.units, '120.5');
  t.equal(newMeterUnread?.noReading, false, 'the old meter final reading is a reading');
  t.throws(() => computeMonthInvoice(metered(), '2026-01', usage('10', '9'), 0), { message: /usage of 2026-01 is negative/ });
});

t.test('pending adjustments become adjustment lines; those of the season count toward the cap', async (t) => {
  const correction = { amountFen: 5000, description: '读数更正调整 Reading correction adjustment 2026-03', seasonLabel: '2025-26' };
  const inv = computeMonthInvoice(metered(), '2026-06', usage('0', '500'), 340000, [correction]);
  t.strictSame(
    inv?.lines.map((l) => [l.kind, l.amountFen, l.seasonLabel]),
    [
      ['usage', 16500, '2025-26'],
      ['cap', -15000, '2025-26'],
      ['adjustment', 5000, '2025-26'],
    ],
  );
  t.equal(inv?.chargeFen, 1500);
  t.equal(inv?.totalFen, 6500);
  const credit = computeMonthInvoice(metered(), '2026-06', usage('0', '500'), 340000, [
    { amountFen: -10000, description: 'credit', seasonLabel: '2025-26' },
  ]);
  t.equal(credit?.capped, false, 'a credit frees cap room');
  t.equal(credit?.totalFen, 6500);
  const otherSeason = computeMonthInvoice(metered(), '2026-06', usage('0', '500'), 340000, [
    { amountFen: 5000, description: 'last season', seasonLabel: '2024-25' },
  ]);
  t.equal(otherSeason?.chargeFen, 6500, "another season's adjustment does not use this season's cap room");
  t.strictSame(otherSeason?.lines.at(-1), { kind: 'adjustment', description: 'last season', amountFen: 5000, seasonLabel: '2024-25' });
  const flatAdj = computeMonthInvoice(flat(), '2025-12', null, 26151, [
    { amountFen: 1000, description: 'x', seasonLabel: '2025-26' },
    { amountFen: 7, description: 'y', seasonLabel: '2024-25' },
  ]);
  t.strictSame(
    flatAdj?.lines.map((l) => [l.kind, l.amountFen]),
    [
      ['flat_installment', 50667 - 1000],
      ['adjustment', 1000],
      ['adjustment', 7],
    ],
  );
  t.throws(
    () => computeMonthInvoice(metered(), '2026-06', usage('0', '1'), 0, [{ amountFen: 1.5, description: 'x', seasonLabel: '2025-26' }]),
    {
      message: /adjustment.amountFen must be an integer/,
    },
  );
  t.throws(
    () => computeMonthInvoice(metered(), '2026-06', usage('0', '1'), 0, [{ amountFen: 1, description: '', seasonLabel: '2025-26' }]),
    {
      message: /description is required/,
    },
  );
});

t.test('flat installments catch up a skipped month and never go negative', async (t) => {
  const jan = computeMonthInvoice(flat(), '2026-01', null, 26151);
  t.equal(jan?.totalFen, 127486 - 26151, 'cumulative target through January minus billed');
  const over = computeMonthInvoice(flat(), '2026-01', null, 200000);
  t.equal(over?.totalFen, 0);
  t.equal(over?.status, 'paid', 'a zero total is issued paid');
});

t.test('input errors are explicit', async (t) => {
  t.throws(() => computeMonthInvoice(metered(), '2026-01', null, 0), { message: /needs a usage input/ });
  t.throws(() => usage('-1', '9.5'), { message: /must not be negative/ });
  t.throws(() => computeMonthInvoice(metered({ plan: 'prepaid' as 'flat' }), '2026-01', null, 0), { message: /plan must be/ });
  t.throws(() => computeMonthInvoice(metered(), '2026-01', usage('1', '2'), 0.5), { message: /billedFen/ });
  t.throws(() => buildSeason({ ...DEFAULT_SEASON, flatBilling: 'monthly' as 'upfront' }), { message: /flatBilling/ });
  t.throws(() => buildSeason({ ...DEFAULT_SEASON, unitRate: '0.33333' }), { message: /unitRate: "0.33333" has more than 4/ });
});

t.test('invoice status: zero and credit totals are issued paid', async (t) => {
  t.equal(invoiceStatus(1), 'issued');
  t.equal(invoiceStatus(0), 'paid');
  t.equal(invoiceStatus(-320349), 'paid');
});

t.test('metered charge and the season target corrections true up to', async (t) => {
  t.equal(grossFen(500000n, season), 16500);
  t.equal(capCharge(16500, 346500, 343200), 3300);
  t.equal(capCharge(16500, 346500, 0), 16500);
  t.equal(capCharge(0, 346500, 400000), 0);
  t.equal(grossFen(-400000n, season), -13200, 'credited-back usage mirrors its charge');
  t.equal(grossFen(-1500n, season), -50, '−1.5 × 33 = −49.5 fen → −50 (half away from zero)');
  const worked = ['1500', '2600', '3000', '2400', '900', '500', '1200', '1100', '0'].map((u) => parseQuantity(u));
  t.equal(meteredSeasonTarget(worked, season, 346500), 346500, 'worked example: the cap');
  t.equal(meteredSeasonTarget(worked.slice(0, 3), season, 346500), 49500 + 85800 + 99000);
  t.equal(meteredSeasonTarget([parseQuantity('1000'), -parseQuantity('1500')], season, 346500), 0, 'never below zero');

  // December was read 100 units too high; the correction rides on the next invoice.
  const billedUnits = ['1500', '2700', '3000'].map((u) => parseQuantity(u));
  const charged = meteredSeasonTarget(billedUnits, season, 346500);
  t.equal(charged, 49500 + 89100 + 99000);
  const moved = meteredSeasonTarget(
    ['1500', '2600', '3100'].map((u) => parseQuantity(u)),
    season,
    346500,
  );
  t.equal(moved - charged, 0, 'moving 100 units between uncapped months changes nothing');
  const corrected = ['1500', '2600', '3000'].map((u) => parseQuantity(u));
  const adjustment = meteredSeasonTarget(corrected, season, 346500) - charged;
  t.equal(adjustment, -3300);
  const feb = computeMonthInvoice(metered(), '2026-02', usage('0', '2400'), charged, [
    { amountFen: adjustment, description: 'correction', seasonLabel: '2025-26' },
  ]);
  t.equal(
    charged + (feb?.totalFen ?? NaN),
    meteredSeasonTarget([...corrected, parseQuantity('2400')], season, 346500),
    'billed + next invoice = target of the corrected units',
  );
});
