import t from 'tap';
import fc from 'fast-check';
import { CAP_THRESHOLDS, capThresholdsCrossed, seasonChargeOf } from '../../src/core/index.js';

t.test('the thresholds crossed, in whole fen against the cap (SPEC §9)', async (t) => {
  t.same(capThresholdsCrossed(0, 1_749, 3_500), [], '49.97% reaches none');
  t.same(capThresholdsCrossed(0, 1_750, 3_500), [50], 'exactly half reaches 50');
  t.same(capThresholdsCrossed(1_750, 2_799, 3_500), [], 'already past 50, not yet 80');
  t.same(capThresholdsCrossed(1_750, 2_800, 3_500), [80]);
  t.same(capThresholdsCrossed(0, 3_500, 3_500), [50, 80, 100], 'one invoice can cross all three');
  t.same(capThresholdsCrossed(3_500, 3_500, 3_500), [], 'at the cap before: nothing new');
  t.same(capThresholdsCrossed(3_000, 1_000, 3_500), [], 'a credit crosses nothing');
  t.same(capThresholdsCrossed(0, 10, 0), [], 'no cap, no thresholds');
  // 80% of 3,333 fen is 2,666.4: 2,666 is short of it, 2,667 reaches it.
  t.same(capThresholdsCrossed(0, 2_666, 3_333), [50]);
  t.same(capThresholdsCrossed(0, 2_667, 3_333), [50, 80]);
  t.throws(() => capThresholdsCrossed(0, 1.5, 100), /afterFen/);
});

t.test("an invoice's charge to a season is its lines of that season", async (t) => {
  const lines = [
    { amountFen: 1_000, seasonLabel: '2025-2026' },
    { amountFen: -200, seasonLabel: '2025-2026' },
    { amountFen: 50, seasonLabel: '2024-2025' },
  ];
  t.equal(seasonChargeOf(lines, '2025-2026'), 800);
  t.equal(seasonChargeOf(lines, '2026-2027'), 0);
});

t.test('properties: a threshold is crossed once along any path of charges', async (t) => {
  const fen = fc.integer({ min: -1_000_000, max: 10_000_000 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.array(fen, { maxLength: 12 }), (cap, steps) => {
      // Charges that only grow (each step's absolute value) cross each threshold at most once, and
      // every threshold reached at the end was crossed on the way.
      let billed = 0;
      const crossed: number[] = [];
      for (const step of steps) {
        const after = billed + Math.abs(step);
        crossed.push(...capThresholdsCrossed(billed, after, cap));
        billed = after;
      }
      const reached = CAP_THRESHOLDS.filter((p) => billed * 100 >= p * cap);
      return JSON.stringify(crossed) === JSON.stringify(reached);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000 }), fen, fen, (cap, a, b) => {
      // Going down (or staying) never crosses; going up crosses exactly the ones between.
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      if (capThresholdsCrossed(hi, lo, cap).length !== 0) return false;
      const between = cap <= 0 ? [] : CAP_THRESHOLDS.filter((p) => lo * 100 < p * cap && p * cap <= hi * 100);
      return JSON.stringify(capThresholdsCrossed(lo, hi, cap)) === JSON.stringify(between);
    }),
  );
});
