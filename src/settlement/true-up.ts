/**
 * What a metered season still owes after a reading correction or a void (SPEC §5: issued invoices
 * never change; the difference rides on the next invoice as an adjustment): the season's target
 * (the core's meteredSeasonTarget over the units of each of its invoices at the registers'
 * current values) minus every charge it billed and every adjustment still pending for it.
 */
import { accountTerms, meteredSeasonTarget, type Plan, type Season } from '../core/index.js';
import type { Executor } from '../db/pool.js';
import { seasonChargesOf, type AccountInterval } from '../ledger/repository.js';
import { seasonFromRow } from '../seasons/from-row.js';
import * as repo from './repository.js';

export type SettlementAccount = Awaited<ReturnType<typeof repo.accountContext>>;

export async function coreSeason(db: Executor, compoundId: string, label: string): Promise<Season> {
  const row = await repo.findSeason(db, compoundId, label);
  if (!row) throw new Error(`season ${label} of compound ${compoundId} is missing`);
  return seasonFromRow(row);
}

export function factsOf(account: SettlementAccount, plan: Plan, season: Season) {
  return { plan, areaM2: account.area_m2, openedOn: account.opened_on, closedOn: account.closed_on, season };
}

/** The units each invoice billed in the season, at current register values, in ledger order. */
export function unitsPerInvoice(intervals: readonly AccountInterval[], seasonLabel: string): bigint[] {
  const byInvoice = new Map<string, bigint>();
  for (const i of intervals) if (i.seasonLabel === seasonLabel) byInvoice.set(i.invoiceId, (byInvoice.get(i.invoiceId) ?? 0n) + i.units);
  return [...byInvoice.values()];
}

/** The adjustment a metered season needs now (0: none; a flat season never needs one for usage). */
export async function meteredTrueUp(
  db: Executor,
  account: SettlementAccount,
  seasonLabel: string,
  intervals: readonly AccountInterval[],
): Promise<number> {
  const plan = await repo.planOf(db, account.id, seasonLabel);
  if (plan !== 'metered') return 0;
  const season = await coreSeason(db, account.compound_id, seasonLabel);
  const target = meteredSeasonTarget(unitsPerInvoice(intervals, seasonLabel), season, accountTerms(factsOf(account, plan, season)).capFen);
  const billed = await seasonChargesOf(db, account.id, seasonLabel);
  const pending = (await repo.pendingAdjustments(db, account.id))
    .filter((a) => a.season_label === seasonLabel)
    .reduce((sum, a) => sum + a.amount_fen, 0);
  return target - billed - pending;
}
