import t from 'tap';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  addDays,
  billableMonths,
  buildSeasonCalendar,
  dateOfDayNumber,
  dayNumber,
  isInSeasonSpan,
  localDateOf,
  periodBounds,
  seasonForDate,
  seasonForPeriod,
  coveredDaysBetween,
  coveredDaysInMonthIndex,
  occupancyDays,
  parsePeriod,
  type SeasonCalendar,
} from '../../src/core/index.js';

// Coverage through the production primitives (day numbers), as accountTerms computes it.
function coveredServiceDays(cal: SeasonCalendar, openedOn: string, closedOn?: string | null): number {
  const [o, c] = occupancyDays(openedOn, closedOn);
  return coveredDaysBetween(cal, o, c);
}
function coveredDaysByMonth(cal: SeasonCalendar, openedOn: string, closedOn?: string | null): number[] {
  const [o, c] = occupancyDays(openedOn, closedOn);
  return cal.months.map((_, i) => coveredDaysInMonthIndex(cal, i, o, c));
}
function coveredServiceDaysInMonth(cal: SeasonCalendar, period: string, openedOn: string, closedOn?: string | null): number {
  const i = cal.monthIndex.get(period);
  return i === undefined ? 0 : (coveredDaysByMonth(cal, openedOn, closedOn)[i] as number);
}
function serviceDaysInMonth(cal: SeasonCalendar, period: string): number {
  parsePeriod(period);
  const i = cal.monthIndex.get(period);
  return i === undefined ? 0 : (cal.serviceDays[i] as number);
}

const DEFAULT = {
  label: '2025-26',
  heating: { start: '2025-11-15', end: '2026-03-15' },
  cooling: { start: '2026-06-15', end: '2026-09-15' },
};
const cal = buildSeasonCalendar(DEFAULT);

t.test('default season: 212 service days over nine billable months (SPEC §3, §5)', async (t) => {
  t.equal(cal.totalDays, 212);
  t.strictSame(billableMonths(cal), [
    '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09',
  ]);
  t.strictSame(cal.serviceDays, [16, 31, 31, 28, 14, 16, 31, 31, 14]);
  t.strictSame(cal.cumServiceDays, [16, 47, 78, 106, 120, 136, 167, 198, 212]);
  t.equal(coveredServiceDays(cal, '2025-11-15', '2026-03-15'), 120, 'heating window');
  t.equal(coveredServiceDays(cal, '2026-06-15', '2026-09-15'), 92, 'cooling window');
  for (const p of ['2025-10', '2026-04', '2026-05', '2026-10']) {
    t.equal(cal.monthIndex.has(p), false, `${p} not billable`);
    t.equal(serviceDaysInMonth(cal, p), 0);
  }
  t.equal(serviceDaysInMonth(cal, '2026-02'), 28);
  t.equal(cal.monthIndex.has('2026-03'), true);
  t.throws(() => serviceDaysInMonth(cal, '2026-13'), { message: /not a month YYYY-MM/ });
});

t.test('a month overlapping a window by zero days is not billable', async (t) => {
  const c = buildSeasonCalendar({
    label: 'x',
    heating: { start: '2025-12-01', end: '2026-03-01' },
    cooling: { start: '2026-07-01', end: '2026-08-02' },
  });
  t.strictSame(c.months, ['2025-12', '2026-01', '2026-02', '2026-07', '2026-08']);
  t.strictSame(c.serviceDays, [31, 31, 28, 31, 1]);
  t.equal(c.totalDays, 122);
  const leap = buildSeasonCalendar({
    label: 'leap',
    heating: { start: '2027-11-15', end: '2028-03-15' },
    cooling: { start: '2028-06-15', end: '2028-09-15' },
  });
  t.equal(leap.totalDays, 213, 'Feb 2028 has 29 days');
});

