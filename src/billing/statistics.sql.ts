/**
 * Fresh planner statistics after a compound's month grew the invoice tables. Autovacuum analyses
 * a table once its changes pass 50 rows + 10% of its size, but only on its next pass (up to a
 * minute later, longer on a busy server). The next compound of the run, and a month billed
 * straight after (a provider billing the season so far on its first day, a re-run after a
 * failure, the bench), would be planned against the tables as they were before: an empty table's
 * plans read every invoice of the compounds billed so far for each chunk (bench/README "Months
 * alike": the first month of 200,000 households at 3.7× the next). ANALYZE samples a fixed number
 * of rows per table, so it costs about the same at any size.
 */
import type { Pool } from 'pg';

/** The tables the batch writes and the next month's batch reads back (the ledger heads, the season's charges). */
const INVOICE_TABLES = ['invoices', 'invoice_lines', 'invoice_intervals'] as const;

/** Autovacuum's own default rule (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × rows). */
export function statisticsAreStale(rowsAdded: number, rowsKnown: number): boolean {
  return rowsAdded > 50 + 0.1 * Math.max(rowsKnown, 0);
}

/**
 * Analyses the invoice tables when the invoices just issued would make autovacuum analyse them.
 * Outside any transaction: ANALYZE of several tables takes each table's lock in a transaction of
 * its own, and it never blocks writers (a second ANALYZE waits for the first). After the commit,
 * so it cannot fail a month that is billed: when it fails, autovacuum still analyses later.
 */
export async function refreshInvoiceStatistics(pool: Pool, invoicesIssued: number): Promise<void> {
  if (invoicesIssued === 0) return;
  try {
    const { rows } = await pool.query<{ reltuples: number }>(
      "SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'invoices'::regclass",
    );
    if (statisticsAreStale(invoicesIssued, rows[0]?.reltuples ?? 0)) await pool.query(`ANALYZE ${INVOICE_TABLES.join(', ')}`);
  } catch {
    // Only the plans of what follows are at stake (see above), never the month's invoices.
  }
}
