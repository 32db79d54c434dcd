-- A run over several compounds bills each compound as its own unit (SPEC §6, §7 "a billing run"):
-- one row per compound the run covered, with its outcome and, when it was refused (month order,
-- a month not ended) or failed, the reason. The others are billed all the same. The run's status
-- gains 'partial': some compounds succeeded, not all. already_billed_accounts counts the accounts
-- that already had their invoice of the month, so a re-run says so instead of "0 invoices".
ALTER TABLE billing_runs DROP CONSTRAINT billing_runs_status_check;
ALTER TABLE billing_runs ADD CONSTRAINT billing_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'partial', 'failed'));
ALTER TABLE billing_runs ADD COLUMN already_billed_accounts integer NOT NULL DEFAULT 0;

CREATE TABLE billing_run_compounds (
  billing_run_id uuid NOT NULL REFERENCES billing_runs (id),
  compound_id    uuid NOT NULL REFERENCES compounds (id),
  status         text NOT NULL CHECK (status IN ('succeeded', 'refused', 'failed')),
  reason         text CHECK ((status = 'succeeded') = (reason IS NULL)),
  PRIMARY KEY (billing_run_id, compound_id)
);
