/**
 * Season calendars (SPEC §3, §7 "Occupancy counts openedOn and excludes closedOn").
 * A season is a heating and a cooling window, each a half-open local date range
 * [start, end). Everything per-invoice works on precomputed integer day numbers so the hot
 * path never touches luxon; luxon validates dates and computes instants for SQL.
 */
import { DateTime } from 'luxon';

/** A half-open local date range [start, end), dates as 'YYYY-MM-DD'. */
export interface DateRange {
  start: string;
  end: string;
}

export interface SeasonWindows {
  label: string;
  heating: DateRange;
  cooling: DateRange;
}

/** Precomputed once per season; all arrays are indexed by billable month. */
export interface SeasonCalendar {
  readonly label: string;
  readonly heating: DateRange;
  readonly cooling: DateRange;
  /** Billable periods 'YYYY-MM' in order (months overlapping a window). */
  readonly months: readonly string[];
  /** Service days of each billable month. */
  readonly serviceDays: readonly number[];
  /** Service days of months 0..i. */
  readonly cumServiceDays: readonly number[];
  /** Service days of the season (212 for the defaults). */
  readonly totalDays: number;
  /** Overall span [heating.start, cooling.end). */
  readonly spanStart: string;
  readonly spanEnd: string;
  /** Day numbers (days since 1970-01-01) of heating start/end, cooling start/end. */
  readonly windowDays: readonly [number, number, number, number];
  /** Day numbers of the first day of each billable month and of the month after it. */
  readonly monthStartDays: readonly number[];
  readonly monthEndDays: readonly number[];
  readonly monthIndex: ReadonlyMap<string, number>;
}

export const DEFAULT_ZONE = 'Asia/Shanghai';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function civilToDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Decimal value of s[from, to) if all are ASCII digits, else -1. */
function digits(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Strict 'YYYY-MM-DD' → day number. Pure arithmetic, no luxon (hot path). */
export function dayNumber(date: string, what = 'date'): number {
  if (typeof date === 'string' && date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = digits(date, 0, 4);
    const mo = digits(date, 5, 7);
    const d = digits(date, 8, 10);
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1) {
      if (d <= 28) return civilToDays(y, mo, d);
      const dim = mo === 2 && isLeap(y) ? 29 : (MONTH_DAYS[mo - 1] as number);
      if (d <= dim) return civilToDays(y, mo, d);
    }
  }
  const m = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (m === null) throw new Error(`${what}: "${String(date)}" is not a date YYYY-MM-DD`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12) throw new Error(`${what}: "${date}" has no month ${mo}`);
  const dim = mo === 2 && isLeap(y) ? 29 : (MONTH_DAYS[mo - 1] as number);
  if (d < 1 || d > dim) throw new Error(`${what}: "${date}" is not a calendar date`);
  return civilToDays(y, mo, d);
}

/** Day number → 'YYYY-MM-DD'. */
export function dateOfDayNumber(days: number): string {
  return DateTime.fromMillis(days * 86_400_000, { zone: 'UTC' }).toISODate() as string;
}

/** 'YYYY-MM' → [year, month], validated. */
export function parsePeriod(period: string): [number, number] {
  const m = typeof period === 'string' ? PERIOD_RE.exec(period) : null;
  if (m === null) throw new Error(`period: "${String(period)}" is not a month YYYY-MM`);
  return [Number(m[1]), Number(m[2])];
}

function periodOf(y: number, m: number): string {
  return `${y}-${m < 10 ? '0' : ''}${m}`;
}

/** The period 'YYYY-MM' of a local date. */
export function periodOfDate(date: string): string {
  dayNumber(date);
  return date.slice(0, 7);
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  const lo = a0 > b0 ? a0 : b0;
  const hi = a1 < b1 ? a1 : b1;
  return hi > lo ? hi - lo : 0;
}

/** Builds the calendar of a season (validates both windows; heating must precede cooling). */
export function buildSeasonCalendar(w: SeasonWindows): SeasonCalendar {
  if (typeof w.label !== 'string' || w.label.length === 0) throw new Error('season label is required');
  const hs = dayNumber(w.heating.start, 'heating.start');
  const he = dayNumber(w.heating.end, 'heating.end');
  const cs = dayNumber(w.cooling.start, 'cooling.start');
  const ce = dayNumber(w.cooling.end, 'cooling.end');
  if (he <= hs) throw new Error('heating.end must be after heating.start');
  if (ce <= cs) throw new Error('cooling.end must be after cooling.start');
  if (cs < he) throw new Error('cooling window must start on or after heating.end');
  const months: string[] = [];
  const serviceDays: number[] = [];
  const cumServiceDays: number[] = [];
  const monthStartDays: number[] = [];
  const monthEndDays: number[] = [];
  const monthIndex = new Map<string, number>();
  let cursor = DateTime.fromISO(w.heating.start, { zone: 'UTC' }).startOf('month');
  const last = DateTime.fromISO(w.cooling.end, { zone: 'UTC' }).minus({ days: 1 }).startOf('month');
  let cum = 0;
  while (cursor <= last) {
    const next = cursor.plus({ months: 1 });
    const m0 = civilToDays(cursor.year, cursor.month, 1);
    const m1 = civilToDays(next.year, next.month, 1);
    const days = overlap(m0, m1, hs, he) + overlap(m0, m1, cs, ce);
    if (days > 0) {
      cum += days;
      const p = periodOf(cursor.year, cursor.month);
      monthIndex.set(p, months.length);
      months.push(p);
      serviceDays.push(days);
      cumServiceDays.push(cum);
      monthStartDays.push(m0);
      monthEndDays.push(m1);
    }
    cursor = next;
  }
  return Object.freeze({
    label: w.label,
    heating: { start: w.heating.start, end: w.heating.end },
    cooling: { start: w.cooling.start, end: w.cooling.end },
    months: Object.freeze(months),
    serviceDays: Object.freeze(serviceDays),
    cumServiceDays: Object.freeze(cumServiceDays),
    totalDays: cum,
    spanStart: w.heating.start,
    spanEnd: w.cooling.end,
    windowDays: Object.freeze([hs, he, cs, ce] as [number, number, number, number]),
    monthStartDays: Object.freeze(monthStartDays),
    monthEndDays: Object.freeze(monthEndDays),
    monthIndex,
  });
}

