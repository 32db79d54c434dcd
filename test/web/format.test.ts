import t from 'tap';
import { cny, localTime, monthEn, monthZh, percent, previousPeriod } from '../../web/shared/format.js';

t.test('page formatting: fen as CNY, exactly, with grouping and sign', async (t) => {
  t.equal(cny(0), '¥0.00');
  t.equal(cny(5), '¥0.05');
  t.equal(cny(346_500), '¥3,465.00');
  t.equal(cny(123_456_789), '¥1,234,567.89');
  t.equal(cny(-13_200), '−¥132.00');
  t.equal(cny(9_007_199_254_740_991), '¥90,071,992,547,409.91', 'the largest safe integer, no float rounding');
});

t.test('page formatting: months, instants and bars', async (t) => {
  t.equal(monthZh('2026-01'), '2026年1月');
  t.equal(monthEn('2025-11'), 'Nov 2025');
  t.equal(localTime('2026-01-05T10:00:00+08:00'), '2026-01-05 10:00');
  t.equal(localTime('not a time'), 'not a time');
  t.equal(percent(0, 0), 0);
  t.equal(percent(1, 3), 33.3);
  t.equal(percent(500, 100), 100, 'a full bar at most');
  t.equal(previousPeriod(new Date(2026, 0, 15)), '2025-12');
  t.equal(previousPeriod(new Date(2026, 6, 1)), '2026-06');
});
