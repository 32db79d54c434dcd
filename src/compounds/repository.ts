import type { Executor } from '../db/pool.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

const COLUMNS = [
  'compounds.id',
  'compounds.code',
  'compounds.name',
  'compounds.district',
  'compounds.provider_id',
  'compounds.time_zone',
  'compounds.due_days',
] as const;

/** A compound the caller may see (admin: any; operator: its provider's; resident: none). */
export async function findCompoundInScope(db: Executor, code: string, principal: Principal) {
  return db
    .selectFrom('compounds')
    .select(COLUMNS)
    .where('compounds.code', '=', code)
    .where((eb) => inScope(eb, principal, { provider: 'compounds.provider_id' }))
    .executeTakeFirst();
}

/** The compound's time zone (its local days and instants are read in it). */
export async function compoundZone(db: Executor, compoundId: string): Promise<string> {
  const row = await db.selectFrom('compounds').select('time_zone').where('id', '=', compoundId).executeTakeFirstOrThrow();
  return row.time_zone;
}

export async function listCompoundsInScope(db: Executor, principal: Principal, after: string | undefined, limit: number) {
  return db
    .selectFrom('compounds')
    .select(COLUMNS)
    .where((eb) => inScope(eb, principal, { provider: 'compounds.provider_id' }))
    .$if(after !== undefined, (qb) => qb.where('compounds.code', '>', after!))
    .orderBy('compounds.code')
    .limit(limit + 1)
    .execute();
}

export async function insertCompound(
  db: Executor,
  compound: {
    code: string;
    name: string;
    district: string;
    providerId: string;
    timeZone?: string | undefined;
    dueDays?: number | undefined;
  },
) {
  return db
    .insertInto('compounds')
    .values({
      code: compound.code,
      name: compound.name,
      district: compound.district,
      provider_id: compound.providerId,
      ...(compound.timeZone ? { time_zone: compound.timeZone } : {}),
      ...(compound.dueDays !== undefined ? { due_days: compound.dueDays } : {}),
    })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
}
