/**
 * SPEC §9 "Arrears": an invoice is overdue on a local date while it is issued or partially paid,
 * something is owed on it, and the date is after its dueOn. The invoice's own `overdue` flag (on
 * every invoice the API shows) is this; the set-wise reports (arrears, notices, the
 * invoice.overdue webhook) filter with the same rule as SQL (src/invoices/overdue.ts), and a
 * property test holds the two to each other (test/invoices/overdue.test.ts).
 */
export interface OverdueInput {
  status: string;
  totalFen: number;
  paidFen: number;
  /** YYYY-MM-DD */
  dueOn: string;
}

/** Whether the invoice is overdue on the local date `today` (YYYY-MM-DD). */
export function isOverdue(invoice: OverdueInput, today: string): boolean {
  const open = invoice.status === 'issued' || invoice.status === 'partially_paid';
  return open && invoice.totalFen > invoice.paidFen && invoice.dueOn < today;
}
