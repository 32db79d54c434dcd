/** Billing run records and the compounds a run covers (Kysely; scope enforced in the queries). */
import type { Executor } from '../db/pool.js';
import type { BillingRunStatus, RunCompoundStatus } from '../db/types.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { queryCount, queryRows, type Queryable } from '../db/sql.js';
import type { NoReadingAccount } from './no-readings.js';

export interface RunTotals {
  accountsBilled: number;
  invoicesIssued: number;
  totalFen: number;
  cappedAccounts: number;
  /** Accounts already billed through a later month, left alone (SPEC §6). */
  skippedAccounts: number;
  /** Accounts that already had their invoice of the month (a re-run), left alone. */
  alreadyBilledAccounts: number;
  /** Accounts billed (a dry run: to be billed) with no new reading (SPEC §7). */
  noReadingAccounts: number;
  /** Accounts billed (a dry run: to be billed) from an estimated reading (SPEC §9). */
  estimatedAccounts: number;
}

/** Totals of nothing billed yet. */
export function noTotals(): RunTotals {
  return {
    accountsBilled: 0,
    invoicesIssued: 0,
    totalFen: 0,
    cappedAccounts: 0,
    skippedAccounts: 0,
    alreadyBilledAccounts: 0,
    noReadingAccounts: 0,
    estimatedAccounts: 0,
  };
}

/** Adds a compound's totals to the run's. */
export function addTotals(into: RunTotals, from: RunTotals): void {
  for (const key of Object.keys(into) as Array<keyof RunTotals>) into[key] += from[key];
}

export async function findCompoundForRun(db: Executor, code: string, providerId: string | undefined) {
  return db
    .selectFrom('compounds')
    .select(['id', 'code', 'provider_id', 'time_zone'])
    .where('code', '=', code)
    .$if(providerId !== undefined, (qb) => qb.where('provider_id', '=', providerId!))
    .executeTakeFirst();
}

/** The compounds of a provider (all when undefined), by code. */
export async function listCompoundsForRun(db: Executor, providerId: string | undefined) {
  return db
    .selectFrom('compounds')
    .select(['id', 'code', 'provider_id', 'time_zone'])
    .$if(providerId !== undefined, (qb) => qb.where('provider_id', '=', providerId!))
    .orderBy('code')
    .execute();
}

const INSERT_RUN_SQL = `
INSERT INTO billing_runs (period, compound_id, provider_id, dry_run, estimate, started_by, started_at, error, finished_at, backend_pid,
  backend_start)
VALUES ($1, $2, $3, $4, $7, $5, $6, NULL, NULL, pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()))
RETURNING id`;

/**
 * Records a new run as `running`, owned by the session of `session`: the caller keeps that
 * connection checked out until the run is finished, so "its session is gone" means "its process
 * ended before the run finished" (sweepInterruptedRuns).
 */
export async function insertRun(
  session: Queryable,
  run: {
    period: string;
    compoundId: string | null;
    providerId: string | null;
    dryRun: boolean;
    /** Asked to estimate missing readings (SPEC §9); default false. */
    estimate?: boolean | undefined;
    startedBy: string;
    startedAt: Date;
  },
): Promise<{ id: string }> {
  const [row] = await queryRows<{ id: string }>(session, INSERT_RUN_SQL, [
    run.period,
    run.compoundId,
    run.providerId,
    run.dryRun,
    run.startedBy,
    run.startedAt,
    run.estimate ?? false,
  ]);
  return row!;
}

export const INTERRUPTED_ERROR = 'interrupted (the process ended before the run finished)';

/*
 * A `running` run whose session is no longer in pg_stat_activity (same pid and backend start; the
 * start is hidden for another role's sessions, then the pid alone counts) was interrupted. Runs
 * recorded before migration 0009 (no pid) are left alone: nothing tells whether they live.
 */
const SWEEP_SQL = `
UPDATE billing_runs r SET status = 'failed', error = $1, finished_at = now()
WHERE r.status = 'running' AND r.backend_pid IS NOT NULL
  AND ($2::uuid IS NULL OR r.id = $2::uuid)
  AND NOT EXISTS (
    SELECT 1 FROM pg_stat_activity s
    WHERE s.pid = r.backend_pid
      AND (s.backend_start IS NULL OR r.backend_start IS NULL OR s.backend_start = r.backend_start))`;

/** Records every interrupted run (or only run `id`) as failed; returns how many. */
export async function sweepInterruptedRuns(q: Queryable, id?: string): Promise<number> {
  return queryCount(q, SWEEP_SQL, [INTERRUPTED_ERROR, id ?? null]);
}

