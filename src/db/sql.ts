/**
 * One way to run a constant, parameterised SQL text on a raw pg client or pool (the batch's
 * COPY-capable connection, named statements of the read paths) or a Kysely executor
 * (corrections, payments credit). The text is always a constant of the calling module; values are
 * bound parameters, never spliced in.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Executor } from './pool.js';
import type { DB } from './types.js';

/** Anything that can run a query: the database, an open transaction, the pg pool or one of its clients. */
export type Queryable = Executor | pg.Pool | pg.ClientBase;

declare const inTransactionBrand: unique symbol;
/** A raw pg client between BEGIN and its end, as only `inTransaction` hands it out. */
export type TransactionClient = pg.ClientBase & { readonly [inTransactionBrand]: true };

/**
 * What a lock (advisory xact lock, FOR UPDATE) needs: outside a transaction it would be released at
 * once and protect nothing. A Kysely transaction, or a raw pg client inside BEGIN.
 */
export type InTransaction = Transaction<DB> | TransactionClient;

/**
 * Starts a transaction on a raw pg client (`BEGIN`, or the given BEGIN … text) and returns the
 * client typed as inside it. The caller ends it with COMMIT or ROLLBACK on the same client.
 */
export async function inTransaction(client: pg.ClientBase, begin = 'BEGIN'): Promise<TransactionClient> {
  await client.query(begin);
  return client as TransactionClient;
}

/** A statement with a name: pg prepares it once per connection (Kysely runs its text unnamed). */
export interface NamedStatement {
  name: string;
  text: string;
}

function isKysely(q: Queryable): q is Executor {
  return typeof (q as { selectFrom?: unknown }).selectFrom === 'function';
}

function textOf(statement: string | NamedStatement): string {
  return typeof statement === 'string' ? statement : statement.text;
}

async function pgQuery<T extends pg.QueryResultRow>(
  q: pg.Pool | pg.ClientBase,
  statement: string | NamedStatement,
  params: readonly unknown[],
) {
  if (typeof statement === 'string') return q.query<T>(statement, params as unknown[]);
  return q.query<T>({ name: statement.name, text: statement.text, values: params as unknown[] });
}

export async function queryRows<T>(q: Queryable, statement: string | NamedStatement, params: readonly unknown[] = []): Promise<T[]> {
  if (isKysely(q)) return (await q.executeQuery<T>(CompiledQuery.raw(textOf(statement), [...params]))).rows as T[];
  return (await pgQuery(q, statement, params)).rows as T[];
}

export async function queryCount(q: Queryable, statement: string | NamedStatement, params: readonly unknown[] = []): Promise<number> {
  if (isKysely(q)) return Number((await q.executeQuery(CompiledQuery.raw(textOf(statement), [...params]))).numAffectedRows ?? 0n);
  return (await pgQuery(q, statement, params)).rowCount ?? 0;
}
