/**
 * One way to run a constant, parameterised SQL text on either a raw pg client (the batch's
 * COPY-capable connection) or a Kysely executor (corrections, statements, payments credit).
 * The text is always a constant of the calling module; values are bound parameters, never spliced in.
 */
import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Executor } from './pool.js';

export type Queryable = Executor | pg.ClientBase;

function isKysely(q: Queryable): q is Executor {
  return typeof (q as { selectFrom?: unknown }).selectFrom === 'function';
}

export async function queryRows<T>(q: Queryable, text: string, params: readonly unknown[] = []): Promise<T[]> {
  if (isKysely(q)) return (await q.executeQuery<T>(CompiledQuery.raw(text, [...params]))).rows as T[];
  return (await q.query(text, params as unknown[])).rows as T[];
}

export async function queryCount(q: Queryable, text: string, params: readonly unknown[] = []): Promise<number> {
  if (isKysely(q)) return Number((await q.executeQuery(CompiledQuery.raw(text, [...params]))).numAffectedRows ?? 0n);
  return (await q.query(text, params as unknown[])).rowCount ?? 0;
}
