/**
 * Fresh planner statistics after a run that grew the invoice tables. Autovacuum analyses a table
 * once its changes pass 50 rows + 10% of its size, but only on its next pass (up to a minute
 * later, longer on a busy server). A month billed straight after another (a provider billing the
 * season so far on its first day, a re-run after a failure, the bench) would be planned against
 * the tables as they were before: bench/README "The prior months" measured a month planned on
 * stale statistics at 9× the same month planned on fresh ones. ANALYZE samples a fixed number of
 * rows per table, so it costs about the same at any size.
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
 * its own, and it never blocks the writers of the next run.
 */
export async function refreshInvoiceStatistics(pool: Pool, invoicesIssued: number): Promise<boolean> {
  if (invoicesIssued === 0) return false;
  const { rows } = await pool.query<{ reltuples: number }>(
    "SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = 'invoices'::regclass",
  );
  if (!statisticsAreStale(invoicesIssued, rows[0]?.reltuples ?? 0)) return false;
  await pool.query(`ANALYZE ${INVOICE_TABLES.join(', ')}`);
  return true;
}
