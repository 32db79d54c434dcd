/**
 * Estimated readings (SPEC §9 "Estimated readings"), pure: what to bill an open metered account
 * that has no reading for the month. Its own average daily usage over its last billed months ×
 * the month's service days; else (no history) the compound's median usage per m² × its area. The
 * estimate is a register position (no stored reading) on the meter billing stands on, so the next
 * real reading starts from it: a real register below it gives negative units, a credit.
 */
import { formatQuantity, parseQuantity, type Qty } from './decimal.js';
import type { RegisterPoint } from './ledger.js';

/** What an account's billed months used: units (thousandths) over the service days they covered. */
export interface UsageHistory {
  units: Qty;
  serviceDays: number;
}

/** round(n / d) half up for n ≥ 0, d > 0, in bigint (once, on the estimate). */
function divideHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/**
 * The month's estimated units (thousandths), or null when neither rule applies. `history`: the
 * account's last billed months; `medianPerM2`: the compound's median units per m² for the month
 * (thousandths of a unit per m², null: none); `areaM2` in thousandths of a m².
 */
export function estimatedUnits(
  history: readonly UsageHistory[],
  monthServiceDays: number,
  medianPerM2: Qty | null,
  areaM2: Qty,
): Qty | null {
  if (!Number.isInteger(monthServiceDays) || monthServiceDays < 0) throw new Error('monthServiceDays must be a whole number ≥ 0');
  let units = 0n;
  let days = 0;
  for (const h of history) {
    if (h.units < 0n || h.serviceDays <= 0) continue;
    units += h.units;
    days += h.serviceDays;
  }
  if (days > 0) return divideHalfUp(units * BigInt(monthServiceDays), BigInt(days));
  if (medianPerM2 === null || medianPerM2 < 0n) return null;
  return divideHalfUp(medianPerM2 * areaM2, 1000n);
}

/** The estimated position: `units` past where billing stands, on the same meter, at `at` (the month's end). */
export function estimatedPoint(start: RegisterPoint, units: Qty, at: Date): RegisterPoint {
  const value = parseQuantity(start.value, 'register value') + units;
  return { meterId: start.meterId, readingId: null, value: formatQuantity(value), at, estimated: true };
}

/**
 * The compound's median per m² of an earlier month (`perM2` over its `serviceDays`) carried to a
 * month of `monthServiceDays`: the same use per service day. Null when there is none to carry.
 */
export function medianPerM2ForMonth(perM2: Qty | null, serviceDays: number, monthServiceDays: number): Qty | null {
  if (perM2 === null || perM2 < 0n || serviceDays <= 0) return null;
  return divideHalfUp(perM2 * BigInt(monthServiceDays), BigInt(serviceDays));
}
