/**
 * The accounts a dry run would bill with no new reading (SPEC §7 "a billing run", §9): a usage
 * line of 0 marked "no new reading". The run counts them; a dry run also lists them, so the
 * clerk can name them and decide before the real run (estimate, bill as "no reading", or load
 * readings first). Real runs only count them: the invoices themselves say noReading.
 */
import type pg from 'pg';

export interface NoReadingAccount {
  accountId: string;
  householdId: string;
}

/** At most this many per compound are listed (in household order); the count is always whole. */
export const NO_READINGS_LISTED = 1_000;

const INSERT_SQL = `
INSERT INTO billing_run_no_readings (billing_run_id, compound_id, account_id, household_id)
SELECT $1, $2, * FROM unnest($3::uuid[], $4::uuid[])
ON CONFLICT (billing_run_id, account_id) DO NOTHING`;

/** Records a dry run's accounts without a reading (nothing when the run is not recorded). */
export async function recordNoReadings(
  client: pg.ClientBase,
  runId: string | null,
  compoundId: string,
  accounts: readonly NoReadingAccount[],
): Promise<void> {
  if (runId === null || accounts.length === 0) return;
  await client.query(INSERT_SQL, [runId, compoundId, accounts.map((a) => a.accountId), accounts.map((a) => a.householdId)]);
}
