/**
 * A priced season: calendar + tariff + flat billing mode (SPEC §3), and the season cap
 * (SPEC §5 "Season cap").
 */
import {
  fenOf,
  formatRate,
  parseRate,
  prorateFen,
  rateAsNumber,
  type DecimalInput,
  type Qty,
  type Rate,
} from './decimal.js';
import { buildSeasonCalendar, type SeasonCalendar, type SeasonWindows } from './season.js';

export type Plan = 'metered' | 'flat';

/** An account's plan for a season when none was chosen (SPEC §5: metered unless the account chose the flat price). */
export const DEFAULT_PLAN: Plan = 'metered';

/** The plan an account bills a season on: the one it chose, else the default. */
export function planOrDefault(chosen: Plan | null | undefined): Plan {
  return chosen ?? DEFAULT_PLAN;
}
export type FlatBilling = 'installments' | 'upfront';

export interface SeasonDefinition extends SeasonWindows {
  unitRate: DecimalInput;
  capPerM2: DecimalInput;
  /** Default 'installments'. */
  flatBilling?: FlatBilling | null;
}

/** Built once per season (buildSeason) and shared by every invoice of that season. */
export interface Season extends SeasonCalendar {
  readonly unitRate: Rate;
  readonly capPerM2: Rate;
  /** Canonical decimal strings for output ("0.33", "35"). */
  readonly unitRateText: string;
  readonly capPerM2Text: string;
  readonly flatBilling: FlatBilling;
  /** The rates as safe integer numbers for the hot path (-1 when too large). */
  readonly unitRateNum: number;
  readonly capPerM2Num: number;
}

export function buildSeason(def: SeasonDefinition): Season {
  const cal = buildSeasonCalendar(def);
  const unitRate = parseRate(def.unitRate, 'unitRate');
  const capPerM2 = parseRate(def.capPerM2, 'capPerM2');
  const flatBilling = def.flatBilling ?? 'installments';
  if (flatBilling !== 'installments' && flatBilling !== 'upfront') {
    throw new Error(`flatBilling must be 'installments' or 'upfront', got "${String(flatBilling)}"`);
  }
  return Object.freeze({
    ...cal,
    unitRate,
    capPerM2,
    unitRateText: formatRate(unitRate),
    capPerM2Text: formatRate(capPerM2),
    flatBilling,
    unitRateNum: rateAsNumber(unitRate),
    capPerM2Num: rateAsNumber(capPerM2),
  });
}

/** capFen = round(areaM2 × capPerM2 × 100), half up (SPEC §2, §5). */
export function seasonCapFen(areaM2: Qty, capPerM2: Rate): number {
  return fenOf(areaM2, capPerM2);
}

/** Partial occupancy: round(fullCapFen × coveredDays / seasonDays) (SPEC §5). */
export function proratedCapFen(fullCapFen: number, coveredDays: number, seasonDays: number): number {
  if (coveredDays > seasonDays) throw new Error(`covered days ${coveredDays} exceed season days ${seasonDays}`);
  return prorateFen(fullCapFen, coveredDays, seasonDays);
}
