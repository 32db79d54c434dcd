/**
 * Late fees due (SPEC §9 "Late fee"): what each overdue invoice of a compound (or of one account)
 * accrued since the last day a batch billed, up to a day, computed by the core. The batch bills
 * them through the month's last day as `late_fee` lines on the account's invoice of the month
 * and records the days billed (late_fee_charges) in the same transaction; the payment notice
 * shows what accrues up to today. Two set-wise queries per compound, none per account.
 */
import {
  addDays,
  formatRate,
  lateFeeAccrual,
  lateFeeDescription,
  parseLateFeeRate,
  type InvoiceLine,
  type LateFeeAccrual,
  type LateFeePayment,
} from '../core/index.js';
import { groupBy } from '../db/group.js';
import { queryCount, queryRows, type Queryable } from '../db/sql.js';
import {
  COMPOUND_HAS_LATE_FEE_SQL,
  LATE_FEE_CANDIDATES_SQL,
  RECORD_LATE_FEE_CHARGES_SQL,
  SETTLEMENTS_SQL,
  type LateFeeCandidateRow,
  type SettlementRow,
} from './late-fees.sql.js';

/** One overdue invoice's fee not yet billed, with the line that bills it. */
export interface LateFeeDue {
  /** The overdue invoice. */
  invoiceId: string;
  number: string;
  dueOn: string;
  accrual: LateFeeAccrual;
  /** The season's rate, per mille a day, as text ("0.5"). */
  rateText: string;
  line: InvoiceLine;
}

export interface LateFeeScope {
  compoundId: string;
  timeZone: string;
  /** The last local day to accrue through (inclusive). */
  throughOn: string;
  /** One account only (the notice); the whole compound when absent. */
  accountId?: string | undefined;
}

/**
 * What settled an invoice. Its paid amount is the sum of its allocations; a part no allocation
 * explains (data written before allocations were kept) counts as paid on time: never charged for.
 */
function settledOf(c: LateFeeCandidateRow, allocated: LateFeePayment[]): LateFeePayment[] {
  const unexplained = c.paid_fen - allocated.reduce((sum, p) => sum + p.amountFen, 0);
  return unexplained > 0 ? [...allocated, { on: c.due_on, amountFen: unexplained }] : allocated;
}

/** The fees accrued and not yet billed, by account, each account's oldest due first; accounts owing none are absent. */
export async function lateFeesDue(q: Queryable, scope: LateFeeScope): Promise<Map<string, LateFeeDue[]>> {
  const due = new Map<string, LateFeeDue[]>();
  const [rated] = await queryRows<{ has: boolean }>(q, COMPOUND_HAS_LATE_FEE_SQL, [scope.compoundId]);
  if (!rated?.has) return due;
  const candidates = await queryRows<LateFeeCandidateRow>(q, LATE_FEE_CANDIDATES_SQL, [
    scope.compoundId,
    scope.throughOn,
    scope.accountId ?? null,
  ]);
  if (candidates.length === 0) return due;
  const settlements = groupBy(
    await queryRows<SettlementRow>(q, SETTLEMENTS_SQL, [candidates.map((c) => c.id), scope.timeZone]),
    (s) => s.invoice_id,
    (s): LateFeePayment => ({ on: s.on, amountFen: s.amount_fen }),
  );
  const rates = new Map<string, { rate: bigint; text: string }>();
  for (const c of candidates) {
    let rate = rates.get(c.rate);
    if (!rate) {
      const parsed = parseLateFeeRate(c.rate);
      rate = { rate: parsed, text: formatRate(parsed) };
      rates.set(c.rate, rate);
    }
    const accrual = lateFeeAccrual({
      totalFen: c.total_fen,
      dueOn: c.due_on,
      payments: settledOf(c, settlements.get(c.id) ?? []),
      rate: rate.rate,
      fromOn: c.billed_through === null ? undefined : addDays(c.billed_through, 1),
      throughOn: scope.throughOn,
    });
    if (accrual.feeFen === 0) continue;
    const line: InvoiceLine = {
      kind: 'late_fee',
      description: lateFeeDescription(c.number, accrual, rate.text),
      amountFen: accrual.feeFen,
      seasonLabel: null,
    };
    const list = due.get(c.account_id) ?? [];
    list.push({ invoiceId: c.id, number: c.number, dueOn: c.due_on, accrual, rateText: rate.text, line });
    due.set(c.account_id, list);
  }
  return due;
}

/** A fee billed: the overdue invoice, the invoice whose line carries it, and the days. */
export interface LateFeeCharge {
  invoiceId: string;
  chargedInvoiceId: string;
  fromOn: string;
  throughOn: string;
  amountFen: number;
}

/** Records the days billed, in the transaction that writes the invoices carrying them (a re-run starts after them). */
export async function recordLateFeeCharges(q: Queryable, compoundId: string, charges: readonly LateFeeCharge[]): Promise<void> {
  if (charges.length === 0) return;
  const written = await queryCount(q, RECORD_LATE_FEE_CHARGES_SQL, [
    compoundId,
    charges.map((c) => c.invoiceId),
    charges.map((c) => c.chargedInvoiceId),
    charges.map((c) => c.fromOn),
    charges.map((c) => c.throughOn),
    charges.map((c) => c.amountFen),
  ]);
  if (written !== charges.length) throw new Error('late fee charges were not all recorded');
}