t.test('season validation', async (t) => {
  const bad = (h: [string, string], c: [string, string]) => () =>
    buildSeasonCalendar({ label: 'b', heating: { start: h[0], end: h[1] }, cooling: { start: c[0], end: c[1] } });
  t.throws(bad(['2025-11-15', '2025-11-15'], ['2026-06-15', '2026-09-15']), { message: /heating.end must be after/ });
  t.throws(bad(['2025-11-15', '2026-03-15'], ['2026-06-15', '2026-06-01']), { message: /cooling.end must be after/ });
  t.throws(bad(['2025-11-15', '2026-07-01'], ['2026-06-15', '2026-09-15']), { message: /on or after heating.end/ });
  t.throws(bad(['2025-02-29', '2026-03-15'], ['2026-06-15', '2026-09-15']), {
    message: /heating.start: "2025-02-29" is not a calendar date/,
  });
  t.throws(bad(['2025-11-15', '2026/03/15'], ['2026-06-15', '2026-09-15']), { message: /not a date YYYY-MM-DD/ });
  t.throws(() => buildSeasonCalendar({ ...DEFAULT, label: '' }), { message: /label/ });
});

t.test('occupancy coverage counts openedOn and excludes closedOn (SPEC §7)', async (t) => {
  t.equal(coveredServiceDays(cal, '2020-01-01'), 212, 'open before the season, still open');
  t.equal(coveredServiceDays(cal, '2020-01-01', null), 212);
  t.strictSame(coveredDaysByMonth(cal, '2026-01-10'), [0, 0, 22, 28, 14, 16, 31, 31, 14]);
  t.equal(coveredServiceDays(cal, '2026-01-10'), 156);
  t.strictSame(coveredDaysByMonth(cal, '2020-01-01', '2026-01-20'), [16, 31, 19, 0, 0, 0, 0, 0, 0]);
  t.equal(coveredServiceDays(cal, '2020-01-01', '2026-01-20'), 66);
  t.equal(coveredServiceDays(cal, '2026-03-14'), 93, 'last heating day + cooling');
  t.equal(coveredServiceDays(cal, '2026-03-15'), 92, 'heating over');
  t.equal(coveredServiceDays(cal, '2026-04-01'), 92);
  t.equal(coveredServiceDays(cal, '2020-01-01', '2025-11-15'), 0, 'closed on the first service day');
  t.equal(coveredServiceDays(cal, '2020-01-01', '2025-11-16'), 1);
  t.equal(coveredServiceDays(cal, '2026-09-15'), 0);
  t.equal(coveredServiceDays(cal, '2025-12-05', '2025-12-05'), 0, 'empty occupancy');
  t.equal(coveredServiceDaysInMonth(cal, '2026-01', '2026-01-10', '2026-01-20'), 10);
  t.equal(coveredServiceDaysInMonth(cal, '2026-04', '2020-01-01'), 0);
  t.throws(() => coveredServiceDays(cal, '2026-01-10', '2026-01-09'), { message: /before openedOn/ });
  t.throws(() => coveredServiceDays(cal, '2026-1-10'), { message: /openedOn: "2026-1-10" is not a date/ });
});

t.test('periodBounds gives local month instants for SQL', async (t) => {
  const b = periodBounds('2026-01');
  t.equal(b.start.toISOString(), '2025-12-31T16:00:00.000Z');
  t.equal(b.end.toISOString(), '2026-01-31T16:00:00.000Z');
  const d = periodBounds('2025-12', 'Asia/Shanghai');
  t.equal(d.end.toISOString(), '2025-12-31T16:00:00.000Z', 'end of December is start of January');
  const u = periodBounds('2026-02', 'UTC');
  t.equal(u.start.toISOString(), '2026-02-01T00:00:00.000Z');
  t.equal(u.end.toISOString(), '2026-03-01T00:00:00.000Z');
  const ny = periodBounds('2026-03', 'America/New_York');
  t.equal(ny.start.toISOString(), '2026-03-01T05:00:00.000Z');
  t.equal(ny.end.toISOString(), '2026-04-01T04:00:00.000Z', 'DST is honoured');
  t.throws(() => periodBounds('2026-1'), { message: /not a month/ });
  t.throws(() => periodBounds('2026-01', 'Mars/Olympus'), { message: /invalid time zone/ });
});