/** Billable months: calendar months overlapping a window (SPEC §3). */
export function billableMonths(cal: SeasonCalendar): string[] {
  return [...cal.months];
}

/** Occupancy [openedOn, closedOn) as day numbers; closedOn null/undefined = still open. */
export function occupancyDays(openedOn: string, closedOn?: string | null): [number, number] {
  const o = dayNumber(openedOn, 'openedOn');
  if (closedOn === undefined || closedOn === null) return [o, Number.POSITIVE_INFINITY];
  const c = dayNumber(closedOn, 'closedOn');
  if (c < o) throw new Error(`closedOn ${closedOn} is before openedOn ${openedOn}`);
  return [o, c];
}

/** Service days of billable month i inside the occupancy [o, c) (day numbers). */
export function coveredDaysInMonthIndex(cal: SeasonCalendar, i: number, o: number, c: number): number {
  const m0 = cal.monthStartDays[i] as number;
  const m1 = cal.monthEndDays[i] as number;
  const lo = o > m0 ? o : m0;
  const hi = c < m1 ? c : m1;
  if (hi <= lo) return 0;
  const w = cal.windowDays;
  return overlap(lo, hi, w[0], w[1]) + overlap(lo, hi, w[2], w[3]);
}

/** Service days of the season covered by [o, c) (day numbers). */
export function coveredDaysBetween(cal: SeasonCalendar, o: number, c: number): number {
  const w = cal.windowDays;
  return overlap(o, c, w[0], w[1]) + overlap(o, c, w[2], w[3]);
}

/** Instants [start of month, start of next month) of a local period, for SQL. */
export function periodBounds(period: string, zone: string = DEFAULT_ZONE): { start: Date; end: Date } {
  const [y, m] = parsePeriod(period);
  const start = DateTime.fromObject({ year: y, month: m, day: 1 }, { zone });
  if (!start.isValid) throw new Error(`periodBounds: invalid time zone "${zone}"`);
  return { start: start.toJSDate(), end: start.plus({ months: 1 }).toJSDate() };
}

/** Local calendar date 'YYYY-MM-DD' of an instant in a zone (e.g. issuedOn of a run). */
export function localDateOf(instant: Date, zone: string = DEFAULT_ZONE): string {
  const dt = DateTime.fromJSDate(instant, { zone });
  if (!dt.isValid) throw new Error(`localDateOf: invalid instant or time zone "${zone}"`);
  return dt.toISODate() as string;
}

/** date + n days (e.g. dueOn = issuedOn + 15). */
export function addDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error('addDays: n must be an integer');
  return dateOfDayNumber(dayNumber(date) + n);
}

/** Whether a local date lies in the season's overall span [heating.start, cooling.end). */
export function isInSeasonSpan(cal: SeasonCalendar, date: string): boolean {
  const d = dayNumber(date);
  return d >= (cal.windowDays[0] as number) && d < (cal.windowDays[3] as number);
}

/** The season whose overall span contains a local date, if any. */
export function seasonForDate<T extends SeasonCalendar>(seasons: readonly T[], date: string): T | undefined {
  return seasons.find((s) => isInSeasonSpan(s, date));
}

/** The season for which a period is a billable month, if any. */
export function seasonForPeriod<T extends SeasonCalendar>(seasons: readonly T[], period: string): T | undefined {
  parsePeriod(period);
  return seasons.find((s) => s.monthIndex.has(period));
}

/**
 * Months in order (SPEC §6): once a compound has billed a month of a season, a later month is
 * billed only after the billable month just before it. The month that must be billed first, or
 * null. `billed`: the season's months the compound has billed. The first billed month of a season
 * may be any, so a compound joining mid-season is caught up; a month already billed may always
 * run again, and so may a month earlier than every billed one.
 */
export function unbilledMonthBefore(cal: SeasonCalendar, period: string, billed: ReadonlySet<string>): string | null {
  const i = cal.monthIndex.get(period);
  if (i === undefined || i === 0 || billed.has(period)) return null;
  const previous = cal.months[i - 1] as string;
  if (billed.has(previous)) return null;
  for (const b of billed) if (b < period && cal.monthIndex.has(b)) return previous;
  return null;
}
