/**
 * Invoice numbers (SPEC §5): `{CODE}-{YYYYMM}-{NNNNNN}`, gapless per compound and month, issued
 * in household order by the monthly batch. Final invoices issued on account close take the next
 * number of the compound and month of their closedOn under the SAME lock.
 *
 * Usage (inside one transaction):
 *   await lockInvoiceNumbering(tx, compoundId, period);   // waits for a batch of that month
 *   const seq = await nextInvoiceSeq(tx, compoundId, period);
 *   number = invoiceNumber(compoundCode, period, seq);
 */
import { queryRows, type InTransaction } from '../db/sql.js';

/** The advisory lock key text of a compound and month (hashed by PostgreSQL's hashtext). */
export function numberingLockKey(compoundId: string, period: string): string {
  return `invoice-numbering:${compoundId}:${period}`;
}

/**
 * Serialises numbering (and monthly billing) of one compound and month until the end of the
 * transaction: pg_advisory_xact_lock(hashtext('invoice-numbering:{compoundId}:{period}')).
 * Takes a Kysely transaction or a raw pg client inside BEGIN (see inTransaction).
 */
export async function lockInvoiceNumbering(q: InTransaction, compoundId: string, period: string): Promise<void> {
  await queryRows(q, 'SELECT pg_advisory_xact_lock(hashtext($1::text))', [numberingLockKey(compoundId, period)]);
}

/** max(seq) + 1 of a compound and month (call under lockInvoiceNumbering). */
export async function nextInvoiceSeq(q: InTransaction, compoundId: string, period: string): Promise<number> {
  const rows = await queryRows<{ seq: number }>(
    q,
    'SELECT coalesce(max(seq), 0)::int AS seq FROM invoices WHERE compound_id = $1 AND period = $2',
    [compoundId, period],
  );
  return (rows[0]?.seq ?? 0) + 1;
}

/** `{CODE-UPPERCASE}-{YYYYMM}-{NNNNNN}`. */
export function invoiceNumber(compoundCode: string, period: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`invoice seq must be a positive integer, got ${seq}`);
  return `${compoundCode.toUpperCase()}-${period.slice(0, 4)}${period.slice(5, 7)}-${String(seq).padStart(6, '0')}`;
}
