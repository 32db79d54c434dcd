import { addDays, localDateOf, periodOfDate } from '../../src/core/index.js';
import type { Database } from '../../src/db/pool.js';

const firstOf = (period: string, months: number) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1)).toISOString().slice(0, 10);
};

/**
 * A season around today (Wuhan time), wherever the calendar stands: heating from the first day of
 * last month for three months, cooling two months later. Last month has ended and can be billed;
 * this month is the next invoice's.
 */
export function seasonAroundToday() {
  const today = localDateOf(new Date(), 'Asia/Shanghai');
  const thisMonth = periodOfDate(today);
  const lastMonth = periodOfDate(addDays(`${thisMonth}-01`, -1));
  const heating = { start: firstOf(lastMonth, 0), end: firstOf(lastMonth, 3) };
  const cooling = { start: firstOf(lastMonth, 5), end: firstOf(lastMonth, 7) };
  const year = Number(lastMonth.slice(0, 4));
  const label = `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
  return { today, thisMonth, lastMonth, heating, cooling, label };
}

/** Stores that season (0.33 CNY per unit, 35 CNY per m²) for a compound. */
export async function insertSeasonAroundToday(db: Database, compoundId: string, s = seasonAroundToday()) {
  await db
    .insertInto('seasons')
    .values({
      compound_id: compoundId,
      label: s.label,
      heating_start: s.heating.start,
      heating_end: s.heating.end,
      cooling_start: s.cooling.start,
      cooling_end: s.cooling.end,
      unit_rate: '0.33',
      cap_per_m2: '35',
    })
    .execute();
  return s;
}
