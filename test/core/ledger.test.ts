import t from 'tap';
import fc from 'fast-check';
import {
  closingUsage,
  creditBack,
  formatQuantity,
  intervalsBetween,
  meterInService,
  meterUsage,
  usageBySeason,
  type BilledInterval,
  type LedgerMeter,
  type RegisterPoint,
} from '../../src/core/index.js';

// SPEC §4: a household's meter A (initial 0, retired at 1,200) replaced by B (initial 0, retired
// at 300) replaced by C (initial 5, still in service).
const day = (n: number) => new Date(Date.UTC(2025, 10, 1) + n * 86_400_000);
const A: LedgerMeter = {
  id: 'A',
  replacesId: null,
  installedAt: day(-30),
  retiredAt: day(10),
  initialReading: '0',
  finalReading: '1200',
  finalReadingId: 91,
};
const B: LedgerMeter = {
  id: 'B',
  replacesId: 'A',
  installedAt: day(10),
  retiredAt: day(20),
  initialReading: '0',
  finalReading: '300',
  finalReadingId: 92,
};
const C: LedgerMeter = {
  id: 'C',
  replacesId: 'B',
  installedAt: day(20),
  retiredAt: null,
  initialReading: '5',
  finalReading: null,
  finalReadingId: null,
};
const meters = [C, A, B];
let ids = 100;
const at = (meterId: string, value: string, d: number): RegisterPoint => ({ meterId, readingId: ids++, value, at: day(d) });
const values = (intervals: readonly { meterId: string; from: { value: string }; to: { value: string } }[] | null | undefined) =>
  intervals?.map((i) => [i.meterId, i.from.value, i.to.value]);

t.test('same meter: one interval from start to end', async (t) => {
  const start = at('A', '1000', 1);
  const end = at('A', '1100', 5);
  const usage = meterUsage(meters, start, end);
  t.strictSame(values(usage?.intervals), [['A', '1000', '1100']]);
  t.equal(usage?.intervals[0]?.from, start, 'from where billing stood');
  t.equal(usage?.intervals[0]?.to, end, 'to the reading');
  t.equal(usage?.units, 100000n);
  t.equal(usage?.noReading, false);
});

t.test('no newer reading: a zero interval carries the position, flagged as no reading', async (t) => {
  const start = at('A', '1000', 1);
  const usage = meterUsage(meters, start, null);
  t.strictSame(values(usage?.intervals), [['A', '1000', '1000']]);
  t.equal(usage?.units, 0n);
  t.equal(usage?.noReading, true);
  t.equal(usage?.intervals[0]?.to, start);
});

t.test('one replacement: the old meter to its final reading, the new one from its initial', async (t) => {
  const usage = meterUsage(meters, at('A', '1000', 1), at('B', '40', 15));
  t.strictSame(values(usage?.intervals), [
    ['A', '1000', '1200'],
    ['B', '0', '40'],
  ]);
  t.equal(usage?.intervals[0]?.to.readingId, 91, "the old meter's stored final reading");
  t.equal(usage?.intervals[1]?.from.readingId, null, "the new meter's initial reading is no stored reading");
  t.strictSame(usage?.intervals[1]?.from.at, B.installedAt);
  t.equal(formatQuantity(usage!.units), '240');
  t.equal(usage?.replaced, true);
});

t.test('two replacements in one month: every register in order', async (t) => {
  const usage = meterUsage(meters, at('A', '1000', 1), at('C', '25.5', 25));
  t.strictSame(values(usage?.intervals), [
    ['A', '1000', '1200'],
    ['B', '0', '300'],
    ['C', '5', '25.5'],
  ]);
  t.equal(formatQuantity(usage!.units), '520.5');
});

t.test('an end on a meter that does not descend from the start answers null', async (t) => {
  t.equal(intervalsBetween(meters, at('B', '10', 12), at('A', '1100', 5)), null, 'older meter');
  t.equal(intervalsBetween(meters, at('A', '10', 1), at('X', '1', 2)), null, 'unknown meter');
  const unrelated: LedgerMeter = { ...C, id: 'D', replacesId: null };
  t.equal(intervalsBetween([...meters, unrelated], at('A', '10', 1), at('D', '1', 30)), null, 'another chain');
});

t.test('a start meter never retired cannot have been replaced: null', async (t) => {
  const open: LedgerMeter = { ...A, retiredAt: null, finalReading: null, finalReadingId: null };
  t.equal(intervalsBetween([open, B], at('A', '10', 1), at('B', '1', 15)), null);
});

t.test('a cycle in the replacement links ends in null, not a loop', async (t) => {
  const P: LedgerMeter = { ...A, id: 'P', replacesId: 'Q' };
  const Q: LedgerMeter = { ...A, id: 'Q', replacesId: 'P' };
  t.equal(intervalsBetween([P, Q], at('A', '0', 1), at('P', '1', 2)), null);
});

t.test('property: units across a chain = what each register turned, in thousandths', async () => {
  const chainArb = fc.array(
    fc.record({ initial: fc.bigInt({ min: 0n, max: 10n ** 9n }), turned: fc.bigInt({ min: 0n, max: 10n ** 9n }) }),
    {
      minLength: 1,
      maxLength: 5,
    },
  );
  fc.assert(
    fc.property(chainArb, fc.bigInt({ min: 0n, max: 10n ** 9n }), (chain, alreadyBilled) => {
      const last = chain.length - 1;
      const offset = (i: number) => (i === 0 ? alreadyBilled : 0n);
      const chained: LedgerMeter[] = chain.map((m, i) => ({
        id: `m${i}`,
        replacesId: i === 0 ? null : `m${i - 1}`,
        installedAt: day(i * 10),
        retiredAt: i === last ? null : day(i * 10 + 10),
        initialReading: formatQuantity(m.initial),
        finalReading: i === last ? null : formatQuantity(m.initial + offset(i) + m.turned),
        finalReadingId: i === last ? null : i + 1,
      }));
      const start = at('m0', formatQuantity(chain[0]!.initial + alreadyBilled), 1);
      const end = at(`m${last}`, formatQuantity(chain[last]!.initial + offset(last) + chain[last]!.turned), last * 10 + 5);
      const usage = meterUsage(chained, start, end);
      if (usage === null) return false;
      const contiguous = usage.intervals.every((iv, i) => i === 0 || iv.meterId !== usage.intervals[i - 1]!.meterId);
      return contiguous && usage.units === chain.reduce((sum, m) => sum + m.turned, 0n) && usage.intervals.length === chain.length;
    }),
  );
});

