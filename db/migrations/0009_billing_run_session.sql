-- The PostgreSQL session a billing run works from (SPEC §6 run records): a run still `running`
-- whose session no longer exists (pg_stat_activity) was interrupted — its process ended before
-- the run finished — and is recorded as failed by the next run or read (src/billing/repository.ts).
-- backend_start guards against a recycled pid.
ALTER TABLE billing_runs
  ADD COLUMN backend_pid   integer,
  ADD COLUMN backend_start timestamptz;
CREATE INDEX billing_runs_running_idx ON billing_runs (started_at) WHERE status = 'running';
