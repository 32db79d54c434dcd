/**
 * What a move-out settles (SPEC §5 "Final settlement"): every season the occupancy touched, billed,
 * or owes an adjustment in, each with the usage from where billing stands to the closing reading
 * split by season as the batch would have billed it, for the core's computeFinalSettlement.
 */
import {
  closingUsage,
  coveredDaysInMonthIndex,
  latestReadingBefore,
  occupancyDays,
  periodBounds,
  planOrDefault,
  usageBySeason,
  whereBillingStands,
  type FinalSeason,
  type Plan,
  type Season,
  type SeasonCut,
} from '../core/index.js';
import type { Executor } from '../db/pool.js';
import { conflict } from '../http/problem.js';
import { accountIntervals, accountOpenings, householdMeters, ledgerHeads, seasonCharges } from '../ledger/repository.js';
import type { ClosingReading } from './close-reading.js';
import * as repo from './repository.js';
import { unitsPerInvoice, type SettlementAccount } from './true-up.js';

/** The season a closing on `closedOn` belongs to: the latest begun before it, else the first. */
export function settlingSeason(seasons: readonly Season[], closedOn: string): Season | undefined {
  const begun = seasons.filter((s) => s.spanStart < closedOn);
  return begun[begun.length - 1] ?? seasons[0];
}

/** The last billable month of the season with a covered day of the occupancy, if any. */
function lastCoveredMonth(season: Season, openedOn: string, closedOn: string): string | undefined {
  const [o, c] = occupancyDays(openedOn, closedOn);
  for (let i = season.months.length - 1; i >= 0; i--) if (coveredDaysInMonthIndex(season, i, o, c) > 0) return season.months[i];
  return undefined;
}

/**
 * The usage from where the account's billing stands to the closing reading, by season (each
 * earlier season cut at its last reading), and the account's billed intervals.
 */
export async function usageToClosing(
  tx: Executor,
  account: SettlementAccount & { id: string },
  reading: ClosingReading,
  seasons: readonly Season[],
  settling: Season,
) {
  const zone = account.time_zone;
  const head = (await ledgerHeads(tx, [account.id])).get(account.id);
  const opening = (await accountOpenings(tx, [account.id])).get(account.id);
  const position = opening ? whereBillingStands(head?.end ?? null, reading.meters, opening) : null;
  if (position === null) throw conflict(`Account ${account.id} has no opening register to settle from.`);
  const billed = await accountIntervals(tx, account.id);
  const cuts: SeasonCut[] = [];
  for (const s of seasons) {
    if (s.label >= settling.label) break;
    const seasonEnd = periodBounds(s.months[s.months.length - 1] as string, zone).end;
    const atEnd = (await householdMeters(tx, [account.household_id], seasonEnd)).get(account.household_id) ?? [];
    cuts.push({ seasonLabel: s.label, end: latestReadingBefore(atEnd.flatMap((m) => (m.latest === null ? [] : [m.latest])), position) });
  }
  const pieces = closingUsage(reading.meters, billed, position, reading.closing, cuts, settling.label);
  if (pieces === null) throw conflict('The closing meter does not descend from the meter billing last ended on.');
  return { usage: usageBySeason(pieces), billed, lastSeq: head?.lastSeq ?? 0 };
}

/** Every season the occupancy touched, billed, or owes an adjustment in, as the core settles it. */
export async function finalSeasonsOf(
  tx: Executor,
  account: SettlementAccount & { id: string; opened_on: string },
  closedOn: string,
  seasons: readonly Season[],
  settling: Season,
  toClose: Awaited<ReturnType<typeof usageToClosing>>,
) {
  const plans: Map<string, Plan> = await repo.plansOf(tx, account.id);
  const pending = await repo.pendingAdjustments(tx, account.id);
  const labels = seasons.map((s) => s.label);
  const charges = (await seasonCharges(tx, [account.id], labels)).get(account.id) ?? new Map<string, number>();
  const periods = await repo.billedPeriods(tx, account.id);
  const finalSeasons: FinalSeason[] = [];
  for (const season of seasons) {
    const last = lastCoveredMonth(season, account.opened_on, closedOn);
    const seasonPending = pending.filter((a) => a.season_label === season.label);
    const touched = last !== undefined || toClose.usage.has(season.label) || seasonPending.length > 0 || charges.has(season.label);
    if (!touched && season !== settling) continue;
    finalSeasons.push({
      facts: { plan: planOrDefault(plans.get(season.label)), areaM2: account.area_m2, openedOn: account.opened_on, closedOn, season },
      billedFen: charges.get(season.label) ?? 0,
      billedUnits: unitsPerInvoice(toClose.billed, season.label),
      usage: toClose.usage.get(season.label) ?? null,
      adjustments: seasonPending.map((a) => ({ amountFen: a.amount_fen, description: a.description, seasonLabel: a.season_label })),
      required: season === settling || (last !== undefined && !periods.has(last)),
    });
  }
  return { finalSeasons, pending, plans };
}
