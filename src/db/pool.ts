import pg from 'pg';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import type { DB } from './types.js';

export type Database = Kysely<DB>;
/** Anything that can run a query: the database or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

const INT8_OID = 20;
const DATE_OID = 1082;

/** int8 arrives as a JS number, refused when it would lose precision (money is integer fen). */
export function safeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer ${text} exceeds the safe range`);
  return value;
}

// Set once per process: the conversions described in ./types.ts.
pg.types.setTypeParser(INT8_OID, safeInteger);
// A date is a local calendar date: keep the text, never shift it through a JS Date.
pg.types.setTypeParser(DATE_OID, (text: string) => text);

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
}

/**
 * How long a statement waits for a lock before it gives up with 55P03, which the API answers 409
 * (db/locks.ts): a writer that finds its compound held by the monthly batch says so instead of
 * holding a connection for the whole batch. The batch itself waits without limit.
 */
export const LOCK_WAIT_MS = 10_000;

export function createDatabase(connectionString: string, options: { max?: number; lockWaitMs?: number } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    options: `-c lock_timeout=${options.lockWaitMs ?? LOCK_WAIT_MS}`,
    // Fail fast instead of hanging when the server is unreachable.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // A checked-out client's connection error is answered by the query that uses it, not thrown as an event.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}
