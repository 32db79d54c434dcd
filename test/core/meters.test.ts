import t from 'tap';
import fc from 'fast-check';
import { formatQuantity, meterAtOpening, meteredUnits, usageAcrossMeters, type ChainedMeter } from '../../src/core/index.js';

// SPEC §4: a household's meter A (initial 0, retired at 1,200) replaced by B (initial 0, retired
// at 300) replaced by C (initial 5, still in service).
const A: ChainedMeter = { id: 'A', replacesId: null, initialReading: '0', finalReading: '1200' };
const B: ChainedMeter = { id: 'B', replacesId: 'A', initialReading: '0', finalReading: '300' };
const C: ChainedMeter = { id: 'C', replacesId: 'B', initialReading: '5', finalReading: null };
const meters = [C, A, B];

t.test('same meter: one register from start to end', async (t) => {
  t.same(usageAcrossMeters(meters, { meterId: 'A', value: '1000' }, { meterId: 'A', value: '1100' }), {
    startValue: '1000',
    endValue: '1100',
  });
});

t.test('no newer reading: zero usage, flagged as no reading', async (t) => {
  const usage = usageAcrossMeters(meters, { meterId: 'A', value: '1000' }, null);
  t.same(usage, { startValue: '1000', endValue: null });
  t.same(meteredUnits(usage!), { units: 0n, noReading: true, replaced: false });
});

t.test('one replacement: the old meter to its final reading, the new one from its initial', async (t) => {
  const usage = usageAcrossMeters(meters, { meterId: 'A', value: '1000' }, { meterId: 'B', value: '40' });
  t.same(usage, { segments: [{ from: '1000', to: '1200' }, { from: '0', to: '40' }] });
  t.equal(formatQuantity(meteredUnits(usage!).units), '240');
  t.equal(meteredUnits(usage!).replaced, true);
});

t.test('two replacements in one month: every register in order', async (t) => {
  const usage = usageAcrossMeters(meters, { meterId: 'A', value: '1000' }, { meterId: 'C', value: '25.5' });
  t.same(usage, { segments: [{ from: '1000', to: '1200' }, { from: '0', to: '300' }, { from: '5', to: '25.5' }] });
  t.equal(formatQuantity(meteredUnits(usage!).units), '520.5');
});

t.test('an end on a meter that does not descend from the start answers null', async (t) => {
  t.equal(usageAcrossMeters(meters, { meterId: 'B', value: '10' }, { meterId: 'A', value: '1100' }), null, 'older meter');
  t.equal(usageAcrossMeters(meters, { meterId: 'A', value: '10' }, { meterId: 'X', value: '1' }), null, 'unknown meter');
  const unrelated: ChainedMeter = { id: 'D', replacesId: null, initialReading: '0', finalReading: null };
  t.equal(usageAcrossMeters([...meters, unrelated], { meterId: 'A', value: '10' }, { meterId: 'D', value: '1' }), null, 'another chain');
});

t.test('a start meter never retired cannot have been replaced: null', async (t) => {
  const open: ChainedMeter = { ...A, finalReading: null };
  t.equal(usageAcrossMeters([open, B], { meterId: 'A', value: '10' }, { meterId: 'B', value: '1' }), null);
});

t.test('a cycle in the replacement links ends in null, not a loop', async (t) => {
  const P: ChainedMeter = { id: 'P', replacesId: 'Q', initialReading: '0', finalReading: '1' };
  const Q: ChainedMeter = { id: 'Q', replacesId: 'P', initialReading: '0', finalReading: '1' };
  t.equal(usageAcrossMeters([P, Q], { meterId: 'A', value: '0' }, { meterId: 'P', value: '1' }), null);
});

t.test('property: units across a chain = what each register turned, in thousandths', async () => {
  // A chain of 1–5 meters; each turns some thousandths between the start (or its initial) and
  // its final reading (or the end on the last one).
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
      const chained: ChainedMeter[] = chain.map((m, i) => ({
        id: `m${i}`,
        replacesId: i === 0 ? null : `m${i - 1}`,
        initialReading: formatQuantity(m.initial),
        finalReading: i === last ? null : formatQuantity(m.initial + billedOffset(i, alreadyBilled) + m.turned),
      }));
      const startValue = chain[0]!.initial + alreadyBilled;
      const endValue = chain[last]!.initial + billedOffset(last, alreadyBilled) + chain[last]!.turned;
      const usage = usageAcrossMeters(
        chained,
        { meterId: 'm0', value: formatQuantity(startValue) },
        { meterId: `m${last}`, value: formatQuantity(endValue) },
      );
      if (usage === null) return false;
      return meteredUnits(usage).units === chain.reduce((sum, m) => sum + m.turned, 0n);
    }),
  );
});

/** The first meter was already billed up to initial + alreadyBilled; later meters from their initial. */
function billedOffset(index: number, alreadyBilled: bigint): bigint {
  return index === 0 ? alreadyBilled : 0n;
}

t.test('meterAtOpening: in service at the opening, else the first installed after it, else the latest', async (t) => {
  const at = (iso: string) => new Date(iso);
  // A: Oct 1 – Nov 5; gap; B: Nov 20 – Jan 10; C: from Jan 10.
  const meters = [
    { installedAt: at('2025-10-01T00:00:00Z'), retiredAt: at('2025-11-05T00:00:00Z') },
    { installedAt: at('2025-11-20T00:00:00Z'), retiredAt: at('2026-01-10T00:00:00Z') },
    { installedAt: at('2026-01-10T00:00:00Z'), retiredAt: null },
  ];
  t.equal(meterAtOpening(meters, at('2025-10-15T00:00:00Z')), 0, 'in service');
  t.equal(meterAtOpening(meters, at('2025-11-10T00:00:00Z')), 1, 'between meters: the next one, not the retired one');
  t.equal(meterAtOpening(meters, at('2026-01-10T00:00:00Z')), 2, 'on the day of a swap: the new meter');
  t.equal(meterAtOpening(meters, at('2025-09-01T00:00:00Z')), 0, 'before any meter: the first installed');
  t.equal(meterAtOpening(meters.slice(0, 2), at('2026-02-01T00:00:00Z')), 1, 'after every meter retired: the latest');
  t.equal(meterAtOpening([], at('2026-02-01T00:00:00Z')), -1, 'no meter');
});
