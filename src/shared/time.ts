import { DateTime } from 'luxon';

/**
 * An ISO 8601 instant as the API receives it: with an offset it is that instant, without one it
 * is the wall-clock time of `zone` (the compound's time zone, SPEC §2). Undefined when invalid.
 */
export function parseLocalInstant(text: string, zone: string): Date | undefined {
  if (typeof text !== 'string' || text.length < 10 || text.length > 40) return undefined;
  const dt = DateTime.fromISO(text, { zone });
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
