-- Months in order and accounts that cannot be billed (SPEC §6).
--   * billed_months: the billable months a compound has billed, written in the compound's billing
--     transaction. Once a compound has billed a month of a season, a later month is billed only
--     after the billable month just before it (the first billed month of a season may be any).
--   * billing_runs.skipped_accounts: accounts already billed through a later month, not billed again.
--   * billing_run_exceptions: accounts a run left unbilled, with the reason; the compound's other
--     invoices commit, and a run after the fix bills them.

CREATE TABLE billed_months (
  compound_id    uuid NOT NULL,
  period         text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  season_label   text NOT NULL,
  billing_run_id uuid REFERENCES billing_runs (id),
  billed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (compound_id, period),
  FOREIGN KEY (compound_id, season_label) REFERENCES seasons (compound_id, label)
);
INSERT INTO billed_months (compound_id, period, season_label, billing_run_id, billed_at)
SELECT DISTINCT ON (compound_id, period) compound_id, period, season_label, billing_run_id, created_at
FROM invoices
WHERE kind = 'monthly'
ORDER BY compound_id, period, created_at;

ALTER TABLE billing_runs ADD COLUMN skipped_accounts integer NOT NULL DEFAULT 0;

CREATE TABLE billing_run_exceptions (
  billing_run_id uuid NOT NULL REFERENCES billing_runs (id),
  compound_id    uuid NOT NULL REFERENCES compounds (id),
  period         text NOT NULL,
  account_id     uuid NOT NULL REFERENCES accounts (id),
  household_id   uuid NOT NULL REFERENCES households (id),
  reason         text NOT NULL,
  PRIMARY KEY (billing_run_id, account_id)
);
CREATE INDEX billing_run_exceptions_compound_period_idx ON billing_run_exceptions (compound_id, period);
