/**
 * The one lock order of every writer (SPEC §6 "No deadlock, no 5xx under contention"). A writer
 * takes only the locks it needs, always in this order, each inside its transaction:
 *
 *   1. its compound            lockCompound / lockStagedCompounds   advisory, per compound
 *   2. a compound month        lockInvoiceNumbering (billing/numbering.ts)   advisory
 *   3. households              lockHousehold     FOR NO KEY UPDATE
 *   4. accounts                lockAccount, and payments/credit.ts (by id)   FOR NO KEY UPDATE
 *   5. readings, invoices, then payments (payments/credit.ts)     FOR NO KEY UPDATE / FOR UPDATE
 *
 * Who takes the compound's lock: the monthly batch (for the whole compound's transaction), reading
 * imports, meter installs and replacements, account openings and move-outs, corrections, voids and
 * season changes. Payments and credit take no compound lock: they start at step 4.
 *
 * Rows are locked FOR NO KEY UPDATE, not FOR UPDATE: the batch's COPY of invoices takes KEY SHARE
 * locks on the households and accounts it references, which FOR UPDATE would wait for (and hold
 * up) while FOR NO KEY UPDATE does not conflict with them.
 *
 * Waits are bounded: the application's connections run with `lock_timeout` (db/pool.ts), so a
 * writer that finds its compound busy (a batch billing it) gives up after that long and answers
 * 409 with the reason (http/error-handler.ts), never 500. The batch itself waits as long as it takes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction } from 'kysely';
import type { Database } from './pool.js';
import { queryRows, type InTransaction, type TransactionClient } from './sql.js';
import type { DB } from './types.js';

/** The advisory lock key text of a compound's writers (hashed by PostgreSQL's hashtext). */
function compoundKey(compoundId: string): string {
  return `compound:${compoundId}`;
}

/** Step 1: the compound, until the end of the transaction. */
export async function lockCompound(tx: InTransaction, compoundId: string): Promise<void> {
  await queryRows(tx, 'SELECT pg_advisory_xact_lock(hashtext($1::text))', [compoundKey(compoundId)]);
}

/** Step 1 for every compound of a staged import (temp table reading_batch), in compound order. */
const LOCK_STAGED_COMPOUNDS_SQL = `
SELECT pg_advisory_xact_lock(hashtext('compound:' || s.compound_id::text))
  FROM (SELECT DISTINCT compound_id FROM reading_batch WHERE compound_id IS NOT NULL ORDER BY 1) s`;

export async function lockStagedCompounds(tx: TransactionClient): Promise<void> {
  await queryRows(tx, LOCK_STAGED_COMPOUNDS_SQL);
}

/** Step 3: a household row (its meters and accounts change under it). */
export async function lockHousehold(tx: Transaction<DB>, householdId: string): Promise<void> {
  await tx.selectFrom('households').select('id').where('id', '=', householdId).forNoKeyUpdate().execute();
}

/** Step 4: an account row, returned (undefined: no such account). */
export async function lockAccount(tx: Transaction<DB>, accountId: string) {
  return tx.selectFrom('accounts').selectAll().where('id', '=', accountId).forNoKeyUpdate().executeTakeFirst();
}

/** For the batch, which runs on its own: wait for the compound's lock as long as it takes. */
export async function waitWithoutLimit(tx: InTransaction): Promise<void> {
  await queryRows(tx, 'SET LOCAL lock_timeout = 0');
}

/** SQLSTATEs of a lock wait that gave up (55P03) or lost a deadlock or serialization race. */
export const LOCK_NOT_AVAILABLE = '55P03';
export const RETRYABLE = new Set(['40P01', '40001']);

/** The SQLSTATE of a database error, wherever the driver or Kysely put it. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A writer's transaction. The lock order above is the fix for deadlocks; this is only the safety
 * net the SPEC allows: a transaction that PostgreSQL chose as a deadlock victim or that lost a
 * serialization race is run again, twice at most, after a short random pause.
 */
export async function writeTransaction<T>(db: Database, work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= 3 || state === undefined || !RETRYABLE.has(state)) throw error;
      await sleep(20 + Math.floor(Math.random() * 80 * attempt));
    }
  }
}
