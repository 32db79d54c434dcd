/**
 * Final settlement of a closing account (SPEC §5 "Final settlement (move-out)"): one final
 * invoice settles every season the occupancy touched that is not fully billed, each against its
 * own cap or fee prorated to the occupancy [openedOn, closedOn), with one final_settlement line
 * per season. A move-out reported late (closedOn before where billing stands) credits back the
 * usage billed beyond the closing reading, in the season that billed it.
 */
import { assertFen, formatFenAsCny, type Qty } from './decimal.js';
import {
  accountTerms,
  addAdjustmentLines,
  capDescription,
  invoiceStatus,
  sumLines,
  usageLine,
  type AccountSeasonFacts,
  type AccountTerms,
  type InvoiceLine,
  type InvoiceStatus,
  type PendingAdjustment,
} from './invoice.js';
import type { MeterUsage, SeasonInterval } from './ledger.js';
import { capCharge, grossFen, meteredSeasonTarget } from './metered.js';
import type { Plan } from './tariff.js';

/** One season the final invoice may settle. */
export interface FinalSeason {
  /** The account's facts in the season, closedOn set. */
  facts: AccountSeasonFacts;
  /** Every charge of the season already invoiced (non-void). */
  billedFen: number;
  /** Metered: the units of each earlier invoice of the season, at the registers' current values. */
  billedUnits: readonly Qty[];
  /** The register usage this final invoice bills in the season (negative: credited back); null: none. */
  usage: MeterUsage | null;
  /** Pending adjustments of the season, carried by this invoice. */
  adjustments: readonly PendingAdjustment[];
  /** Settle it even when nothing changes (a touched season not fully billed). */
  required: boolean;
}

export interface SeasonSettlement {
  seasonLabel: string;
  plan: Plan;
  /** Cap (metered) or fee (flat) prorated to the occupancy. */
  capFen: number;
  fullCapFen: number;
  coveredDays: number;
  seasonDays: number;
  /** What the season comes to: metered min(Σ gross, cap) ≥ 0, flat the prorated fee. */
  targetFen: number;
  /** The final_settlement line. */
  settlementFen: number;
}

export interface FinalSettlement {
  closedOn: string;
  lines: InvoiceLine[];
  /** May be negative: a credit. */
  totalFen: number;
  status: InvoiceStatus;
  /** The seasons settled, in the order given. */
  seasons: SeasonSettlement[];
  /** The register intervals the invoice bills, each with its season. */
  intervals: SeasonInterval[];
  usageUnits: Qty;
  /** No season has register usage to bill (no reading newer than where billing stands). */
  noReading: boolean;
  capped: boolean;
}

function settlementDescription(label: string, t: AccountTerms, plan: Plan, before: number, settlementFen: number): string {
  const days = `${t.coveredDays}/${t.seasonDays} days`;
  const cap = formatFenAsCny(t.capFen);
  if (plan === 'flat') {
    return `结算 Final settlement ${label}: 一口价 flat fee ${cap} CNY (${days}) − 已计费 billed ${formatFenAsCny(before)} CNY`;
  }
  return settlementFen < 0
    ? `结算退还 Final settlement credit ${label} (billed ${formatFenAsCny(before)} CNY, cap ${cap} CNY, ${days})`
    : `结算 Final settlement ${label} (cap ${cap} CNY, ${days})`;
}

/**
 * The final invoice. Per season, in the order given:
 * - metered: the usage line of this invoice's register usage in the season (gross, negative
 *   when credited back), a cap line when the prorated cap bites on it, then a final_settlement
 *   line that brings the season to min(Σ gross of its invoices, prorated cap), never below zero;
 * - flat: a final_settlement line = prorated fee − what the season billed;
 * - the season's pending adjustments as adjustment lines, counted as billed.
 * A season is left out when nothing about it changes, unless `required`.
 */
export function computeFinalSettlement(closedOn: string, seasons: readonly FinalSeason[]): FinalSettlement {
  const lines: InvoiceLine[] = [];
  const settled: SeasonSettlement[] = [];
  const intervals: SeasonInterval[] = [];
  let usageUnits = 0n;
  let anyReading = false;
  let capped = false;
  const lastWithUsage = seasons.reduce((last, s, i) => (s.usage !== null && s.usage.units !== 0n ? i : last), -1);
  for (const [index, input] of seasons.entries()) {
    const { facts } = input;
    const season = facts.season;
    if (facts.closedOn === undefined || facts.closedOn === null) throw new Error('final settlement needs closedOn');
    assertFen(input.billedFen, 'billedFen');
    const t = accountTerms(facts);
    const seasonLines: InvoiceLine[] = [];
    const adjustmentLines: InvoiceLine[] = [];
    const before = input.billedFen + addAdjustmentLines(adjustmentLines, input.adjustments, season.label);
    const units = input.usage?.units ?? 0n;
    let targetFen: number;
    let chargeFen = 0;
    if (facts.plan === 'metered') {
      targetFen = meteredSeasonTarget([...input.billedUnits, units], season, t.capFen);
      if (input.usage !== null) {
        const gross = grossFen(units, season);
        chargeFen = gross >= 0 ? capCharge(gross, t.capFen, before) : gross;
        const label =
          units < 0n ? `credited back to ${closedOn}` : index === lastWithUsage || lastWithUsage < 0 ? `to ${closedOn}` : season.label;
        seasonLines.push(usageLine(label, input.usage, season, gross));
        if (chargeFen < gross) {
          capped = true;
          seasonLines.push({ kind: 'cap', description: capDescription(t), amountFen: chargeFen - gross, seasonLabel: season.label });
        }
      }
    } else if (facts.plan === 'flat') {
      targetFen = t.capFen;
    } else {
      throw new Error(`plan must be 'metered' or 'flat', got "${String(facts.plan)}"`);
    }
    const settlementFen = targetFen - before - chargeFen;
    const changes = input.usage !== null || input.adjustments.length > 0 || settlementFen !== 0;
    if (!changes && !input.required) continue;
    seasonLines.push({
      kind: 'final_settlement',
      description: settlementDescription(season.label, t, facts.plan, before, settlementFen),
      amountFen: settlementFen,
      seasonLabel: season.label,
    });
    lines.push(...seasonLines, ...adjustmentLines);
    if (input.usage !== null) {
      usageUnits += units;
      if (!input.usage.noReading) anyReading = true;
      for (const interval of input.usage.intervals) intervals.push({ seasonLabel: season.label, interval });
    }
    settled.push({
      seasonLabel: season.label,
      plan: facts.plan,
      capFen: t.capFen,
      fullCapFen: t.fullCapFen,
      coveredDays: t.coveredDays,
      seasonDays: t.seasonDays,
      targetFen,
      settlementFen,
    });
  }
  if (settled.length === 0) throw new Error('a final settlement needs at least one season to settle');
  const totalFen = sumLines(lines);
  return {
    closedOn,
    lines,
    totalFen,
    status: invoiceStatus(totalFen),
    seasons: settled,
    intervals,
    usageUnits,
    noReading: !anyReading,
    capped,
  };
}
