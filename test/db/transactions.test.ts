import type pg from 'pg';
import t from 'tap';
import { audit } from '../../src/audit/audit.js';
import { lockInvoiceNumbering } from '../../src/billing/numbering.js';
import type { Database } from '../../src/db/pool.js';
import { lockAccount, lockCompound, lockHousehold } from '../../src/db/locks.js';
import { inTransaction } from '../../src/db/sql.js';
import { testDatabase } from '../helpers/app.js';

const COMPOUND = '00000000-0000-4000-8000-000000000001';

/**
 * Checked by the type checker, never run: a lock or an audit entry outside a transaction would
 * protect nothing, so the database itself and a raw client before BEGIN are refused.
 */
export function refusedOutsideTransaction(db: Database, client: pg.PoolClient): void {
  // @ts-expect-error the database is not a transaction
  void lockAccount(db, COMPOUND);
  // @ts-expect-error the database is not a transaction
  void lockHousehold(db, COMPOUND);
  // @ts-expect-error a raw client before BEGIN
  void lockCompound(client, COMPOUND);
  // @ts-expect-error a raw client before BEGIN
  void lockInvoiceNumbering(client, COMPOUND, '2025-11');
  // @ts-expect-error the database is not a transaction
  void audit(db, { actor: 'test', action: 'test', entity: 'test' });
}

t.test('inTransaction begins a transaction: its locks are held until it ends, its audit entry goes with it', async (t) => {
  const { db, pool } = await testDatabase(t);
  const client = await pool.connect();
  t.teardown(() => client.release());
  const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
  const advisoryLocks = async () =>
    (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [pid])).rows[0]!.n;

  const tx = await inTransaction(client);
  await lockCompound(tx, COMPOUND);
  await lockInvoiceNumbering(tx, COMPOUND, '2025-11');
  await audit(tx, { actor: 'test', action: 'test.rolled-back', entity: 'test' });
  t.equal(await advisoryLocks(), 2, 'both advisory locks held inside the transaction');
  await client.query('ROLLBACK');
  t.equal(await advisoryLocks(), 0, 'released when it ends');
  t.equal(
    (await db.selectFrom('audit_log').select('id').where('action', '=', 'test.rolled-back').execute()).length,
    0,
    'rolled back with it',
  );

  await db
    .transaction()
    .execute((kyselyTx) => audit(kyselyTx, { actor: 'test', action: 'test.committed', entity: 'test', details: { n: 1 } }));
  const [entry] = await db.selectFrom('audit_log').selectAll().where('action', '=', 'test.committed').execute();
  t.match(
    entry,
    { actor: 'test', entity: 'test', entity_id: null, compound_id: null, details: { n: 1 } },
    'the same writer on a Kysely transaction',
  );
});
