/**
 * One account's invoice of a month from its facts: the core's computeMonthInvoice, plus what the
 * batch stores with it. Used by the batch and its dry runs.
 */
import { computeMonthInvoice, type MonthInvoice } from '../core/index.js';
import type { AccountBillingFacts, BillingMonth } from './facts.js';

export interface ComputedInvoice {
  facts: AccountBillingFacts;
  invoice: MonthInvoice;
  /** Pending adjustments this invoice carries (to be marked applied to it). */
  appliedAdjustmentIds: string[];
}

/** The invoice of the month, or null when the core bills nothing (not a billable month, or no covered service day). */
export function computeAccountInvoice(month: BillingMonth, facts: AccountBillingFacts): ComputedInvoice | null {
  const season = month.season;
  if (!season) return null;
  const invoice = computeMonthInvoice(
    {
      plan: facts.plan,
      areaM2: facts.areaM2,
      openedOn: facts.openedOn,
      closedOn: facts.closedOn,
      season,
      seasonUsageGrossFen: facts.seasonUsageGrossFen,
    },
    month.period,
    facts.usage,
    facts.billedFen,
    facts.adjustments,
  );
  if (invoice === null) return null;
  return { facts, invoice, appliedAdjustmentIds: facts.adjustments.map((a) => a.id) };
}
