/**
 * THE month invoice (SPEC §5, §7): one function that the batch, statements, dry runs and
 * final bills share. Pure; takes a Season built once per season (no luxon per invoice).
 */
import {
  assertFen,
  fastFenOf,
  fastFixed,
  formatFenAsCny,
  formatQuantity,
  formatThousandths,
  parseQuantity,
  prorateFen,
  QTY_SCALE,
  type DecimalInput,
  type Qty,
} from './decimal.js';
import { capCharge, meteredCharge, meteredUnits, type MeteredUsage } from './metered.js';
import { coveredDaysBetween, coveredDaysInMonthIndex, occupancyDays, parsePeriod } from './season.js';
import { proratedCapFen, seasonCapFen, type Plan, type Season } from './tariff.js';

export type LineKind = 'usage' | 'cap' | 'flat_installment' | 'flat_upfront' | 'adjustment' | 'final_settlement';

/** An invoice line as the API shows it (SPEC §7); units/unitRate are decimal strings. */
export interface InvoiceLine {
  kind: LineKind;
  description: string;
  units?: string;
  unitRate?: string;
  amountFen: number;
}

/** What the core needs to know about an account in one season. */
export interface AccountSeasonFacts {
  plan: Plan;
  areaM2: DecimalInput;
  /** Occupancy [openedOn, closedOn); closedOn null/absent = still open. */
  openedOn: string;
  closedOn?: string | null;
  season: Season;
}

/** Already invoiced for this account in this season (excluding void invoices). */
export interface SeasonBilled {
  /** usage + cap lines + adjustment lines that apply to usage. */
  usageFen: number;
  /** flat_installment + flat_upfront lines + adjustment lines that apply to the flat fee. */
  flatFen: number;
}

/** An adjustment waiting for the next invoice; it becomes an `adjustment` line there. */
export interface PendingAdjustment {
  amountFen: number;
  description: string;
  /** Counts toward the season's usage charges (cap) or the flat fee. Default: the plan's. */
  appliesTo?: 'usage' | 'flat';
}

export interface AccountTerms {
  /** round(areaM2 × capPerM2 × 100): the cap of a whole season. */
  fullCapFen: number;
  /** The account's cap (= flat fee), prorated when the occupancy covers part of the season. */
  capFen: number;
  seasonDays: number;
  coveredDays: number;
  /** Occupancy as day numbers [opened, closed) (closed = Infinity when open). */
  occupancy: readonly [number, number];
}

export interface MonthInvoice {
  period: string;
  plan: Plan;
  lines: InvoiceLine[];
  totalFen: number;
  /** Metered only: no reading newer than the start (usage 0). Always false for flat. */
  noReading: boolean;
  /** A cap line exists. */
  capped: boolean;
  /** Units used this month (Qty thousandths; 0n when no reading; informational for flat). */
  usageUnits: Qty;
  /** This month's plan charge: metered usage after the cap, or the flat amount. */
  chargeFen: number;
  /** Metered: round(units × rate × 100) before the cap; flat: 0. */
  grossFen: number;
  capFen: number;
  /** Covered service days of this month. */
  coveredDays: number;
}

const NO_ADJUSTMENTS: readonly PendingAdjustment[] = [];

/** Cap, fee and coverage of an account's season (SPEC §5 "Season cap", §7 proration). */
export function accountTerms(facts: AccountSeasonFacts): AccountTerms {
  const s = facts.season;
  const occupancy = occupancyDays(facts.openedOn, facts.closedOn);
  // Exact number fast path; the bigint path decides big or odd inputs (same result).
  const a = fastFixed(facts.areaM2, QTY_SCALE);
  let fullCapFen = a >= 0 && s.capPerM2Num >= 0 ? fastFenOf(a, s.capPerM2Num) : -1;
  if (fullCapFen < 0) fullCapFen = seasonCapFen(parseQuantity(facts.areaM2, 'areaM2'), s.capPerM2);
  const w = s.windowDays;
  const coveredDays =
    occupancy[0] <= w[0] && occupancy[1] >= w[3] ? s.totalDays : coveredDaysBetween(s, occupancy[0], occupancy[1]);
  const capFen = coveredDays === s.totalDays ? fullCapFen : proratedCapFen(fullCapFen, coveredDays, s.totalDays);
  return { fullCapFen, capFen, seasonDays: s.totalDays, coveredDays, occupancy };
}

