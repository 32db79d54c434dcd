/**
 * One chunk of a compound's month (SPEC §5, §6): every due account's invoice computed by the core
 * (compute.ts), with its late fees (SPEC §9), counted into the compound's summary, numbered in
 * household order and staged as COPY text for the one invoice writer. An account the core
 * refuses is an exception, and the others go on. A dry run counts and stages nothing to write.
 */
import { randomUUID } from 'node:crypto';
import { formatQuantity, withLateFeeLines, type MonthInvoice, type Qty } from '../core/index.js';
import { InvoiceCopy } from '../invoices/writer.js';
import type { CapThresholdEvents } from '../webhooks/cap-thresholds.js';
import { computeAccountInvoice, type ComputedInvoice } from './compute.js';
import type { AccountBillingFacts, BillingCompound, BillingMonth, FactsChunk } from './facts.js';
import type { LateFeeCharge, LateFeeDue } from './late-fees.js';
import { NO_READINGS_LISTED } from './no-readings.js';
import { invoiceNumber } from './numbering.js';
import type { CompoundMonthRequest, CompoundSummary } from './compound.js';

/** A compound's month while it is billed: what every chunk reads, and the summary and numbering it advances. */
export interface MonthBilling {
  request: CompoundMonthRequest;
  compound: BillingCompound;
  month: BillingMonth;
  summary: CompoundSummary;
  /** The last invoice sequence number taken (gapless, in household order). */
  seq: number;
  issuedOn: string;
  dueOn: string;
  seasonLabel: string;
  capThresholds: CapThresholdEvents;
  /** SPEC §9: each account's overdue fees not yet billed, read once for the compound. */
  lateFees: Map<string, LateFeeDue[]>;
  /** An estimating run (SPEC §9): the compound's median per m² for the month, its estimate for an account without history. */
  medianPerM2: Qty | null;
}

/** A chunk computed and numbered, ready to write. */
export interface PreparedChunk {
  accounts: number;
  copy: InvoiceCopy;
  adjustmentIds: string[];
  adjustmentInvoices: string[];
  lateFees: LateFeeCharge[];
}

/** The account's invoice by the core (null: nothing to bill), or 'exception' once the reason the core refused it is recorded. */
function computeOrException(billing: MonthBilling, facts: AccountBillingFacts): ComputedInvoice | null | 'exception' {
  try {
    return computeAccountInvoice(billing.month, facts);
  } catch (error) {
    billing.summary.exceptions.push({
      accountId: facts.accountId,
      householdId: facts.householdId,
      reason: error instanceof Error ? error.message : String(error),
    });
    return 'exception';
  }
}

/** The invoice's figures added to the compound's summary (a dry run also names its first accounts without a reading). */
function countInvoice(billing: MonthBilling, facts: AccountBillingFacts, invoice: MonthInvoice): void {
  const summary = billing.summary;
  summary.invoicesIssued += 1;
  summary.totalFen += invoice.totalFen;
  if (invoice.capped) summary.cappedAccounts += 1;
  if (invoice.lines.some((line) => line.estimated === true)) summary.estimatedAccounts += 1;
  if (!invoice.noReading) return;
  summary.noReadingAccounts += 1;
  if (billing.request.dryRun && summary.noReadings.length < NO_READINGS_LISTED) {
    summary.noReadings.push({ accountId: facts.accountId, householdId: facts.householdId });
  }
}

/** The invoice as COPY text, with its cap thresholds, late-fee charges and applied adjustments. */
function stageInvoice(
  billing: MonthBilling,
  prepared: PreparedChunk,
  computed: ComputedInvoice,
  invoice: MonthInvoice,
  fees: readonly LateFeeDue[],
): void {
  const { request, compound, month, seasonLabel, seq } = billing;
  const { facts } = computed;
  const id = randomUUID();
  prepared.copy.add({
    id,
    compoundId: compound.id,
    accountId: facts.accountId,
    householdId: facts.householdId,
    seasonLabel,
    period: month.period,
    kind: 'monthly',
    seq,
    number: invoiceNumber(compound.code, month.period, seq),
    accountSeq: facts.accountSeq,
    issuedOn: billing.issuedOn,
    dueOn: billing.dueOn,
    plan: facts.plan,
    totalFen: invoice.totalFen,
    status: invoice.status,
    noReading: invoice.noReading,
    usageUnits: formatQuantity(invoice.usageUnits),
    billingRunId: request.runId,
    lines: invoice.lines,
    intervals: invoice.intervals.map((interval) => ({ seasonLabel, interval })),
  });
  const { accountId, householdId, billedFen: billedBeforeFen } = facts;
  const { capFen, lines } = invoice;
  billing.capThresholds.add({ invoiceId: id, accountId, householdId, seasonLabel, billedBeforeFen, capFen, lines });
  for (const fee of fees) {
    const { fromOn, throughOn, feeFen } = fee.accrual;
    prepared.lateFees.push({ invoiceId: fee.invoiceId, chargedInvoiceId: id, fromOn, throughOn, amountFen: feeFen });
  }
  for (const adjustmentId of computed.appliedAdjustmentIds) {
    prepared.adjustmentIds.push(adjustmentId);
    prepared.adjustmentInvoices.push(id);
  }
}

/** A chunk's facts computed, counted and numbered (in household order: one chunk at a time) into COPY text. */
export function prepareChunk(billing: MonthBilling, chunk: FactsChunk): PreparedChunk {
  const summary = billing.summary;
  const prepared: PreparedChunk = {
    accounts: chunk.accounts,
    copy: new InvoiceCopy(),
    adjustmentIds: [],
    adjustmentInvoices: [],
    lateFees: [],
  };
  summary.skippedAccounts += chunk.skipped;
  summary.alreadyBilledAccounts += chunk.alreadyBilled;
  summary.exceptions.push(...chunk.exceptions);
  for (const facts of chunk.due) {
    const computed = computeOrException(billing, facts);
    if (computed === 'exception') continue;
    summary.accountsBilled += 1;
    if (computed === null) continue;
    const fees = billing.lateFees.get(facts.accountId) ?? [];
    const invoice = withLateFeeLines(
      computed.invoice,
      fees.map((fee) => fee.line),
    );
    billing.seq += 1;
    countInvoice(billing, facts, invoice);
    if (!billing.request.dryRun) stageInvoice(billing, prepared, computed, invoice, fees);
  }
  return prepared;
}
