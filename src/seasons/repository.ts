import type { Executor } from '../db/pool.js';

export async function listSeasons(db: Executor, compoundId: string) {
  return db.selectFrom('seasons').selectAll().where('compound_id', '=', compoundId).orderBy('label').execute();
}

export async function findSeason(db: Executor, compoundId: string, label: string, forUpdate = false) {
  return db
    .selectFrom('seasons')
    .selectAll()
    .where('compound_id', '=', compoundId)
    .where('label', '=', label)
    .$if(forUpdate, (qb) => qb.forUpdate())
    .executeTakeFirst();
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
