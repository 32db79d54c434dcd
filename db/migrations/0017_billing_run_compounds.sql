-- A run over several compounds bills each compound as its own unit (SPEC §6, §7 "a billing run"):
-- one row per compound the run covered, with its outcome and, when it was refused (month order,
-- a month not ended) or failed, the reason. The others are billed all the same. The run's status
-- gains 'partial': some compounds succeeded, not all.
ALTER TABLE billing_runs DROP CONSTRAINT billing_runs_status_check;
ALTER TABLE billing_runs ADD CONSTRAINT billing_runs_status_check
  CHECK (status IN ('running', 'succeeded', 'partial', 'failed'));

CREATE TABLE billing_run_compounds (
  billing_run_id uuid NOT NULL REFERENCES billing_runs (id),
  compound_id    uuid NOT NULL REFERENCES compounds (id),
  status         text NOT NULL CHECK (status IN ('succeeded', 'refused', 'failed')),
  reason         text CHECK ((status = 'succeeded') = (reason IS NULL)),
  PRIMARY KEY (billing_run_id, compound_id)
);
