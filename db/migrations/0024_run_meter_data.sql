-- Meter data in the run summary (SPEC §7 "a billing run", §9 "Estimated readings"), so a month
-- of empty invoices is never issued without a word:
--   * no_reading_accounts: accounts billed (a dry run: to be billed) with no new reading, whose
--     usage line is 0 with "no new reading";
--   * estimated_accounts: accounts billed from an estimated reading; estimate: the run was asked
--     to estimate missing readings;
--   * billing_run_no_readings: which accounts those are, recorded for dry runs only (the clerk
--     decides before the real run: estimate, bill as "no reading", or load readings first).
ALTER TABLE billing_runs
  ADD COLUMN estimate boolean NOT NULL DEFAULT false,
  ADD COLUMN no_reading_accounts integer NOT NULL DEFAULT 0,
  ADD COLUMN estimated_accounts integer NOT NULL DEFAULT 0;

CREATE TABLE billing_run_no_readings (
  billing_run_id uuid NOT NULL REFERENCES billing_runs (id),
  compound_id    uuid NOT NULL REFERENCES compounds (id),
  account_id     uuid NOT NULL REFERENCES accounts (id),
  household_id   uuid NOT NULL REFERENCES households (id),
  PRIMARY KEY (billing_run_id, account_id)
);
