/**
 * Flat plan (SPEC §5 "Flat", §7 partial seasons): the fee spread over service days with
 * cumulative rounding, or billed whole upfront.
 */
import { assertFen, prorateFen } from './decimal.js';
import type { FlatBilling } from './tariff.js';

/**
 * inst_i = round(fee × cumDays_i / totalDays) − round(fee × cumDays_(i−1) / totalDays),
 * totalDays = Σ days; the installments sum exactly to the fee. A fee of 0 days total is
 * not spreadable (throws) unless the fee is 0.
 */
export function flatInstallments(feeFen: number, days: readonly number[]): number[] {
  assertFen(feeFen, 'feeFen');
  let total = 0;
  for (const d of days) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`service days must be non-negative integers, got ${d}`);
    total += d;
  }
  if (total === 0) {
    if (feeFen !== 0) throw new Error('cannot spread a fee over zero service days');
    return days.map(() => 0);
  }
  const out: number[] = [];
  let cum = 0;
  let prev = 0;
  for (const d of days) {
    cum += d;
    const target = prorateFen(feeFen, cum, total);
    out.push(target - prev);
    prev = target;
  }
  return out;
}

/**
 * Flat amount of each month given its covered service days: installments over the covered
 * days, or (upfront) the whole fee in the first month with a covered day.
 */
export function flatSchedule(feeFen: number, coveredDays: readonly number[], mode: FlatBilling): number[] {
  if (mode === 'installments') return flatInstallments(feeFen, coveredDays);
  assertFen(feeFen, 'feeFen');
  const first = coveredDays.findIndex((d) => d > 0);
  if (first < 0 && feeFen !== 0) throw new Error('cannot bill a fee upfront without a covered service day');
  return coveredDays.map((_, i) => (i === first ? feeFen : 0));
}
