/**
 * Metered plan (SPEC §5 "Metered"): usage priced at the season's rate, never more than the
 * season cap; the cap room counts every charge of the season already invoiced.
 */
import { assertFen, fastFenOf, fenOf, type Qty, type Rate } from './decimal.js';

const MAX_FAST = BigInt(Number.MAX_SAFE_INTEGER);

/** The rate in both forms the season keeps (see tariff.ts Season). */
export interface PricedRate {
  readonly unitRate: Rate;
  /** The rate as a safe integer number for the hot path, -1 when too large. */
  readonly unitRateNum: number;
}

/**
 * grossFen = round(units × unitRate × 100), half up, once (SPEC §2, §5). Negative units (usage
 * credited back by a late move-out) round half away from zero, so a credit mirrors the charge.
 */
export function grossFen(units: Qty, rate: PricedRate): number {
  if (units >= 0n && units <= MAX_FAST && rate.unitRateNum >= 0) {
    const fast = fastFenOf(Number(units), rate.unitRateNum);
    if (fast >= 0) return fast;
  }
  return fenOf(units, rate.unitRate);
}

/** chargeFen = min(grossFen, max(0, capFen − billedBeforeFen)) (SPEC §5). */
export function capCharge(grossFen: number, capFen: number, billedBeforeFen: number): number {
  const room = capFen - billedBeforeFen;
  return grossFen < room ? grossFen : room > 0 ? room : 0;
}

/**
 * The charge of a true-up (SPEC §9 "Estimated readings"): a real register below an estimated
 * position gives a negative gross, a credit. It credits back only what was charged: the season
 * ends where its usage now comes to, never above the cap (SPEC §5 "Season cap"), i.e. at
 * min(capFen, seasonGrossFen + grossFen), where `seasonGrossFen` is the season's usage lines
 * before this invoice (as priced, the estimates included). So after a capped estimate whose real
 * usage still reaches the cap nothing is credited, and the credit never exceeds the season's
 * charges (`billedBeforeFen`): a season never goes below zero. Without `seasonGrossFen` the
 * season is taken as uncapped (its charges are its usage).
 */
export function trueUpCharge(grossFen: number, capFen: number, billedBeforeFen: number, seasonGrossFen = billedBeforeFen): number {
  const target = Math.min(capFen, seasonGrossFen + grossFen);
  const charge = Math.min(0, Math.max(grossFen, target - billedBeforeFen));
  return Math.max(charge, -Math.max(0, billedBeforeFen));
}

/**
 * What a metered season comes to once its usage is known: the invoices' gross amounts (one
 * rounding per invoice, as each was priced) summed, never above the cap and never below zero.
 * Billing the months in order through capCharge reaches exactly this total; corrections, voids
 * and the final settlement true the season up to it.
 */
export function meteredSeasonTarget(unitsPerInvoice: readonly Qty[], rate: PricedRate, capFen: number): number {
  assertFen(capFen, 'capFen');
  let gross = 0;
  for (const units of unitsPerInvoice) gross += grossFen(units, rate);
  assertFen(gross, 'season grossFen');
  return gross < 0 ? 0 : gross < capFen ? gross : Math.max(0, capFen);
}
