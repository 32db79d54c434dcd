/**
 * The billing ledger (SPEC §5 "Billing moves forward"): every invoice records the register
 * intervals it billed, and an account's next invoice starts where its latest invoice ended.
 * Pure: positions and intervals are plain values; the repository (src/ledger) loads them.
 *
 * A position is a value of one meter at an instant: a stored reading, an opening value, a
 * meter's initial reading or an estimate. An interval goes from one position to a later one on
 * the SAME meter; usage across a meter replacement is several intervals, one per register
 * (SPEC §4: (old final − old last billed) + (new reading − new initial)).
 */
import { parseQuantity, type Qty } from './decimal.js';

/** A position on a household's registers. */
export interface RegisterPoint {
  meterId: string;
  /** The stored reading this position is; null for an opening value, a meter's initial reading or an estimate. */
  readingId: number | null;
  /** Register value (decimal string): the reading's CURRENT value when readingId is set. */
  value: string;
  at: Date;
  /**
   * The position is an estimate (SPEC §9 "Estimated readings"): the next real reading trues it
   * up, and may lie below it (a negative usage). Absent: a real position.
   */
  estimated?: boolean;
}

/** A household meter as the ledger needs it. */
export interface LedgerMeter {
  id: string;
  /** The meter this one replaced, if any. */
  replacesId: string | null;
  installedAt: Date;
  /** Set when the meter was retired (every replaced meter is), with its final reading. */
  retiredAt: Date | null;
  initialReading: string;
  finalReading: string | null;
  /** The stored reading holding the final reading (taken at retiredAt), when there is one. */
  finalReadingId: number | null;
}

/** One register interval an invoice bills: from a position to a later one on one meter. */
export interface RegisterInterval {
  meterId: string;
  from: RegisterPoint;
  to: RegisterPoint;
  /** to − from in thousandths; negative only when a late move-out credits usage back. */
  units: Qty;
  /** The end is an estimate (SPEC §9 "Estimated readings"), not a stored reading. */
  estimated: boolean;
}

/** An interval already on an invoice, with the season its usage was billed in. */
export interface BilledInterval extends RegisterInterval {
  seasonLabel: string;
}

/** What a month (or a final invoice) bills on the registers. */
export interface MeterUsage {
  intervals: RegisterInterval[];
  /** Σ units of the intervals. */
  units: Qty;
  /** No reading newer than the start (SPEC §7): usage 0, the position carried forward. */
  noReading: boolean;
  /** The usage spans more than one register (a meter replacement). */
  replaced: boolean;
}

function interval(meterId: string, from: RegisterPoint, to: RegisterPoint, estimated = false): RegisterInterval {
  return { meterId, from, to, units: parseQuantity(to.value, 'register value') - parseQuantity(from.value, 'register value'), estimated };
}

function initialPoint(meter: LedgerMeter): RegisterPoint {
  return { meterId: meter.id, readingId: null, value: meter.initialReading, at: meter.installedAt };
}

function finalPoint(meter: LedgerMeter): RegisterPoint | null {
  if (meter.finalReading === null || meter.retiredAt === null) return null;
  return { meterId: meter.id, readingId: meter.finalReadingId, value: meter.finalReading, at: meter.retiredAt };
}

/**
 * The intervals from `start` to `end` over the household's meters: one when both are on the
 * same meter; otherwise the start meter up to its final reading, each intermediate replacement
 * from its initial to its final reading, and the end meter from its initial reading to `end`.
 * Null when `end`'s meter does not descend from `start`'s through retired meters.
 */
export function intervalsBetween(
  meters: readonly LedgerMeter[],
  start: RegisterPoint,
  end: RegisterPoint,
  estimated = false,
): RegisterInterval[] | null {
  if (end.meterId === start.meterId) return [interval(start.meterId, start, end, estimated)];
  const byId = new Map(meters.map((m) => [m.id, m]));
  const path: LedgerMeter[] = [];
  let current = byId.get(end.meterId);
  while (current && current.id !== start.meterId) {
    path.unshift(current);
    if (path.length > meters.length) return null;
    current = current.replacesId === null ? undefined : byId.get(current.replacesId);
  }
  const startFinal = current ? finalPoint(current) : null;
  if (!current || startFinal === null) return null;
  const out = [interval(current.id, start, startFinal)];
  for (const m of path) {
    const to = m.id === end.meterId ? end : finalPoint(m);
    if (to === null) return null;
    out.push(interval(m.id, initialPoint(m), to, estimated && m.id === end.meterId));
  }
  return out;
}

