import { DateTime } from 'luxon';

/** Instants the API accepts lie in these years (SPEC §7); anything else is a typo or an attack. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

// RFC 3339 date-time (T or a space), seconds and an offset optional, at most microseconds (PostgreSQL's precision).
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** An instant as received: `absolute` when it carries an offset, else `local` wall-clock time of the compound. */
export interface InstantText {
  /** RFC 3339 text with its offset, or null. */
  absolute: string | null;
  /** Local wall-clock text (timestamp without time zone), or null. */
  local: string | null;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The one parser of instants for every route (readings, payments, meters): an RFC 3339 date-time
 * in years 2000–2100, hour 00–23, an offset of at most ±14:00; without an offset it is the
 * compound's local time (SPEC §2). A date alone is not an instant. Undefined when invalid.
 */
export function parseInstantText(text: string): InstantText | undefined {
  const m = typeof text === 'string' && text.length <= 40 ? INSTANT_RE.exec(text) : null;
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (year < FIRST_YEAR || year > LAST_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}`;
  if (m[8] !== undefined) return { absolute: `${wall}Z`, local: null };
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (offsetHours > 14 || offsetMinutes > 59 || (offsetHours === 14 && offsetMinutes > 0)) return undefined;
    return { absolute: `${wall}${m[9]}${m[10]}:${m[11] ?? '00'}`, local: null };
  }
  return { absolute: null, local: wall };
}

/**
 * An instant as the API receives it (see parseInstantText): with an offset it is that instant,
 * without one it is the wall-clock time of `zone` (the compound's time zone, SPEC §2).
 */
export function parseLocalInstant(text: string, zone: string): Date | undefined {
  const parsed = parseInstantText(text);
  if (parsed === undefined) return undefined;
  const dt =
    parsed.absolute !== null ? DateTime.fromISO(parsed.absolute, { setZone: true }) : DateTime.fromISO(parsed.local as string, { zone });
  return dt.isValid ? dt.toJSDate() : undefined;
}

/** An instant for output: ISO 8601 in the compound's zone, with its offset, no milliseconds when zero. */
export function formatInstant(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toISO({ suppressMilliseconds: true }) as string;
}

/** Today's local calendar date in a zone. */
export function localToday(zone: string, now: Date = new Date()): string {
  return DateTime.fromJSDate(now, { zone }).toISODate() as string;
}

/** The instant a local calendar date starts in a zone. */
export function startOfLocalDate(date: string, zone: string): Date {
  return DateTime.fromISO(date, { zone }).startOf('day').toJSDate();
}

/** Readings and installations may be at most this far in the future (clock skew, SPEC §4). */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;
