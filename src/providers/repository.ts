import type { Executor } from '../db/pool.js';

export async function insertProvider(db: Executor, name: string) {
  return db.insertInto('providers').values({ name }).returning(['id', 'name']).executeTakeFirstOrThrow();
}

export async function findProvider(db: Executor, id: string) {
  return db.selectFrom('providers').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}
