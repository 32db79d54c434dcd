import { assertFen } from './decimal.js';

/**
 * The cap thresholds of SPEC §9 (`account.cap_threshold`): the season's billed charges reach 50%,
 * 80% or 100% of the account's cap. Whole percent, compared in integer fen (charges × 100 against
 * percent × cap), so no rounding decides a crossing.
 */
export const CAP_THRESHOLDS = [50, 80, 100] as const;
export type CapThreshold = (typeof CAP_THRESHOLDS)[number];

/** What lines add to a season's charges: every line of that season (as the ledger's season_charges counts them). */
export function seasonChargeOf(lines: ReadonlyArray<{ amountFen: number; seasonLabel: string | null }>, seasonLabel: string): number {
  let fen = 0;
  for (const line of lines) if (line.seasonLabel === seasonLabel) fen += line.amountFen;
  return fen;
}

/**
 * The thresholds the season's charges cross going from `beforeFen` to `afterFen`: reached now and
 * not before. A cap of 0 (no area, no cap rate) has no thresholds; charges falling back (a credit)
 * cross none.
 */
export function capThresholdsCrossed(beforeFen: number, afterFen: number, capFen: number): CapThreshold[] {
  assertFen(beforeFen, 'beforeFen');
  assertFen(afterFen, 'afterFen');
  assertFen(capFen, 'capFen');
  if (capFen <= 0) return [];
  return CAP_THRESHOLDS.filter((p) => beforeFen * 100 < p * capFen && afterFen * 100 >= p * capFen);
}
