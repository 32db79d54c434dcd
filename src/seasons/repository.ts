import type { Insertable, Transaction } from 'kysely';
import type { Executor } from '../db/pool.js';
import type { DB, SeasonsTable } from '../db/types.js';

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

/** A season's own figures, as the PUT writes them. */
export type SeasonValues = Omit<Insertable<SeasonsTable>, 'compound_id' | 'label' | 'updated_at'>;

export async function insertSeason(db: Executor, compoundId: string, label: string, values: SeasonValues) {
  return db.insertInto('seasons').values({ compound_id: compoundId, label, ...values }).returningAll().executeTakeFirstOrThrow();
}

export async function updateSeason(db: Executor, compoundId: string, label: string, values: SeasonValues) {
  return db
    .updateTable('seasons')
    .set({ ...values, updated_at: new Date() })
    .where('compound_id', '=', compoundId)
    .where('label', '=', label)
    .returningAll()
    .executeTakeFirstOrThrow();
}
