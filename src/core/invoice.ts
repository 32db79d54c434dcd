/**
 * THE month invoice (SPEC §5, §7): one function that the batch, dry runs, statements and
 * corrections share. Pure; takes a Season built once per season (no luxon per invoice).
 */
import {
  assertFen,
  fastFenOf,
  fastFixed,
  formatFenAsCny,
  formatQuantity,
  parseQuantity,
  QTY_SCALE,
  type DecimalInput,
  type Qty,
} from './decimal.js';
import { flatBilledThrough } from './flat.js';
import type { MeterUsage, RegisterInterval } from './ledger.js';
import { capCharge, grossFen, trueUpCharge } from './metered.js';
import { coveredDaysBetween, coveredDaysInMonthIndex, occupancyDays, parsePeriod } from './season.js';
import { proratedCapFen, seasonCapFen, type Plan, type Season } from './tariff.js';

export type LineKind = 'usage' | 'cap' | 'flat_installment' | 'flat_upfront' | 'adjustment' | 'final_settlement' | 'late_fee';

/** An invoice line; units/unitRate are decimal strings. */
export interface InvoiceLine {
  kind: LineKind;
  description: string;
  units?: string;
  unitRate?: string;
  amountFen: number;
  /**
   * The season the line charges: it counts toward that season's cap (metered) or fee (flat).
   * Null only for a late fee, which is no charge of any season.
   */
  seasonLabel: string | null;
  /** A usage line priced from an estimated reading (SPEC §9). */
  estimated?: boolean;
}

export type InvoiceStatus = 'issued' | 'paid';

/** What the core needs to know about an account in one season. */
export interface AccountSeasonFacts {
  plan: Plan;
  areaM2: DecimalInput;
  /** Occupancy [openedOn, closedOn); closedOn null/absent = still open. */
  openedOn: string;
  closedOn?: string | null;
  season: Season;
  /**
   * The season's usage lines so far, as priced (estimates included): what a true-up of an
   * estimate credits against (metered.ts trueUpCharge). Needed only then.
   */
  seasonUsageGrossFen?: number | undefined;
}

