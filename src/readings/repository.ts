import { sql, type ExpressionBuilder } from 'kysely';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import type { DB } from '../db/types.js';

/** A bound of `from`/`to`: an instant, or a wall-clock time read in each reading's compound zone (SPEC §2). */
export type InstantBound = { at: Date } | { local: string };

export interface ReadingFilters {
  compound?: string | undefined;
  householdId?: string | undefined;
  meterSerial?: string | undefined;
  /** inclusive */
  from?: InstantBound | undefined;
  /** exclusive */
  to?: InstantBound | undefined;
}

/** The list's sort key, also its cursor: (readAt as an ISO instant, id). */
export type ReadingCursor = [string, number];

type From = ExpressionBuilder<DB & { r: DB['readings']; m: DB['meters']; c: DB['compounds'] }, 'r' | 'm' | 'c'>;

/** An instant bound as SQL: a local time is read in the compound's zone. */
function boundSql(bound: InstantBound) {
  return 'at' in bound ? sql<Date>`${bound.at}::timestamptz` : sql<Date>`(${bound.local}::timestamp AT TIME ZONE c.time_zone)`;
}

/**
 * A page of readings the caller may see (limit + 1 rows), in time order then id. Scope is in the
 * query: operators their provider's compounds, residents the meters of their own account's
 * household, admins all. `corrected_from` is the value before the reading's first correction,
 * read from the audit log (PATCH /v1/readings/{id} records `oldValue` there), or null.
 */
export async function listReadingsInScope(
  db: Executor,
  principal: Principal,
  filters: ReadingFilters,
  after: ReadingCursor | undefined,
  limit: number,
) {
  let query = db
    .selectFrom('readings as r')
    .innerJoin('meters as m', 'm.id', 'r.meter_id')
    .innerJoin('compounds as c', 'c.id', 'r.compound_id')
    .select([
      'r.id',
      'r.read_at',
      'r.value',
      'r.source',
      'm.serial',
      'm.household_id',
      'c.code as compound_code',
      'c.time_zone',
      (eb) =>
        eb
          .selectFrom('audit_log as a')
          .select(sql<string>`a.details ->> 'oldValue'`.as('old_value'))
          .where('a.entity', '=', 'reading')
          .where('a.entity_id', '=', sql<string>`r.id::text`)
          .where('a.action', '=', 'reading.correct')
          .orderBy('a.id')
          .limit(1)
          .as('corrected_from'),
    ]);
  query = query.where((eb) => inScope(eb, principal, { provider: 'c.provider_id', household: 'm.household_id' }));
  if (filters.compound !== undefined) query = query.where('c.code', '=', filters.compound);
  if (filters.householdId !== undefined) query = query.where('m.household_id', '=', filters.householdId);
  if (filters.meterSerial !== undefined) query = query.where('m.serial', '=', filters.meterSerial);
  const { from, to } = filters;
  if (from !== undefined) query = query.where((eb: From) => eb('r.read_at', '>=', boundSql(from)));
  if (to !== undefined) query = query.where((eb: From) => eb('r.read_at', '<', boundSql(to)));
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('r.read_at', 'r.id'), '>', eb.tuple(new Date(after[0]), after[1])));
  }
  return query
    .orderBy('r.read_at')
    .orderBy('r.id')
    .limit(limit + 1)
    .execute();
}

/**
 * The meter's nearest readings around an instant: the latest before it and the first after it. A
 * reading at the instant itself counts as before when `atCountsAsBefore` (an opening "at or before",
 * SPEC §5), and as neither otherwise (a correction or a closing reading compares with the others).
 */
export async function neighbourReadings(db: Executor, meterId: string, at: Date, atCountsAsBefore = false) {
  const reading = () => db.selectFrom('readings').select(['id', 'read_at', 'value']).where('meter_id', '=', meterId);
  const [previous, next] = await Promise.all([
    reading().where('read_at', atCountsAsBefore ? '<=' : '<', at).orderBy('read_at', 'desc').limit(1).executeTakeFirst(),
    reading().where('read_at', '>', at).orderBy('read_at', 'asc').limit(1).executeTakeFirst(),
  ]);
  return { previous, next };
}
