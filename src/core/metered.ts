/**
 * Metered plan (SPEC §5 "Metered"), meter replacement (SPEC §4) and the season replay used
 * for reading corrections (SPEC §5 "Invoices": corrections settle by adjustment lines).
 */
import { assertFen, fenOf, parseQuantity, type DecimalInput, type Qty, type Rate } from './decimal.js';

/** One register run: from the last billed value to the newest reading (null: none newer). */
export interface RegisterSegment {
  from: DecimalInput;
  to: DecimalInput | null;
}

/**
 * Usage input of a month. `endValue` null: no reading newer than the start (noReading).
 * Across a meter replacement pass segments: [{from: old last billed, to: old final},
 * {from: new initial, to: new latest reading | null}].
 */
export type MeteredUsage =
  | { startValue: DecimalInput; endValue: DecimalInput | null }
  | { segments: readonly RegisterSegment[] };

/** A household meter as the replacement chain needs it (SPEC §4). */
export interface ChainedMeter {
  id: string;
  /** The meter this one replaced, if any. */
  replacesId: string | null;
  initialReading: DecimalInput;
  /** Set when the meter was retired (every replaced meter is). */
  finalReading: DecimalInput | null;
}

/** A register position: a value on one meter. */
export interface MeterPoint {
  meterId: string;
  value: DecimalInput;
}

/**
 * Usage from `start` to `end` (`end` null: no newer reading yet) over the household's meters
 * (SPEC §4): one register when both are on the same meter; otherwise the start meter up to its
 * final reading, then each replacement from its initial reading, up to `end` on the last one.
 * Null when `end`'s meter does not descend from `start`'s through retired meters.
 */
export function usageAcrossMeters(meters: readonly ChainedMeter[], start: MeterPoint, end: MeterPoint | null): MeteredUsage | null {
  if (end === null) return { startValue: start.value, endValue: null };
  if (end.meterId === start.meterId) return { startValue: start.value, endValue: end.value };
  const byId = new Map(meters.map((m) => [m.id, m]));
  const path: ChainedMeter[] = [];
  let current = byId.get(end.meterId);
  while (current && current.id !== start.meterId) {
    path.unshift(current);
    if (path.length > meters.length) return null;
    current = current.replacesId === null ? undefined : byId.get(current.replacesId);
  }
  if (!current || current.finalReading === null) return null;
  const segments: RegisterSegment[] = [{ from: start.value, to: current.finalReading }];
  for (const m of path) {
    if (m.id === end.meterId) segments.push({ from: m.initialReading, to: end.value });
    else if (m.finalReading !== null) segments.push({ from: m.initialReading, to: m.finalReading });
  }
  return { segments };
}

/** When a meter was in service: from its installation until its retirement (null: still in service). */
export interface MeterService {
  installedAt: Date;
  retiredAt: Date | null;
}

/**
 * The meter an account starts on when no invoice has ended anywhere yet (SPEC §4): the meter in
 * service at the instant the account opened, else the first installed after it, else the latest.
 * `meters` in installation order; -1 when there is none. An index, so callers keep their own rows.
 */
export function meterAtOpening(meters: readonly MeterService[], openedAt: Date): number {
  const t = openedAt.getTime();
  const inService = meters.findIndex((m) => m.installedAt.getTime() <= t && (m.retiredAt === null || m.retiredAt.getTime() > t));
  if (inService >= 0) return inService;
  const installedAfter = meters.findIndex((m) => m.installedAt.getTime() > t);
  return installedAfter >= 0 ? installedAfter : meters.length - 1;
}

export interface UnitsResult {
  units: Qty;
  /** True only when no segment has a reading newer than its start (SPEC §7). */
  noReading: boolean;
  /** True when usage spans more than one register (meter replacement). */
  replaced: boolean;
}

function segmentUnits(from: DecimalInput, to: DecimalInput, what: string): Qty {
  const a = parseQuantity(from, `${what}.from`);
  const b = parseQuantity(to, `${what}.to`);
  if (b < a) throw new Error(`${what}: reading ${String(to)} is lower than the start ${String(from)}`);
  return b - a;
}

/** units = endValue − startValue, or Σ(to − from) over register segments (SPEC §4, §5). */
export function meteredUnits(usage: MeteredUsage): UnitsResult {
  if ('segments' in usage) {
    const segs = usage.segments;
    if (segs.length === 0) throw new Error('usage.segments must not be empty');
    let units = 0n;
    let any = false;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i] as RegisterSegment;
      if (s.to === null || s.to === undefined) {
        parseQuantity(s.from, `usage.segments[${i}].from`);
        continue;
      }
      any = true;
      units += segmentUnits(s.from, s.to, `usage.segments[${i}]`);
    }
    return { units, noReading: !any, replaced: segs.length > 1 };
  }
  if (usage.endValue === null || usage.endValue === undefined) {
    parseQuantity(usage.startValue, 'usage.startValue');
    return { units: 0n, noReading: true, replaced: false };
  }
  const a = parseQuantity(usage.startValue, 'usage.startValue');
  const b = parseQuantity(usage.endValue, 'usage.endValue');
  if (b < a) {
    throw new Error(`usage: endValue ${String(usage.endValue)} is lower than startValue ${String(usage.startValue)}`);
  }
  return { units: b - a, noReading: false, replaced: false };
}

