/**
 * One account's invoice of a month from its facts: the core's computeMonthInvoice, plus what the
 * batch stores with it (status, where the usage ended). Shared by the batch, dry runs and
 * anyone asking "what would this month bill" (corrections, final bills, statements).
 */
import {
  addAdjustmentLines,
  computeMonthInvoice,
  formatQuantity,
  type InvoiceLine,
  type MonthInvoice,
  type PendingAdjustment,
} from '../core/index.js';
import type { InvoiceStatus } from '../db/types.js';
import type { AccountBillingFacts, BillingMonth } from './facts.js';

export interface ComputedInvoice {
  facts: AccountBillingFacts;
  /** The core's result (totals, cap, noReading, usage units). */
  invoice: MonthInvoice;
  lines: InvoiceLine[];
  totalFen: number;
  /** Zero (or credit) totals are issued as paid (SPEC §7). */
  status: Extract<InvoiceStatus, 'issued' | 'paid'>;
  /** Where the next invoice starts: the end reading, or the start carried forward when no reading. */
  endReadingId: number | null;
  endValue: string;
  usageUnits: string;
  /** Pending adjustments this invoice carries (to be marked applied to it). */
  appliedAdjustmentIds: string[];
}

/**
 * The invoice of the month, or null when the core bills nothing (not a billable month, or no
 * covered service day). Pending adjustments of the invoice's season go through the core (they
 * count towards the cap or flat fee); those of other seasons (a correction after that season's
 * last invoice) are carried as plain adjustment lines, not counted in this season's cap.
 */
export function computeAccountInvoice(month: BillingMonth, facts: AccountBillingFacts): ComputedInvoice | null {
  const season = month.season;
  if (!season) return null;
  const same: PendingAdjustment[] = [];
  const other: PendingAdjustment[] = [];
  for (const a of facts.adjustments) {
    (a.seasonLabel === season.label ? same : other).push({ amountFen: a.amountFen, description: a.description, appliesTo: a.appliesTo });
  }
  const invoice = computeMonthInvoice(
    { plan: facts.plan, areaM2: facts.areaM2, openedOn: facts.openedOn, closedOn: facts.closedOn, season },
    month.period,
    facts.usage,
    facts.billed,
    same,
  );
  if (invoice === null) return null;
  let lines = invoice.lines;
  let totalFen = invoice.totalFen;
  if (other.length > 0) {
    lines = [...lines];
    const [usage, flat] = addAdjustmentLines(lines, other, facts.plan);
    totalFen += usage + flat;
  }
  const end = facts.end ?? facts.start;
  return {
    facts,
    invoice,
    lines,
    totalFen,
    status: totalFen <= 0 ? 'paid' : 'issued',
    endReadingId: end.readingId,
    endValue: end.value,
    usageUnits: formatQuantity(invoice.usageUnits),
    appliedAdjustmentIds: facts.adjustments.map((a) => a.id),
  };
}
