/**
 * The monthly batch's public surface for other features (corrections, final invoices,
 * statements): numbering, the billing facts of a month (set-wise or for one account) and the
 * invoice they compute to. Rules live in src/core; this folder only gathers facts and stores.
 */
import { computeAccountInvoice, type ComputedInvoice } from './compute.js';
import { billingMonth, loadAccountBillingFacts, loadBillingCompound } from './facts.js';
import { queryRows, type Queryable } from '../db/sql.js';

export { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq, numberingLockKey } from './numbering.js';
export {
  billingFactsChunks,
  billingMonth,
  loadAccountBillingFacts,
  loadBillingCompound,
  type AccountBillingFacts,
  type BillingCompound,
  type BillingMonth,
  type PendingAdjustmentFact,
  type RegisterPoint,
} from './facts.js';
export { computeAccountInvoice, type ComputedInvoice } from './compute.js';
export {
  billCompoundMonth,
  runBilling,
  type BillingProgress,
  type BillingRunOut,
  type BillingRunRequest,
  type CompoundSummary,
} from './service.js';

/**
 * What the monthly batch would bill an account for a period right now (same loader and core
 * call as the batch), or null when nothing is due (not a billable month, no covered day, already
 * billed for the period, or settled by a final invoice). Works on a Kysely executor/transaction
 * or a raw pg client.
 */
export async function previewAccountInvoice(q: Queryable, accountId: string, period: string): Promise<ComputedInvoice | null> {
  const [account] = await queryRows<{ compound_id: string }>(q, 'SELECT compound_id FROM accounts WHERE id = $1', [accountId]);
  if (!account) return null;
  const compound = await loadBillingCompound(q, account.compound_id);
  if (!compound) return null;
  const month = billingMonth(compound, period);
  const facts = await loadAccountBillingFacts(q, month, accountId);
  return facts ? computeAccountInvoice(month, facts) : null;
}