export interface MeteredCharge {
  units: Qty;
  /** round(units × unitRate × 100). */
  grossFen: number;
  /** min(grossFen, max(0, capFen − billedBeforeFen)). */
  chargeFen: number;
  /** chargeFen − grossFen when the cap bites (always negative), else null. */
  capLineFen: number | null;
}

/** A month's metered charge against the season cap (SPEC §5). */
export function meteredCharge(units: Qty, unitRate: Rate, capFen: number, billedBeforeFen: number): MeteredCharge {
  if (units < 0n) throw new Error('units must not be negative');
  assertFen(capFen, 'capFen');
  assertFen(billedBeforeFen, 'billedBeforeFen');
  const grossFen = fenOf(units, unitRate);
  const chargeFen = capCharge(grossFen, capFen, billedBeforeFen);
  return { units, grossFen, chargeFen, capLineFen: chargeFen < grossFen ? chargeFen - grossFen : null };
}

/** meteredCharge from readings (start/end or replacement segments), with noReading. */
export function meteredUsageCharge(
  usage: MeteredUsage,
  unitRate: Rate,
  capFen: number,
  billedBeforeFen: number,
): MeteredCharge & { noReading: boolean } {
  const u = meteredUnits(usage);
  return { ...meteredCharge(u.units, unitRate, capFen, billedBeforeFen), noReading: u.noReading };
}

/** chargeFen = min(grossFen, max(0, capFen − billedBeforeFen)) (SPEC §5). */
export function capCharge(grossFen: number, capFen: number, billedBeforeFen: number): number {
  const room = capFen - billedBeforeFen;
  return grossFen < room ? grossFen : room > 0 ? room : 0;
}

export interface ReplayMonth extends MeteredCharge {
  billedBeforeFen: number;
}

export interface SeasonReplay {
  months: ReplayMonth[];
  /** Σ chargeFen = min(Σ grossFen, capFen) for capFen ≥ 0. */
  totalFen: number;
}

/**
 * Re-prices a season's billed months from their units in order (a bigint is Qty
 * thousandths, a string a decimal). Used for reading corrections.
 */
export function replayMeteredSeason(units: readonly (Qty | string)[], unitRate: Rate, capFen: number): SeasonReplay {
  const months: ReplayMonth[] = [];
  let billed = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as Qty | string;
    const q = typeof u === 'bigint' ? u : parseQuantity(u, `units[${i}]`);
    const c = meteredCharge(q, unitRate, capFen, billed);
    months.push({ ...c, billedBeforeFen: billed });
    billed += c.chargeFen;
  }
  return { months, totalFen: billed };
}

/** Correction adjustment = replayed total − actually billed usage total (SPEC §5). */
export function meteredCorrectionFen(
  correctedUnits: readonly (Qty | string)[],
  unitRate: Rate,
  capFen: number,
  billedUsageFen: number,
): { replay: SeasonReplay; adjustmentFen: number } {
  assertFen(billedUsageFen, 'billedUsageFen');
  const replay = replayMeteredSeason(correctedUnits, unitRate, capFen);
  return { replay, adjustmentFen: replay.totalFen - billedUsageFen };
}

/**
 * The pending adjustment for a reading correction: replay the billed months with corrected
 * units and carry (replayed − billed) on the next invoice; null when nothing changes.
 * `periods` are the replayed months in order, named in the description.
 */
export function meteredCorrectionAdjustment(
  periods: readonly string[],
  correctedUnits: readonly (Qty | string)[],
  unitRate: Rate,
  capFen: number,
  billedUsageFen: number,
): { amountFen: number; description: string; appliesTo: 'usage' } | null {
  if (periods.length !== correctedUnits.length) throw new Error('periods and units must have the same length');
  const { adjustmentFen } = meteredCorrectionFen(correctedUnits, unitRate, capFen, billedUsageFen);
  if (adjustmentFen === 0) return null;
  const span = periods.length === 0 ? '' : periods.length === 1 ? ` ${periods[0]}` : ` ${periods[0]}..${periods[periods.length - 1]}`;
  return {
    amountFen: adjustmentFen,
    description: `读数更正调整 Reading correction adjustment${span}`,
    appliesTo: 'usage',
  };
}
