/**
 * Flat plan (SPEC §5 "Flat", §7 partial seasons): the fee spread over the covered service days
 * with cumulative rounding, or billed whole upfront.
 */
import { assertFen, prorateFen } from './decimal.js';
import type { FlatBilling } from './tariff.js';

/**
 * What the flat fee has billed by the end of a month whose covered service days, counted from
 * the start of the season through that month, are `cumDays` of `totalDays`:
 * installments: round(fee × cumDays / totalDays), so month i bills
 *   inst_i = round(fee × cumDays_i / totalDays) − round(fee × cumDays_(i−1) / totalDays)
 * and the installments sum exactly to the fee; upfront: the whole fee from the first covered day.
 */
export function flatBilledThrough(feeFen: number, cumDays: number, totalDays: number, mode: FlatBilling): number {
  assertFen(feeFen, 'feeFen');
  if (!Number.isSafeInteger(cumDays) || cumDays < 0 || cumDays > totalDays) {
    throw new Error(`covered days ${cumDays} of ${totalDays} are out of range`);
  }
  if (mode === 'upfront') return cumDays > 0 ? feeFen : 0;
  if (totalDays === 0) return 0;
  return prorateFen(feeFen, cumDays, totalDays);
}
