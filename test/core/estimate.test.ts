import t from 'tap';
import fc from 'fast-check';
import { estimatedPoint, estimatedUnits, formatQuantity, parseQuantity } from '../../src/core/index.js';

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
  t.same(estimatedPoint(start, q('2704.255'), at), { meterId: 'm1', readingId: null, value: '4204.755', at });
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
