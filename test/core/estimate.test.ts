import t from 'tap';
import fc from 'fast-check';
import {
  buildSeason,
  computeMonthInvoice,
  estimatedPoint,
  estimatedUnits,
  formatQuantity,
  medianPerM2ForMonth,
  meterUsage,
  parseQuantity,
  trueUpCharge,
  type RegisterPoint,
} from '../../src/core/index.js';
import { meter, reading } from '../helpers/ledger.js';
import { DEFAULT_SEASON } from '../helpers/season.js';

const q = (s: string) => parseQuantity(s);

t.test('estimatedUnits: own average daily usage × the month\'s service days, else the median per m² × area (SPEC §9)', async (t) => {
  // 1,500 units over 16 days and 2,600 over 31: 4,100 / 47 a day × 31 days = 2,704.255… → 2,704.255.
  const history = [{ units: q('1500'), serviceDays: 16 }, { units: q('2600'), serviceDays: 31 }];
  t.equal(formatQuantity(estimatedUnits(history, 31, null, q('99'))!), '2704.255');
  t.equal(formatQuantity(estimatedUnits([{ units: q('100'), serviceDays: 10 }], 14, q('30'), q('99'))!), '140', 'its own history first');
  t.equal(formatQuantity(estimatedUnits([], 31, q('25.5'), q('99'))!), '2524.5', 'no history: the median per m² × area');
  t.equal(formatQuantity(estimatedUnits([], 31, q('0.005'), q('99.9'))!), '0.5', '0.4995: half up once, to the thousandth');
  t.equal(estimatedUnits([], 31, null, q('99')), null, 'neither: no estimate');
  t.equal(formatQuantity(estimatedUnits([{ units: q('300'), serviceDays: 30 }], 0, null, q('99'))!), '0', 'a month of no service day');
  t.equal(
    formatQuantity(estimatedUnits([{ units: -q('50'), serviceDays: 30 }, { units: q('300'), serviceDays: 30 }], 15, null, q('99'))!),
    '150',
    'a credited-back month is no usage history',
  );
  t.throws(() => estimatedUnits([], -1, null, q('1')));
});

t.test('estimatedPoint: the units past where billing stands, on its meter, as no stored reading', async (t) => {
  const at = new Date('2025-12-31T16:00:00Z');
  const start = { meterId: 'm1', readingId: 7, value: '1500.5', at: new Date('2025-11-28T04:00:00Z') };
  t.same(estimatedPoint(start, q('2704.255'), at), { meterId: 'm1', readingId: null, value: '4204.755', at, estimated: true });
});

t.test('estimatedUnits: never negative, and exactly the average when the days divide evenly', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ units: fc.bigInt({ min: 0n, max: 10_000_000n }), serviceDays: fc.integer({ min: 1, max: 31 }) }), {
        minLength: 1,
        maxLength: 9,
      }),
      fc.integer({ min: 0, max: 31 }),
      (history, days) => {
        const units = estimatedUnits(history, days, null, q('99'))!;
        const total = history.reduce((s, h) => s + h.units, 0n);
        const spanned = history.reduce((s, h) => s + h.serviceDays, 0);
        // |units × spanned − total × days| ≤ spanned / 2: the nearest thousandth.
        const error = units * BigInt(spanned) - total * BigInt(days);
        return units >= 0n && 2n * (error < 0n ? -error : error) <= BigInt(spanned);
      },
    ),
    { numRuns: 500 },
  );
  t.pass('the nearest thousandth to the average × days');
});

t.test('medianPerM2ForMonth: the same use per service day, carried to the month', async (t) => {
  t.equal(formatQuantity(medianPerM2ForMonth(q('15'), 30, 31)!), '15.5');
  t.equal(medianPerM2ForMonth(null, 30, 31), null);
  t.equal(medianPerM2ForMonth(q('15'), 0, 31), null, 'a month of no service day carries nothing');
});

const season = buildSeason(DEFAULT_SEASON);
const facts = { plan: 'metered' as const, areaM2: '99.00', openedOn: '2024-05-01', closedOn: null, season };
const CAP = 346_500;

/** The usage from an estimated position at `estimate` to a real reading of `real`. */
function fromEstimate(estimate: string, real: string) {
  const start: RegisterPoint = { ...reading(estimate, 0), readingId: null, estimated: true };
  return meterUsage([meter('M1')], start, reading(real, 1))!;
}

t.test('a true-up: a real register below the estimate is a negative usage line (SPEC §9)', async (t) => {
  const period = season.months[2]!;
  const invoice = computeMonthInvoice(facts, period, fromEstimate('2000', '1800'), 100_000)!;
  t.match(invoice.lines, [{ kind: 'usage', units: '-200', amountFen: -6_600 }]);
  t.equal(invoice.totalFen, -6_600, 'the credit, uncapped');
  t.equal(invoice.status, 'paid', 'a credit is issued settled');
  t.notOk(invoice.lines[0]!.estimated, 'a real reading is no estimate');
  const real = meterUsage([meter('M1')], reading('2000', 0), reading('1800', 1))!;
  t.throws(() => computeMonthInvoice(facts, period, real, 100_000), /negative/, 'a real start below a real end still refuses');
});

t.test('a true-up credits back only what was charged, and no season passes its cap', async (t) => {
  const period = season.months[2]!;
  // The estimate took the season to the cap (usage so far 400,000 fen as priced): 200 units less still exceed it.
  const still = computeMonthInvoice({ ...facts, seasonUsageGrossFen: 400_000 }, period, fromEstimate('2000', '1800'), CAP)!;
  t.equal(still.totalFen, 0, 'nothing credited: the real usage still reaches the cap');
  t.match(still.lines, [{ kind: 'usage', amountFen: -6_600 }, { kind: 'cap', amountFen: 6_600 }]);
  // 350,000 as priced, 10,000 fen less is 340,000: the season comes to that, below the cap.
  const part = computeMonthInvoice({ ...facts, seasonUsageGrossFen: 350_000 }, period, fromEstimate('2000', '1696.970'), CAP)!;
  t.equal(part.totalFen, 340_000 - CAP);
  // Never more than the season was charged.
  t.equal(trueUpCharge(-50_000, CAP, 20_000, 20_000), -20_000);
  t.equal(trueUpCharge(-5_000, CAP, 20_000), -5_000, 'uncapped: the whole credit');
});

t.test('trueUpCharge: a credit, never past the cap, never below zero', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: -500_000, max: -1 }),
      fc.integer({ min: 0, max: 500_000 }),
      fc.integer({ min: 0, max: 800_000 }),
      (gross, cap, seasonGross) => {
        const before = Math.min(cap, seasonGross);
        const charge = trueUpCharge(gross, cap, before, seasonGross);
        return charge <= 0 && charge >= gross && before + charge >= 0 && before + charge <= cap &&
          before + charge === Math.max(0, Math.min(cap, seasonGross + gross));
      },
    ),
  );
});
