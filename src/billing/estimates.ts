/**
 * Estimated readings in the batch (SPEC §9 "Estimated readings"): a run asked to estimate bills an
 * open metered account with no reading for the month from an estimate computed in the core
 * (core/estimate.ts): its own average daily usage over its last billed months × the month's
 * service days, else the compound's median per m² × its area. The estimate is an estimated
 * register position at the month's end on the meter billing stands on (no stored reading, the
 * estimated value on the invoice's interval), so the next month starts from it and the next real
 * reading trues it up: units billed over a season equal the real meter advance once one arrives.
 * An account neither rule applies to is billed as "no reading".
 */
import {
  estimatedPoint,
  estimatedUnits,
  medianPerM2ForMonth,
  meterUsage,
  parseQuantity,
  parseSignedQuantity,
  seasonForPeriod,
  type Qty,
  type Season,
  type UsageHistory,
} from '../core/index.js';
import { groupBy } from '../db/group.js';
import { queryRows, type Queryable } from '../db/sql.js';
import { MEDIAN_PER_M2_SQL, SEASON_USAGE_GROSS_SQL, USAGE_HISTORY_SQL } from './estimates.sql.js';
import type { AccountBillingFacts, BillingMonth, FactsChunk } from './facts.js';

/** A month's service days in its season (0: not a billable month of any). */
function serviceDaysOf(seasons: readonly Season[], period: string): number {
  const season = seasonForPeriod(seasons, period);
  const index = season?.monthIndex.get(period);
  return season === undefined || index === undefined ? 0 : (season.serviceDays[index] ?? 0);
}

/** The compound's median units per m² carried to the month, from its latest month billed on real readings (null: none). */
export async function compoundMedianPerM2(q: Queryable, month: BillingMonth): Promise<Qty | null> {
  const [row] = await queryRows<{ period: string; per_m2: string | null }>(q, MEDIAN_PER_M2_SQL, [month.compound.id, month.period]);
  if (!row || row.per_m2 === null) return null;
  const seasons = month.compound.seasons;
  return medianPerM2ForMonth(parseQuantity(row.per_m2), serviceDaysOf(seasons, row.period), serviceDaysOf(seasons, month.period));
}

/** Open metered accounts the month would bill with no reading: the ones an estimate is for. */
function missingReading(facts: AccountBillingFacts): boolean {
  return facts.plan === 'metered' && facts.closedOn === null && facts.usage.noReading;
}

/**
 * Gives every account of the chunk without a reading an estimated usage in place of its
 * "no reading" one (its facts are changed in place).
 */
export async function estimateMissing(q: Queryable, month: BillingMonth, medianPerM2: Qty | null, chunk: FactsChunk): Promise<void> {
  const missing = chunk.due.filter(missingReading);
  if (missing.length === 0) return;
  const seasons = month.compound.seasons;
  const histories = groupBy(
    await queryRows<{ account_id: string; period: string; units: string }>(q, USAGE_HISTORY_SQL, [missing.map((f) => f.accountId)]),
    (r) => r.account_id,
    (r): UsageHistory => ({ units: parseSignedQuantity(r.units, 'usage units'), serviceDays: serviceDaysOf(seasons, r.period) }),
  );
  const monthDays = serviceDaysOf(seasons, month.period);
  for (const facts of missing) {
    const units = estimatedUnits(histories.get(facts.accountId) ?? [], monthDays, medianPerM2, parseQuantity(facts.areaM2, 'areaM2'));
    const start = facts.usage.intervals[0]?.from;
    if (units === null || start === undefined) continue;
    // On the start's own meter: one interval, never null.
    const usage = meterUsage([], start, estimatedPoint(start, units, month.end), true);
    if (usage === null) continue;
    facts.usage = usage;
  }
}

/** A real register below an estimated position: a negative usage, the true-up's credit. */
function trueUp(facts: AccountBillingFacts): boolean {
  return facts.usage.units < 0n && facts.usage.intervals[0]?.from.estimated === true;
}

/**
 * Gives every true-up of the chunk its season's usage so far (core/metered.ts trueUpCharge: the
 * credit brings the season to what its usage comes to, never above the cap). Rare: one query
 * only when the chunk has one.
 */
export async function trueUpFacts(q: Queryable, month: BillingMonth, chunk: FactsChunk): Promise<void> {
  const trueUps = chunk.due.filter(trueUp);
  if (trueUps.length === 0 || !month.season) return;
  const rows = await queryRows<{ account_id: string; fen: string }>(q, SEASON_USAGE_GROSS_SQL, [
    trueUps.map((f) => f.accountId),
    month.season.label,
  ]);
  const gross = new Map(rows.map((r) => [r.account_id, Number(r.fen)]));
  for (const facts of trueUps) facts.seasonUsageGrossFen = gross.get(facts.accountId) ?? 0;
}