t.test('meterInService: in service at the instant, else the first installed after it, else the latest', async (t) => {
  const iso = (s: string) => new Date(s);
  // A: Oct 1 – Nov 5; gap; B: Nov 20 – Jan 10; C: from Jan 10.
  const ms = [
    { installedAt: iso('2025-10-01T00:00:00Z'), retiredAt: iso('2025-11-05T00:00:00Z') },
    { installedAt: iso('2025-11-20T00:00:00Z'), retiredAt: iso('2026-01-10T00:00:00Z') },
    { installedAt: iso('2026-01-10T00:00:00Z'), retiredAt: null },
  ];
  t.equal(meterInService(ms, iso('2025-10-15T00:00:00Z')), 0, 'in service');
  t.equal(meterInService(ms, iso('2025-11-10T00:00:00Z')), 1, 'between meters: the next one, not the retired one');
  t.equal(meterInService(ms, iso('2026-01-10T00:00:00Z')), 2, 'on the day of a swap: the new meter');
  t.equal(meterInService(ms, iso('2025-09-01T00:00:00Z')), 0, 'before any meter: the first installed');
  t.equal(meterInService(ms.slice(0, 2), iso('2026-02-01T00:00:00Z')), 1, 'after every meter retired: the latest');
  t.equal(meterInService([], iso('2026-02-01T00:00:00Z')), -1, 'no meter');
});

/** A ledger of monthly intervals on meter A: [from value, to value, from day, to day, season]. */
function ledger(rows: Array<[string, string, number, number, string]>): BilledInterval[] {
  return rows.map(([from, to, d0, d1, seasonLabel]) => ({
    meterId: 'A',
    from: at('A', from, d0),
    to: at('A', to, d1),
    units: BigInt(Number(to) - Number(from)) * 1000n,
    estimated: false,
    seasonLabel,
  }));
}

t.test('creditBack: a late move-out credits back what was billed beyond the closing reading', async (t) => {
  // Billed 0 → 1000 (day 0–30), 1000 → 2000 (30–61), 2000 → 3000 (61–92, next season).
  const billed = ledger([
    ['0', '1000', 0, 30, 'S1'],
    ['1000', '2000', 30, 61, 'S1'],
    ['2000', '3000', 61, 92, 'S2'],
  ]);
  const inside = creditBack(billed, at('A', '1600', 45));
  t.strictSame(
    inside.map((c) => [c.seasonLabel, c.interval.from.value, c.interval.to.value, c.interval.units]),
    [
      ['S2', '3000', '2000', -1000000n],
      ['S1', '2000', '1600', -400000n],
    ],
    'the later interval whole, the one the closing falls in from its end to the closing reading',
  );
  const atBoundary = creditBack(billed, at('A', '2000', 61));
  t.strictSame(
    atBoundary.map((c) => [c.seasonLabel, c.interval.units]),
    [['S2', -1000000n]],
    'closing on a billed reading: nothing of S1',
  );
  t.strictSame(creditBack(billed, at('A', '3100', 100)), [], 'closing after where billing stands: nothing to credit');
  const carried = [...billed, { ...billed[2]!, from: billed[2]!.to, units: 0n, seasonLabel: 'S2' }];
  t.strictSame(
    creditBack(carried, at('A', '2500', 80)).map((c) => c.interval.units),
    [-500000n],
    'zero intervals credit nothing',
  );
});

t.test('closingUsage: forward to the closing reading, split at the end of each unbilled season', async (t) => {
  const position = at('C', '100', 30);
  const septemberEnd = at('C', '150', 40);
  const closing = at('C', '170', 50);
  const pieces = closingUsage(meters, [], position, closing, [{ seasonLabel: 'S1', end: septemberEnd }], 'S2');
  t.strictSame(
    pieces?.map((p) => [p.seasonLabel, p.interval.from.value, p.interval.to.value]),
    [
      ['S1', '100', '150'],
      ['S2', '150', '170'],
    ],
  );
  const bySeason = usageBySeason(pieces!);
  t.equal(bySeason.get('S1')?.units, 50000n);
  t.equal(bySeason.get('S2')?.units, 20000n);
  const cutAfterClosing = closingUsage(meters, [], position, closing, [{ seasonLabel: 'S1', end: at('C', '180', 60) }], 'S1');
  t.strictSame(
    cutAfterClosing?.map((p) => [p.seasonLabel, p.interval.to.value]),
    [['S1', '170']],
    'a cut after the closing reading is ignored',
  );
  const same = closingUsage(meters, [], position, position, [], 'S1');
  t.equal(same?.length, 1);
  t.equal(same?.[0]?.interval.units, 0n, 'closing on the position: a zero interval');
  t.equal(usageBySeason(same!).get('S1')?.noReading, true);
  t.equal(closingUsage(meters, [], at('C', '1', 30), at('A', '1', 50), [], 'S1'), null, 'the closing meter must descend from the position');
});