/** An adjustment waiting for the next invoice; it becomes an `adjustment` line there. */
export interface PendingAdjustment {
  amountFen: number;
  description: string;
  /** The season it charges (or credits): it counts toward that season's cap or fee. */
  seasonLabel: string;
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
  status: InvoiceStatus;
  /** Metered only: no reading newer than the start (usage 0). Always false for flat. */
  noReading: boolean;
  /** A cap line exists. */
  capped: boolean;
  /** The register intervals this invoice bills (empty only for a flat invoice given no usage). */
  intervals: RegisterInterval[];
  /** Units used this month (Qty thousandths; informational for flat). */
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

/** The cap line of a true-up whose credit is limited to what the season was charged (metered.ts trueUpCharge). */
const TRUE_UP_LIMIT = '估算冲正以实际用量为限 True-up credit limited to what was charged';

/** Zero and credit totals are issued settled (SPEC §7): a credit is account credit, not a debt. */
export function invoiceStatus(totalFen: number): InvoiceStatus {
  return totalFen <= 0 ? 'paid' : 'issued';
}

/** Cap, fee and coverage of an account's season (SPEC §5 "Season cap", §7 proration). */
export function accountTerms(facts: AccountSeasonFacts): AccountTerms {
  const s = facts.season;
  const occupancy = occupancyDays(facts.openedOn, facts.closedOn);
  // Exact number fast path; the bigint path decides big or odd inputs (same result).
  const a = fastFixed(facts.areaM2, QTY_SCALE);
  let fullCapFen = a >= 0 && s.capPerM2Num >= 0 ? fastFenOf(a, s.capPerM2Num) : -1;
  if (fullCapFen < 0) fullCapFen = seasonCapFen(parseQuantity(facts.areaM2, 'areaM2'), s.capPerM2);
  const w = s.windowDays;
  const coveredDays = occupancy[0] <= w[0] && occupancy[1] >= w[3] ? s.totalDays : coveredDaysBetween(s, occupancy[0], occupancy[1]);
  const capFen = coveredDays === s.totalDays ? fullCapFen : proratedCapFen(fullCapFen, coveredDays, s.totalDays);
  return { fullCapFen, capFen, seasonDays: s.totalDays, coveredDays, occupancy };
}

/**
 * Appends adjustment lines (each charging its own season); returns the part that charges `seasonLabel`.
 * Shared with the final settlement.
 */
export function addAdjustmentLines(lines: InvoiceLine[], adjustments: readonly PendingAdjustment[], seasonLabel: string): number {
  let sameSeason = 0;
  for (const a of adjustments) {
    assertFen(a.amountFen, 'adjustment.amountFen');
    if (typeof a.description !== 'string' || a.description.length === 0) throw new Error('adjustment.description is required');
    if (typeof a.seasonLabel !== 'string' || a.seasonLabel.length === 0) throw new Error('adjustment.seasonLabel is required');
    if (a.seasonLabel === seasonLabel) sameSeason += a.amountFen;
    lines.push({ kind: 'adjustment', description: a.description, amountFen: a.amountFen, seasonLabel: a.seasonLabel });
  }
  return sameSeason;
}

/** The cap line's description (shared with the final settlement). */
export function capDescription(t: AccountTerms): string {
  const cap = formatFenAsCny(t.capFen);
  return t.coveredDays === t.seasonDays
    ? `封顶减免 Cap reduction (cap ${cap} CNY)`
    : `封顶减免 Cap reduction (cap ${cap} CNY, ${t.coveredDays}/${t.seasonDays} days)`;
}

/** The usage line of some register usage (shared with the final settlement). */
export function usageLine(label: string, usage: MeterUsage, season: Season, amountFen: number): InvoiceLine {
  const units = formatQuantity(usage.units);
  const suffix = usage.noReading ? ' (无新读数 no new reading)' : usage.replaced ? ' (含换表 incl. meter replacement)' : '';
  // A month with no new reading carries an estimated position forward, but estimates nothing itself.
  const estimated = !usage.noReading && usage.intervals.some((i) => i.estimated);
  const line: InvoiceLine = {
    kind: 'usage',
    description: `用量 Usage ${label}: ${units} × ${season.unitRateText}${suffix}${estimated ? ' (估算 Estimated)' : ''}`,
    units,
    unitRate: season.unitRateText,
    amountFen,
    seasonLabel: season.label,
  };
  if (estimated) line.estimated = true;
  return line;
}

/** The invoice total, checked to be whole fen (shared with the final settlement). */
export function sumLines(lines: readonly InvoiceLine[]): number {
  let total = 0;
  for (const l of lines) total += l.amountFen;
  assertFen(total, 'totalFen');
  return total;
}

/** Covered service days of months 0..idx of the season inside the occupancy. */
function cumulativeCoveredDays(s: Season, t: AccountTerms, idx: number): number {
  if (t.coveredDays === s.totalDays) return s.cumServiceDays[idx] as number;
  let cum = 0;
  for (let i = 0; i <= idx; i++) cum += coveredDaysInMonthIndex(s, i, t.occupancy[0], t.occupancy[1]);
  return cum;
}

function flatLine(s: Season, t: AccountTerms, period: string, idx: number, monthDays: number, chargeFen: number): InvoiceLine {
  if (s.flatBilling === 'installments') {
    return {
      kind: 'flat_installment',
      description: `一口价分期 Flat installment ${period} (${monthDays}/${t.coveredDays} days)`,
      amountFen: chargeFen,
      seasonLabel: s.label,
    };
  }
  const first = cumulativeCoveredDays(s, t, idx) === monthDays;
  const description = first
    ? `一口价一次性 Flat fee ${s.label} upfront${t.coveredDays === s.totalDays ? '' : ` (${t.coveredDays}/${s.totalDays} days)`}`
    : chargeFen > 0
      ? `一口价补差 Flat fee ${s.label} balance`
      : `一口价已一次性计费 Flat fee ${s.label} billed upfront`;
  return { kind: 'flat_upfront', description, amountFen: chargeFen, seasonLabel: s.label };
}

/**
 * The invoice of one account for one period (SPEC §5), or null when the period is not a
 * billable month of the season or the occupancy covers none of its service days.
 * - `usage`: the register intervals from where billing stands to the month's latest reading
 *   (required for metered; for flat the usage is recorded, not priced).
 * - `billedFen`: every charge of the season already invoiced (usage, cap, flat, adjustment and
 *   final lines alike); this invoice's adjustments of the same season count too. The metered
 *   cap room is capFen minus all of it, so nothing can push a season past its cap.
 * - metered: a usage line (units × unitRate) and, when the cap bites, a negative cap line;
 * - flat: what the fee has billed through this month (installments or upfront) minus what the
 *   season billed so far, never negative, which catches up a skipped month;
 * - pending adjustments become `adjustment` lines, each charging its own season.
 */
export function computeMonthInvoice(
  facts: AccountSeasonFacts,
  period: string,
  usage: MeterUsage | null,
  billedFen: number,
  adjustments: readonly PendingAdjustment[] = NO_ADJUSTMENTS,
): MonthInvoice | null {
  const s = facts.season;
  const idx = s.monthIndex.get(period);
  if (idx === undefined) {
    parsePeriod(period);
    return null;
  }
  const t = accountTerms(facts);
  const monthDays =
    t.coveredDays === s.totalDays ? (s.serviceDays[idx] as number) : coveredDaysInMonthIndex(s, idx, t.occupancy[0], t.occupancy[1]);
  if (monthDays === 0) return null;
  assertFen(billedFen, 'billedFen');

  const lines: InvoiceLine[] = [];
  const adjustmentLines: InvoiceLine[] = [];
  const before = billedFen + (adjustments.length === 0 ? 0 : addAdjustmentLines(adjustmentLines, adjustments, s.label));
  let noReading = false;
  let capped = false;
  let chargeFen: number;
  let gross = 0;
  if (facts.plan === 'metered') {
    if (usage === null || usage === undefined) throw new Error('metered invoice needs a usage input');
    // Negative only as the true-up of an estimated position (SPEC §9 "Estimated readings").
    const trueUp = usage.intervals[0]?.from.estimated === true;
    if (usage.units < 0n && !trueUp) throw new Error(`usage of ${period} is negative (${formatQuantity(usage.units)} units)`);
    gross = grossFen(usage.units, s);
    chargeFen = gross < 0 ? trueUpCharge(gross, t.capFen, before, facts.seasonUsageGrossFen) : capCharge(gross, t.capFen, before);
    noReading = usage.noReading;
    lines.push(usageLine(period, usage, s, gross));
    if (chargeFen !== gross) {
      capped = true;
      const description = chargeFen < gross ? capDescription(t) : TRUE_UP_LIMIT;
      lines.push({ kind: 'cap', description, amountFen: chargeFen - gross, seasonLabel: s.label });
    }
  } else if (facts.plan === 'flat') {
    const through = flatBilledThrough(t.capFen, cumulativeCoveredDays(s, t, idx), t.coveredDays, s.flatBilling);
    chargeFen = Math.max(0, through - before);
    lines.push(flatLine(s, t, period, idx, monthDays, chargeFen));
  } else {
    throw new Error(`plan must be 'metered' or 'flat', got "${String(facts.plan)}"`);
  }
  for (const l of adjustmentLines) lines.push(l);
  const totalFen = sumLines(lines);
  return {
    period,
    plan: facts.plan,
    lines,
    totalFen,
    status: invoiceStatus(totalFen),
    noReading,
    capped,
    intervals: usage?.intervals ?? [],
    usageUnits: usage?.units ?? 0n,
    chargeFen,
    grossFen: gross,
    capFen: t.capFen,
    coveredDays: monthDays,
  };
}