function sumUnits(intervals: readonly RegisterInterval[]): Qty {
  let units = 0n;
  for (const i of intervals) units += i.units;
  return units;
}

/**
 * A month's usage from where billing stands (`start`) to the latest reading of the month
 * (`end`; null: none newer than the start). Without a newer reading the invoice records a
 * zero interval at the start, so the position is carried forward. Null as intervalsBetween.
 */
export function meterUsage(
  meters: readonly LedgerMeter[],
  start: RegisterPoint,
  end: RegisterPoint | null,
  estimated = false,
): MeterUsage | null {
  if (end === null) {
    // Carried forward from an estimate, the position stays one: the next real reading trues it up.
    const carried = interval(start.meterId, start, start, start.estimated === true);
    return { intervals: [carried], units: 0n, noReading: true, replaced: false };
  }
  const intervals = intervalsBetween(meters, start, end, estimated);
  if (intervals === null) return null;
  return { intervals, units: sumUnits(intervals), noReading: false, replaced: intervals.length > 1 };
}

/** When a meter was in service: from its installation until its retirement (null: still in service). */
export interface MeterService {
  installedAt: Date;
  retiredAt: Date | null;
}

/**
 * The meter in service at an instant (SPEC §5: opening readings come from the meter in service
 * on openedOn): the one installed at or before it and not retired by then, else the first
 * installed after it, else the latest. `meters` in installation order; -1 when there is none.
 */
export function meterInService(meters: readonly MeterService[], at: Date): number {
  const t = at.getTime();
  const inService = meters.findIndex((m) => m.installedAt.getTime() <= t && (m.retiredAt === null || m.retiredAt.getTime() > t));
  if (inService >= 0) return inService;
  const installedAfter = meters.findIndex((m) => m.installedAt.getTime() > t);
  return installedAfter >= 0 ? installedAfter : meters.length - 1;
}

/** The latest reading of the household's meters before an instant, newer than `after`; null: none. */
export function latestReadingBefore<T extends RegisterPoint>(readings: readonly T[], after: RegisterPoint): T | null {
  let best: T | null = null;
  for (const r of readings) if (best === null || r.at.getTime() > best.at.getTime()) best = r;
  if (best === null || best.readingId === after.readingId || best.at.getTime() <= after.at.getTime()) return null;
  return best;
}

/** Usage credited back to the season that billed it (a late move-out, SPEC §5 "Final settlement"). */
export interface SeasonInterval {
  seasonLabel: string;
  interval: RegisterInterval;
}

/**
 * A move-out reported late: `closing` lies before where billing stands. Walking the account's
 * billed intervals back from the latest, every interval after the closing position is credited
 * back whole (its reverse), and the one the closing position falls in is credited back from its
 * end to the closing position; each credit goes to the season that billed the interval.
 * `billed` in ledger order. Empty when billing stands at or before `closing`.
 */
export function creditBack(billed: readonly BilledInterval[], closing: RegisterPoint): SeasonInterval[] {
  const out: SeasonInterval[] = [];
  const t = closing.at.getTime();
  for (let k = billed.length - 1; k >= 0; k--) {
    const b = billed[k] as BilledInterval;
    if (b.to.at.getTime() <= t) break;
    if (b.from.at.getTime() >= t) {
      if (b.units !== 0n) out.push({ seasonLabel: b.seasonLabel, interval: interval(b.meterId, b.to, b.from) });
      continue;
    }
    // The closing position is inside this interval, so on the meter the interval was billed on.
    if (b.meterId !== closing.meterId) {
      throw new Error(`the closing reading is on meter ${closing.meterId}, the interval it falls in on ${b.meterId}`);
    }
    out.push({ seasonLabel: b.seasonLabel, interval: interval(b.meterId, b.to, closing) });
    break;
  }
  return out;
}