t.test('season span, season lookup and date helpers', async (t) => {
  t.equal(isInSeasonSpan(cal, '2025-11-15'), true);
  t.equal(isInSeasonSpan(cal, '2025-11-14'), false);
  t.equal(isInSeasonSpan(cal, '2026-04-20'), true, 'between the windows is inside the span');
  t.equal(isInSeasonSpan(cal, '2026-09-14'), true);
  t.equal(isInSeasonSpan(cal, '2026-09-15'), false);
  const next = buildSeasonCalendar({
    label: '2026-27',
    heating: { start: '2026-11-15', end: '2027-03-15' },
    cooling: { start: '2027-06-15', end: '2027-09-15' },
  });
  t.equal(seasonForDate([cal, next], '2026-12-01')?.label, '2026-27');
  t.equal(seasonForDate([cal, next], '2026-01-01')?.label, '2025-26');
  t.equal(seasonForDate([cal, next], '2026-10-01'), undefined);
  t.equal(seasonForPeriod([cal, next], '2027-03')?.label, '2026-27');
  t.equal(seasonForPeriod([cal, next], '2026-10'), undefined);
  t.equal(localDateOf(new Date('2026-01-31T16:30:00Z')), '2026-02-01');
  t.equal(localDateOf(new Date('2026-01-31T16:30:00Z'), 'UTC'), '2026-01-31');
  t.equal(addDays('2026-01-20', 15), '2026-02-04');
  t.equal(addDays('2028-02-20', 10), '2028-03-01');
});

t.test('property: day numbers agree with luxon; coverage agrees with a day-by-day count', async (t) => {
  const date = fc
    .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
  fc.assert(
    fc.property(date, (d) => {
      const lux = DateTime.fromISO(d, { zone: 'UTC' }).toMillis() / 86_400_000;
      if (dayNumber(d) !== lux) throw new Error(`${d}: ${dayNumber(d)} vs ${lux}`);
      if (dateOfDayNumber(dayNumber(d)) !== d) throw new Error(`round trip ${d}`);
    }),
    { numRuns: 3000 },
  );
  const h0 = dayNumber(DEFAULT.heating.start);
  const h1 = dayNumber(DEFAULT.heating.end);
  const c0 = dayNumber(DEFAULT.cooling.start);
  const c1 = dayNumber(DEFAULT.cooling.end);
  const span = fc.integer({ min: h0 - 40, max: c1 + 40 });
  fc.assert(
    fc.property(span, span, fc.boolean(), (a, b, open) => {
      const o = Math.min(a, b);
      const c = Math.max(a, b);
      const openedOn = dateOfDayNumber(o);
      const closedOn = open ? null : dateOfDayNumber(c);
      const end = open ? c1 + 100 : c;
      const byMonth = new Map<string, number>();
      let total = 0;
      for (let d = o; d < end; d++) {
        if ((d >= h0 && d < h1) || (d >= c0 && d < c1)) {
          total++;
          const p = dateOfDayNumber(d).slice(0, 7);
          byMonth.set(p, (byMonth.get(p) ?? 0) + 1);
        }
      }
      const months = coveredDaysByMonth(cal, openedOn, closedOn);
      if (coveredServiceDays(cal, openedOn, closedOn) !== total) throw new Error(`total ${openedOn}..${closedOn}`);
      cal.months.forEach((p, i) => {
        if (months[i] !== (byMonth.get(p) ?? 0)) throw new Error(`${p} for ${openedOn}..${closedOn}`);
      });
    }),
    { numRuns: 1000 },
  );
  t.pass('properties held');
});