/** Internal (shared with settlement): `billed` holds whole fen. */
export function checkBilled(billed: SeasonBilled): void {
  assertFen(billed.usageFen, 'billed.usageFen');
  assertFen(billed.flatFen, 'billed.flatFen');
}

/** Internal (shared with settlement): appends adjustment lines; returns [usage part, flat part]. */
export function addAdjustmentLines(
  lines: InvoiceLine[],
  adjustments: readonly PendingAdjustment[],
  plan: Plan,
): [number, number] {
  let usage = 0;
  let flat = 0;
  for (const a of adjustments) {
    assertFen(a.amountFen, 'adjustment.amountFen');
    if (typeof a.description !== 'string' || a.description.length === 0) {
      throw new Error('adjustment.description is required');
    }
    const to = a.appliesTo ?? (plan === 'metered' ? 'usage' : 'flat');
    if (to === 'usage') usage += a.amountFen;
    else if (to === 'flat') flat += a.amountFen;
    else throw new Error(`adjustment.appliesTo must be 'usage' or 'flat', got "${String(to)}"`);
    lines.push({ kind: 'adjustment', description: a.description, amountFen: a.amountFen });
  }
  return [usage, flat];
}

/** Internal: the cap line's description. */
export function capDescription(t: AccountTerms): string {
  const cap = formatFenAsCny(t.capFen);
  return t.coveredDays === t.seasonDays
    ? `封顶减免 Cap reduction (cap ${cap} CNY)`
    : `封顶减免 Cap reduction (cap ${cap} CNY, ${t.coveredDays}/${t.seasonDays} days)`;
}

/** Internal: usage description suffix. */
export function usageSuffix(noReading: boolean, replaced: boolean): string {
  return noReading ? ' (无新读数 no new reading)' : replaced ? ' (含换表 incl. meter replacement)' : '';
}

/** Internal (shared with settlement): the invoice total, checked to be whole fen. */
export function sumLines(lines: readonly InvoiceLine[]): number {
  let total = 0;
  for (const l of lines) total += l.amountFen;
  assertFen(total, 'totalFen');
  return total;
}

/**
 * The invoice of one account for one period (SPEC §5), or null when the period is not a
 * billable month of the season or the occupancy covers none of its service days.
 * - metered: usage line (units × unitRate) and, when the cap bites, a negative cap line;
 *   the cap room counts `billed.usageFen` plus this invoice's usage adjustments.
 * - flat installments: bills round(fee × cumCovered_i / coveredDays) − flat billed so far,
 *   which is the spec's cumulative-rounding installment when earlier months were billed by
 *   this function, and catches up a skipped month; never negative.
 * - flat upfront: the whole (prorated) fee in the first month with a covered day, then 0.
 * - pending adjustments become `adjustment` lines.
 * `billed` is what earlier invoices of the season carried (the caller sums their lines; after
 * this invoice, usage += chargeFen + usage adjustments, flat += chargeFen + flat adjustments).
 * An account whose final invoice exists is settled: the caller does not bill it monthly.
 */
