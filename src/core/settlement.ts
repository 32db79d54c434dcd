/**
 * Final settlement of an account closing mid-season (SPEC §5 "Invoices", §7 proration).
 * The cap / flat fee is prorated to the covered service days of [openedOn, closedOn).
 */
import { formatFenAsCny, formatQuantity, type Qty } from './decimal.js';
import {
  accountTerms,
  addAdjustmentLines,
  capDescription,
  checkBilled,
  sumLines,
  usageSuffix,
  type AccountSeasonFacts,
  type InvoiceLine,
  type PendingAdjustment,
  type SeasonBilled,
} from './invoice.js';
import { meteredCharge, meteredUnits, type MeteredUsage } from './metered.js';
import type { Plan } from './tariff.js';

export interface FinalSettlement {
  closedOn: string;
  plan: Plan;
  lines: InvoiceLine[];
  /** May be negative: a credit. */
  totalFen: number;
  noReading: boolean;
  capped: boolean;
  usageUnits: Qty;
  /** Metered: the closing usage charge after the cap (usage + cap lines); flat: 0. */
  chargeFen: number;
  /** Amount of the final_settlement line (metered: ≤ 0; flat: any sign). */
  settlementFen: number;
  /** Cap (metered) or fee (flat) prorated to the occupancy. */
  capFen: number;
  fullCapFen: number;
  coveredDays: number;
  seasonDays: number;
}

/**
 * Metered: lines = usage (units since the last invoice up to the closing reading), cap (when
 * it bites), and always a final_settlement line = min(0, proratedCap − billed) that credits
 * what earlier invoices billed above the prorated cap (0 when nothing to return). Then the
 * season's usage total is min(billed + gross, proratedCap) when billed ≤ cap, else exactly
 * proratedCap.
 * Flat: one final_settlement line = proratedFee − flat billed (negative = credit).
 * Pending adjustments become adjustment lines and count as already billed.
 */
export function computeFinalSettlement(
  facts: AccountSeasonFacts,
  usage: MeteredUsage | null,
  billed: SeasonBilled,
  adjustments: readonly PendingAdjustment[] = [],
): FinalSettlement {
  const closedOn = facts.closedOn;
  if (closedOn === undefined || closedOn === null) throw new Error('final settlement needs closedOn');
  const s = facts.season;
  const t = accountTerms(facts);
  checkBilled(billed);
  const adjLines: InvoiceLine[] = [];
  const [adjUsage, adjFlat] = addAdjustmentLines(adjLines, adjustments, facts.plan);
  const lines: InvoiceLine[] = [];
  const days = `${t.coveredDays}/${t.seasonDays} days`;
  let noReading = false;
  let capped = false;
  let usageUnits = 0n;
  let chargeFen = 0;
  let settlementFen: number;

  if (facts.plan === 'metered') {
    if (usage === null || usage === undefined) throw new Error('metered final settlement needs a usage input');
    const u = meteredUnits(usage);
    const before = billed.usageFen + adjUsage;
    const ch = meteredCharge(u.units, s.unitRate, t.capFen, before);
    noReading = u.noReading;
    usageUnits = u.units;
    chargeFen = ch.chargeFen;
    const unitsText = formatQuantity(u.units);
    lines.push({
      kind: 'usage',
      description: `用量 Usage to ${closedOn}: ${unitsText} × ${s.unitRateText}${usageSuffix(u.noReading, u.replaced)}`,
      units: unitsText,
      unitRate: s.unitRateText,
      amountFen: ch.grossFen,
    });
    if (ch.capLineFen !== null) {
      capped = true;
      lines.push({ kind: 'cap', description: capDescription(t), amountFen: ch.capLineFen });
    }
    settlementFen = Math.min(0, t.capFen - before);
    lines.push({
      kind: 'final_settlement',
      description:
        settlementFen < 0
          ? `结算退还 Final settlement credit (billed ${formatFenAsCny(before)} CNY > cap ${formatFenAsCny(t.capFen)} CNY, ${days})`
          : `结算 Final settlement (cap ${formatFenAsCny(t.capFen)} CNY, ${days})`,
      amountFen: settlementFen,
    });
  } else if (facts.plan === 'flat') {
    if (usage !== null && usage !== undefined) usageUnits = meteredUnits(usage).units;
    const before = billed.flatFen + adjFlat;
    settlementFen = t.capFen - before;
    lines.push({
      kind: 'final_settlement',
      description: `结算 Final settlement: 一口价 flat fee ${formatFenAsCny(t.capFen)} CNY (${days}) − 已计费 billed ${formatFenAsCny(before)} CNY`,
      amountFen: settlementFen,
    });
  } else {
    throw new Error(`plan must be 'metered' or 'flat', got "${String(facts.plan)}"`);
  }

  for (const l of adjLines) lines.push(l);
  const totalFen = sumLines(lines);
  return {
    closedOn,
    plan: facts.plan,
    lines,
    totalFen,
    noReading,
    capped,
    usageUnits,
    chargeFen,
    settlementFen,
    capFen: t.capFen,
    fullCapFen: t.fullCapFen,
    coveredDays: t.coveredDays,
    seasonDays: t.seasonDays,
  };
}