export async function finishRun(db: Executor, id: string, outcome: RunTotals & { status: BillingRunStatus; error: string | null }) {
  await db
    .updateTable('billing_runs')
    .set({
      status: outcome.status,
      accounts_billed: outcome.accountsBilled,
      invoices_issued: outcome.invoicesIssued,
      total_fen: outcome.totalFen,
      capped_accounts: outcome.cappedAccounts,
      skipped_accounts: outcome.skippedAccounts,
      already_billed_accounts: outcome.alreadyBilledAccounts,
      no_reading_accounts: outcome.noReadingAccounts,
      estimated_accounts: outcome.estimatedAccounts,
      error: outcome.error,
      finished_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

const RUN_COLUMNS = [
  'r.id',
  'r.period',
  'r.compound_id',
  'r.provider_id',
  'r.dry_run',
  'r.estimate',
  'r.status',
  'r.started_by',
  'r.accounts_billed',
  'r.invoices_issued',
  'r.total_fen',
  'r.capped_accounts',
  'r.skipped_accounts',
  'r.already_billed_accounts',
  'r.no_reading_accounts',
  'r.estimated_accounts',
  'r.error',
  'r.started_at',
  'r.finished_at',
  'c.code as compound_code',
] as const;

export async function findRun(db: Executor, id: string) {
  return db
    .selectFrom('billing_runs as r')
    .leftJoin('compounds as c', 'c.id', 'r.compound_id')
    .select(RUN_COLUMNS)
    .where('r.id', '=', id)
    .executeTakeFirst();
}

/** A run the caller may see: admin any; operator the runs of its provider (its compounds or all of them). */
export async function findRunInScope(db: Executor, id: string, principal: Principal) {
  return db
    .selectFrom('billing_runs as r')
    .leftJoin('compounds as c', 'c.id', 'r.compound_id')
    .select(RUN_COLUMNS)
    .where('r.id', '=', id)
    // A compound's run belongs to the compound's provider, a run over all compounds to its own.
    .where((eb) => inScope(eb, principal, { provider: eb.fn.coalesce('c.provider_id', 'r.provider_id') }))
    .executeTakeFirst();
}

export type RunRow = NonNullable<Awaited<ReturnType<typeof findRun>>>;

export interface RunCompound {
  compoundId: string;
  status: RunCompoundStatus;
  reason: string | null;
}

/** How each compound of a run ended (written with the run's finish). */
export async function insertRunCompounds(db: Executor, runId: string, outcomes: readonly RunCompound[]) {
  if (outcomes.length === 0) return;
  await db
    .insertInto('billing_run_compounds')
    .values(outcomes.map((o) => ({ billing_run_id: runId, compound_id: o.compoundId, status: o.status, reason: o.reason })))
    .execute();
}

/** Each compound of a run with its outcome, by code. */
export async function runCompounds(db: Executor, runId: string) {
  const rows = await db
    .selectFrom('billing_run_compounds as rc')
    .innerJoin('compounds as c', 'c.id', 'rc.compound_id')
    .select(['c.code', 'rc.status', 'rc.reason'])
    .where('rc.billing_run_id', '=', runId)
    .orderBy('c.code')
    .execute();
  return rows.map((r) => ({ compound: r.code, status: r.status, ...(r.reason === null ? {} : { reason: r.reason }) }));
}

/** The accounts a run left unbilled, in household order. */
export async function runExceptions(db: Executor, runId: string) {
  const rows = await db
    .selectFrom('billing_run_exceptions as e')
    .innerJoin('households as h', 'h.id', 'e.household_id')
    .select(['e.account_id', 'e.household_id', 'e.reason'])
    .where('e.billing_run_id', '=', runId)
    .orderBy('h.household_no')
    .orderBy('e.account_id')
    .execute();
  return rows.map((r) => ({ accountId: r.account_id, householdId: r.household_id, reason: r.reason }));
}

/** A run's listed accounts without a reading, in household order. */
export async function runNoReadings(db: Executor, runId: string): Promise<NoReadingAccount[]> {
  const rows = await db
    .selectFrom('billing_run_no_readings as n')
    .innerJoin('households as h', 'h.id', 'n.household_id')
    .select(['n.account_id', 'n.household_id'])
    .where('n.billing_run_id', '=', runId)
    .orderBy('h.household_no')
    .orderBy('n.account_id')
    .execute();
  return rows.map((r) => ({ accountId: r.account_id, householdId: r.household_id }));
}
