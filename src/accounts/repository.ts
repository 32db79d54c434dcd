import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/pool.js';
import type { DB, Plan } from '../db/types.js';

/** The account row, locked for the rest of the transaction (undefined: no such account). */
export async function lockAccount(tx: Transaction<DB>, accountId: string) {
  return tx.selectFrom('accounts').selectAll().where('id', '=', accountId).forUpdate().executeTakeFirst();
}

export async function listAccounts(db: Executor, householdId: string) {
  return db.selectFrom('accounts').selectAll().where('household_id', '=', householdId).orderBy('opened_on').execute();
}

export async function listPlans(db: Executor, accountIds: string[]) {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('account_plans')
    .select(['account_id', 'season_label', 'plan'])
    .where('account_id', 'in', accountIds)
    .orderBy('season_label')
    .execute();
}

export async function insertAccount(
  db: Executor,
  row: {
    compoundId: string;
    householdId: string;
    holderName: string;
    phone: string | null;
    openedOn: string;
    openingReading: string | null;
  },
) {
  return db
    .insertInto('accounts')
    .values({
      compound_id: row.compoundId,
      household_id: row.householdId,
      holder_name: row.holderName,
      phone: row.phone,
      opened_on: row.openedOn,
      opening_reading: row.openingReading,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function upsertPlan(db: Executor, row: { accountId: string; compoundId: string; season: string; plan: Plan }) {
  await db
    .insertInto('account_plans')
    .values({ account_id: row.accountId, compound_id: row.compoundId, season_label: row.season, plan: row.plan })
    .onConflict((oc) => oc.columns(['account_id', 'season_label']).doUpdateSet({ plan: row.plan, updated_at: sql`now()` }))
    .execute();
}