export function computeMonthInvoice(
  facts: AccountSeasonFacts,
  period: string,
  usage: MeteredUsage | null,
  billed: SeasonBilled,
  adjustments: readonly PendingAdjustment[] = NO_ADJUSTMENTS,
): MonthInvoice | null {
  const s = facts.season;
  const idx = s.monthIndex.get(period);
  if (idx === undefined) {
    parsePeriod(period);
    return null;
  }
  const t = accountTerms(facts);
  const o = t.occupancy[0];
  const c = t.occupancy[1];
  const monthDays = t.coveredDays === s.totalDays ? (s.serviceDays[idx] as number) : coveredDaysInMonthIndex(s, idx, o, c);
  if (monthDays === 0) return null;
  checkBilled(billed);

  const lines: InvoiceLine[] = [];
  let noReading = false;
  let capped = false;
  let usageUnits = 0n;
  let chargeFen = 0;
  let grossFen = 0;
  let adjLines: InvoiceLine[] | null = null;
  let adjUsage = 0;
  let adjFlat = 0;
  if (adjustments.length > 0) {
    adjLines = [];
    [adjUsage, adjFlat] = addAdjustmentLines(adjLines, adjustments, facts.plan);
  }

  if (facts.plan === 'metered') {
    if (usage === null || usage === undefined) throw new Error('metered invoice needs a usage input');
    const before = billed.usageFen + adjUsage;
    let unitsText: string;
    let replaced = false;
    // Exact number fast path for plain string readings; anything else takes the bigint path.
    let n = -1;
    if (!('segments' in usage) && usage.endValue !== null && usage.endValue !== undefined && s.unitRateNum >= 0) {
      const a = fastFixed(usage.startValue, QTY_SCALE);
      const b = fastFixed(usage.endValue, QTY_SCALE);
      if (a >= 0 && b >= a) {
        grossFen = fastFenOf(b - a, s.unitRateNum);
        if (grossFen >= 0) n = b - a;
      }
    }
    if (n >= 0) {
      usageUnits = BigInt(n);
      unitsText = formatThousandths(n);
      chargeFen = capCharge(grossFen, t.capFen, before);
    } else {
      const u = meteredUnits(usage);
      const ch = meteredCharge(u.units, s.unitRate, t.capFen, before);
      noReading = u.noReading;
      replaced = u.replaced;
      usageUnits = u.units;
      grossFen = ch.grossFen;
      chargeFen = ch.chargeFen;
      unitsText = formatQuantity(u.units);
    }
    lines.push({
      kind: 'usage',
      description: `用量 Usage ${period}: ${unitsText} × ${s.unitRateText}${usageSuffix(noReading, replaced)}`,
      units: unitsText,
      unitRate: s.unitRateText,
      amountFen: grossFen,
    });
    if (chargeFen < grossFen) {
      capped = true;
      lines.push({ kind: 'cap', description: capDescription(t), amountFen: chargeFen - grossFen });
    }
  } else if (facts.plan === 'flat') {
    if (usage !== null && usage !== undefined) usageUnits = meteredUnits(usage).units;
    const fee = t.capFen;
    const flatBefore = billed.flatFen + adjFlat;
    if (s.flatBilling === 'installments') {
      let cum: number;
      if (t.coveredDays === s.totalDays) {
        cum = s.cumServiceDays[idx] as number;
      } else {
        cum = 0;
        for (let i = 0; i <= idx; i++) cum += coveredDaysInMonthIndex(s, i, o, c);
      }
      const target = prorateFen(fee, cum, t.coveredDays);
      chargeFen = Math.max(0, target - flatBefore);
      lines.push({
        kind: 'flat_installment',
        description: `一口价分期 Flat installment ${period} (${monthDays}/${t.coveredDays} days)`,
        amountFen: chargeFen,
      });
    } else {
      let earlier = 0;
      for (let i = 0; i < idx && earlier === 0; i++) earlier += coveredDaysInMonthIndex(s, i, o, c);
      chargeFen = Math.max(0, fee - flatBefore);
      const description =
        earlier === 0
          ? `一口价一次性 Flat fee ${s.label} upfront${t.coveredDays === s.totalDays ? '' : ` (${t.coveredDays}/${s.totalDays} days)`}`
          : chargeFen > 0
            ? `一口价补差 Flat fee ${s.label} balance`
            : `一口价已一次性计费 Flat fee ${s.label} billed upfront`;
      lines.push({ kind: 'flat_upfront', description, amountFen: chargeFen });
    }
  } else {
    throw new Error(`plan must be 'metered' or 'flat', got "${String(facts.plan)}"`);
  }

  if (adjLines !== null) for (const l of adjLines) lines.push(l);
  return {
    period,
    plan: facts.plan,
    lines,
    totalFen: sumLines(lines),
    noReading,
    capped,
    usageUnits,
    chargeFen,
    grossFen,
    capFen: t.capFen,
    coveredDays: monthDays,
  };
}