/** Where a season's usage ends when an account closes after it: its last billable month's latest reading. */
export interface SeasonCut {
  seasonLabel: string;
  /** The household's latest reading before the end of the season's last billable month; null: none. */
  end: RegisterPoint | null;
}

/**
 * The register usage of a final invoice, by season (SPEC §5 "Final settlement"):
 * - closing after where billing stands: forward from the position, the part up to each later
 *   season's cut (`cuts`, in season order) to that season, the rest up to the closing reading to
 *   `settlingSeason`, as the monthly batch would have billed it;
 * - closing before it (reported late): the usage billed beyond the closing reading, credited back.
 * Null when the closing meter does not descend from the meter billing stands on.
 */
export function closingUsage(
  meters: readonly LedgerMeter[],
  billed: readonly BilledInterval[],
  position: RegisterPoint,
  closing: RegisterPoint,
  cuts: readonly SeasonCut[],
  settlingSeason: string,
): SeasonInterval[] | null {
  if (position.at.getTime() > closing.at.getTime()) return creditBack(billed, closing);
  const out: SeasonInterval[] = [];
  let from = position;
  for (const cut of cuts) {
    const end = cut.end;
    if (end === null || end.at.getTime() <= from.at.getTime() || end.at.getTime() >= closing.at.getTime()) continue;
    const intervals = intervalsBetween(meters, from, end);
    if (intervals === null) return null;
    for (const interval of intervals) out.push({ seasonLabel: cut.seasonLabel, interval });
    from = end;
  }
  const last =
    from.readingId !== null && from.readingId === closing.readingId
      ? [interval(from.meterId, from, from)]
      : intervalsBetween(meters, from, closing);
  if (last === null) return null;
  for (const interval of last) out.push({ seasonLabel: settlingSeason, interval });
  return out;
}

/** Season intervals grouped into each season's usage, in first-seen order. */
export function usageBySeason(pieces: readonly SeasonInterval[]): Map<string, MeterUsage> {
  const out = new Map<string, MeterUsage>();
  for (const { seasonLabel, interval: i } of pieces) {
    const usage = out.get(seasonLabel) ?? { intervals: [], units: 0n, noReading: true, replaced: false };
    usage.intervals.push(i);
    usage.units += i.units;
    if (i.from.readingId !== i.to.readingId || i.from.value !== i.to.value || i.from.meterId !== i.to.meterId) usage.noReading = false;
    usage.replaced = new Set(usage.intervals.map((x) => x.meterId)).size > 1;
    out.set(seasonLabel, usage);
  }
  return out;
}

/** How an account opened (SPEC §5): its opening value, when one was given or taken from a reading. */
export interface Opening {
  /** The start of openedOn in the compound's time zone. */
  openedAt: Date;
  /** The opening register value; null: the meter's initial reading. */
  value: string | null;
  /** The stored reading the opening value was taken from (its current value is `value`). */
  readingId: number | null;
}

/**
 * Where an account's billing stands before its first invoice: the opening value on the meter in
 * service at the opening (meterInService), else that meter's initial reading. `meters` in
 * installation order; null when the household has no meter.
 */
export function openingPoint(meters: readonly LedgerMeter[], opening: Opening): RegisterPoint | null {
  const meter = meters[meterInService(meters, opening.openedAt)];
  if (meter === undefined) return null;
  if (opening.value === null) return { meterId: meter.id, readingId: null, value: meter.initialReading, at: opening.openedAt };
  return { meterId: meter.id, readingId: opening.readingId, value: opening.value, at: opening.openedAt };
}

/**
 * Where an account's billing stands (SPEC §5): where its latest invoice's last interval ended,
 * else its opening. Null only when neither exists (a household without a meter).
 */
export function whereBillingStands(
  latestEnd: RegisterPoint | null,
  meters: readonly LedgerMeter[],
  opening: Opening,
): RegisterPoint | null {
  return latestEnd ?? openingPoint(meters, opening);
}
