-- The monthly batch's write path (issue 27). The batch writes three rows per account and month
-- (invoice, line, register interval) by COPY; each foreign key on them cost a lookup and a
-- KEY SHARE row lock per row (a WAL record and a dirtied page on the referenced row: readings,
-- households, accounts, meters, the new invoice itself), and each index besides the keys an
-- insert. Measured on the like-for-like floor (bench/billing.ts --split-floor, bench/README.md).
--
-- Foreign keys dropped, and what guarantees each relation instead:
--   * Nothing deletes, or changes the id of, a compound, season, household, account, meter,
--     reading, billing run or invoice (no DELETE in the service; a correction edits a reading's
--     value, a void an invoice's status), so a reference that was right when written stays right.
--   * Every reference is written by the one invoice writer (src/invoices/writer.ts) from rows
--     read in the writing transaction: the batch reads the compound, its seasons, accounts,
--     households, meters and readings under the compound's locks, in its own snapshot, and writes
--     each line and interval with the invoice it belongs to, in the same transaction; a final
--     invoice (move-out) likewise from the account it closes.
--   * test/helpers/billing.ts brokenInvoiceReferences checks every relation the keys checked, and
--     more (the account and meters are the invoice's household's, the readings the interval's
--     meter's); the billing guarantee tests and the ledger property test run it.
-- Kept: every primary key and unique index (exactly once per account and month, one invoice per
-- ledger slot, gapless numbers per compound and month, numbers unique and searchable), and the
-- keys into the invoice tables from payments, allocations and adjustments (not on the batch's path).
ALTER TABLE invoices
  DROP CONSTRAINT invoices_account_id_fkey,
  DROP CONSTRAINT invoices_household_id_fkey,
  DROP CONSTRAINT invoices_compound_id_fkey,
  DROP CONSTRAINT invoices_compound_id_season_label_fkey,
  DROP CONSTRAINT invoices_billing_run_id_fkey;
ALTER TABLE invoice_lines
  DROP CONSTRAINT invoice_lines_invoice_id_fkey,
  DROP CONSTRAINT invoice_lines_compound_id_fkey,
  DROP CONSTRAINT invoice_lines_season_fkey;
ALTER TABLE invoice_intervals
  DROP CONSTRAINT invoice_intervals_invoice_id_fkey,
  DROP CONSTRAINT invoice_intervals_meter_id_fkey,
  DROP CONSTRAINT invoice_intervals_from_reading_id_fkey,
  DROP CONSTRAINT invoice_intervals_to_reading_id_fkey,
  DROP CONSTRAINT invoice_intervals_compound_id_season_label_fkey;

-- A corrected reading finds the accounts it reaches from the reading's side (its meter's
-- household's accounts, their invoices by ledger slot, their intervals by key:
-- src/ledger/repository.ts accountsBilledOnReading), so no index on the intervals' reading ids.
DROP INDEX invoice_intervals_to_reading_idx;
DROP INDEX invoice_intervals_from_reading_idx;
