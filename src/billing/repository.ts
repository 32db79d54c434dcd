/** Billing run records and the compounds a run covers (Kysely; scope enforced in the queries). */
import type { Executor } from '../db/pool.js';
import type { Principal } from '../auth/principal.js';

export interface RunTotals {
  accountsBilled: number;
  invoicesIssued: number;
  totalFen: number;
  cappedAccounts: number;
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

export async function insertRun(
  db: Executor,
  run: { period: string; compoundId: string | null; providerId: string | null; dryRun: boolean; startedBy: string; startedAt: Date },
) {
  return db
    .insertInto('billing_runs')
    .values({
      period: run.period,
      compound_id: run.compoundId,
      provider_id: run.providerId,
      dry_run: run.dryRun,
      started_by: run.startedBy,
      started_at: run.startedAt,
      error: null,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function finishRun(db: Executor, id: string, outcome: RunTotals & { status: 'succeeded' | 'failed'; error: string | null }) {
  await db
    .updateTable('billing_runs')
    .set({
      status: outcome.status,
      accounts_billed: outcome.accountsBilled,
      invoices_issued: outcome.invoicesIssued,
      total_fen: outcome.totalFen,
      capped_accounts: outcome.cappedAccounts,
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
  'r.status',
  'r.started_by',
  'r.accounts_billed',
  'r.invoices_issued',
  'r.total_fen',
  'r.capped_accounts',
  'r.error',
  'r.started_at',
  'r.finished_at',
  'c.code as compound_code',
] as const;

export async function findRun(db: Executor, id: string) {
  return db.selectFrom('billing_runs as r').leftJoin('compounds as c', 'c.id', 'r.compound_id').select(RUN_COLUMNS).where('r.id', '=', id).executeTakeFirst();
}

/** A run the caller may see: admin any; operator the runs of its provider (its compounds or all of them). */
export async function findRunInScope(db: Executor, id: string, principal: Principal) {
  if (principal.role === 'resident') return undefined;
  return db
    .selectFrom('billing_runs as r')
    .leftJoin('compounds as c', 'c.id', 'r.compound_id')
    .select(RUN_COLUMNS)
    .where('r.id', '=', id)
    .$if(principal.role === 'operator', (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('c.provider_id', '=', (principal as { providerId: string }).providerId),
          eb.and([eb('r.compound_id', 'is', null), eb('r.provider_id', '=', (principal as { providerId: string }).providerId)]),
        ]),
      ),
    )
    .executeTakeFirst();
}

export type RunRow = NonNullable<Awaited<ReturnType<typeof findRun>>>;
