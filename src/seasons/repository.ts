import type { Transaction } from 'kysely';
import type { Executor } from '../db/pool.js';
import type { DB } from '../db/types.js';

export async function listSeasons(db: Executor, compoundId: string) {
  return db.selectFrom('seasons').selectAll().where('compound_id', '=', compoundId).orderBy('label').execute();
}

function seasonQuery(db: Executor, compoundId: string, label: string) {
  return db.selectFrom('seasons').selectAll().where('compound_id', '=', compoundId).where('label', '=', label);
}

export async function findSeason(db: Executor, compoundId: string, label: string) {
  return seasonQuery(db, compoundId, label).executeTakeFirst();
}

/** The season row, locked for the rest of the transaction. */
export async function findSeasonForUpdate(tx: Transaction<DB>, compoundId: string, label: string) {
  return seasonQuery(tx, compoundId, label).forUpdate().executeTakeFirst();
}

export async function seasonHasInvoices(db: Executor, compoundId: string, label: string): Promise<boolean> {
  const row = await db
    .selectFrom('invoices')
    .select('id')
    .where('compound_id', '=', compoundId)
    .where('season_label', '=', label)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
