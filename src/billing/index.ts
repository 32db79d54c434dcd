/**
 * The monthly batch's public surface for other features: numbering (final invoices take the
 * batch's gapless sequence), the compound's billing facts and the run itself. Rules live in
 * src/core; this folder only gathers facts and stores.
 */
export { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq, numberingLockKey } from './numbering.js';
export { billingMonth, loadBillingCompound, type BillingCompound, type BillingMonth } from './facts.js';
export { runBilling, type BillingProgress, type BillingRunOut, type BillingRunRequest, type CompoundSummary } from './service.js';
