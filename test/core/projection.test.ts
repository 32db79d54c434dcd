import t from 'tap';
import fc from 'fast-check';
import { accountTerms, buildSeason, dateOfDayNumber, dayNumber, projectedSeasonFen } from '../../src/core/index.js';
import { DEFAULT_SEASON } from '../helpers/season.js';

const season = buildSeason(DEFAULT_SEASON);
const terms = (openedOn = '2025-11-01', closedOn: string | null = null) =>
  accountTerms({ plan: 'metered', areaM2: '99.00', openedOn, closedOn, season });

t.test('projectedSeasonFen: the charge so far, at its daily average over the days left, capped (SPEC §9)', async (t) => {
  // 2026-01-01: 16 + 31 = 47 service days elapsed, 212 − 47 = 165 left.
  const jan1 = dayNumber('2026-01-01');
  t.equal(projectedSeasonFen('metered', season, terms(), 47_000, jan1), 47_000 + 165_000, '1,000 fen a day for 165 more days');
  t.equal(projectedSeasonFen('metered', season, terms(), 47, jan1), 47 + 165, 'one fen a day');
  // 1 fen over 47 days × 165 = 3.51… → 4 (half up, once).
  t.equal(projectedSeasonFen('metered', season, terms(), 1, jan1), 1 + 4);
  t.equal(projectedSeasonFen('metered', season, terms(), 300_000, jan1), 346_500, 'never above the cap');
  const before = dayNumber('2025-11-10');
  t.equal(projectedSeasonFen('metered', season, terms(), 5_000, before), 5_000, 'no service day elapsed: the charge so far');
  t.equal(projectedSeasonFen('metered', season, terms(), 5_000, dayNumber('2026-10-01')), 5_000, 'the season over: what it charged');
  t.equal(projectedSeasonFen('metered', season, terms(), -2_000, jan1), 0, 'a credit projects nothing');
  t.equal(projectedSeasonFen('flat', season, terms(), 0, jan1), 346_500, 'flat: the fee');
  // Closing on 2026-02-01: 78 days covered, 47 elapsed, 31 left; the cap prorated to 78/212.
  const closing = terms('2025-11-01', '2026-02-01');
  t.equal(closing.capFen, Math.round((346_500 * 78) / 212));
  t.equal(projectedSeasonFen('metered', season, closing, 4_700, jan1), 4_700 + 3_100, 'only the occupancy counts');
});

t.test('projectedSeasonFen: between the charge so far and the cap, whatever the day', async (t) => {
  const first = dayNumber(DEFAULT_SEASON.heating.start);
  const last = dayNumber(DEFAULT_SEASON.cooling.end);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: first - 30, max: last + 30 }), (charged, today) => {
      const projected = projectedSeasonFen('metered', season, terms(), charged, today);
      const cap = terms().capFen;
      return projected <= cap && projected >= Math.min(charged, cap);
    }),
    { numRuns: 300 },
  );
  t.pass(`at most the cap and at least the charge so far, ${dateOfDayNumber(first - 30)} to ${dateOfDayNumber(last + 30)}`);
});
