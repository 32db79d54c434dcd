/**
 * Invoice numbers for final invoices: the SAME gapless sequence per compound and month as the
 * monthly batch ({CODE}-{YYYYMM}-{NNNNNN}, SPEC §5).
 * Interim copy until src/billing/numbering.ts lands; then this file only re-exports it.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';

/** Serialises numbering of one compound and month for the rest of the transaction. */
export async function lockInvoiceNumbering(db: Executor, compoundId: string, period: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`invoice-numbering:${compoundId}:${period}`}))`.execute(db);
}

/** The next sequence number of a compound and month (call under lockInvoiceNumbering). */
export async function nextInvoiceSeq(db: Executor, compoundId: string, period: string): Promise<number> {
  const row = await db
    .selectFrom('invoices')
    .select(sql<number>`coalesce(max(seq), 0)::int`.as('seq'))
    .where('compound_id', '=', compoundId)
    .where('period', '=', period)
    .executeTakeFirstOrThrow();
  return row.seq + 1;
}

export function invoiceNumber(compoundCode: string, period: string, seq: number): string {
  return `${compoundCode.toUpperCase()}-${period.replace('-', '')}-${String(seq).padStart(6, '0')}`;
}
