/**
 * The raw SQL of a compound's month (compound.ts and its steps): set-wise writes on the batch's
 * hot path, one statement per chunk or per compound.
 */

/** $1 adjustment ids, $2 the invoice each is applied to (only adjustments not yet applied). */
export const APPLY_ADJUSTMENTS_SQL = `
UPDATE account_adjustments a SET applied_invoice_id = v.invoice_id
FROM unnest($1::uuid[], $2::uuid[]) AS v(id, invoice_id)
WHERE a.id = v.id AND a.applied_invoice_id IS NULL`;

/** A compound's figures added to its run's. */
export const RUN_PROGRESS_SQL = `
UPDATE billing_runs SET accounts_billed = accounts_billed + $2, invoices_issued = invoices_issued + $3,
  total_fen = total_fen + $4, capped_accounts = capped_accounts + $5, skipped_accounts = skipped_accounts + $6,
  already_billed_accounts = already_billed_accounts + $7, no_reading_accounts = no_reading_accounts + $8,
  estimated_accounts = estimated_accounts + $9
WHERE id = $1`;

export const INSERT_EXCEPTIONS_SQL = `
INSERT INTO billing_run_exceptions (billing_run_id, compound_id, period, account_id, household_id, reason)
SELECT $1, $2, $3, * FROM unnest($4::uuid[], $5::uuid[], $6::text[])
ON CONFLICT (billing_run_id, account_id) DO NOTHING`;

export const COMPOUND_ACCOUNT_COUNT_SQL = 'SELECT count(*)::int AS n FROM accounts WHERE compound_id = $1';
