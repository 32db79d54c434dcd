/**
 * The billing bench's two floors (bench/billing.ts): the batch's own rows of a month exported to
 * files, then COPYed back into the same tables (like-for-like, rolled back) or into tables of the
 * same columns with only primary keys (raw, committed); and with --split-floor, what each foreign
 * key and index costs that COPY.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { INVOICE_TABLES } from '../src/invoices/writer.js';

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * COPY TO files of the month's invoice, line and interval rows, re-keyed so that they fit beside
 * the originals (another period, ledger slot, number and ids).
 */
export async function exportBatchRows(pool: pg.Pool, dir: string, month: string): Promise<{ paths: string[]; intervals: number }> {
  const period = pg.escapeLiteral(month);
  const rekeyed: Record<string, string> = {
    id: 'md5(i.id::text)::uuid',
    invoice_id: 'md5(i.id::text)::uuid',
    period: pg.escapeLiteral('2026-02'),
    account_seq: 'i.account_seq + 1000',
    number: "'FLOOR-' || i.number",
  };
  const paths: string[] = [];
  const client = await pool.connect();
  try {
    for (const table of INVOICE_TABLES) {
      const alias = table.name === 'invoices' ? 'i' : 'r';
      const select = table.columns.map((c) => rekeyed[c] ?? `${alias}.${c}`).join(', ');
      const from = table.name === 'invoices' ? 'invoices i' : `${table.name} r JOIN invoices i ON i.id = r.invoice_id`;
      const order = table.name === 'invoices' ? 'i.compound_id, i.seq' : `i.compound_id, i.seq, r.${table.columns[1]}`;
      const file = path.join(dir, `${table.name}.copy`);
      await pipeline(
        client.query(copyTo(`COPY (SELECT ${select} FROM ${from} WHERE i.period = ${period} ORDER BY ${order}) TO STDOUT`)),
        createWriteStream(file),
      );
      paths.push(file);
    }
    const [row] = (
      await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM invoice_intervals r JOIN invoices i ON i.id = r.invoice_id WHERE i.period = $1',
        [month],
      )
    ).rows;
    return { paths, intervals: row?.n ?? 0 };
  } finally {
    client.release();
  }
}

/** Tables of the same columns as the writer's, each with only its primary key. */
export async function createRawTables(pool: pg.Pool): Promise<void> {
  for (const table of INVOICE_TABLES) {
    const key = table.name === 'invoices' ? 'id' : `invoice_id, ${table.columns[1]}`;
    await pool.query(`CREATE TABLE raw_${table.name} (LIKE ${table.name} INCLUDING DEFAULTS, PRIMARY KEY (${key}))`);
  }
}

/** One transaction: the files COPYed into `${prefix}<table>` in the writer's table order, then `end`; the time of both. */
export async function timedCopy(
  pool: pg.Pool,
  prefix: string,
  files: readonly string[],
  end: 'COMMIT' | 'ROLLBACK',
  before: readonly string[] = [],
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const statement of before) await client.query(statement);
    const started = Date.now();
    for (const [t, table] of INVOICE_TABLES.entries()) {
      await pipeline(
        createReadStream(files[t]!, { highWaterMark: 262_144 }),
        client.query(copyFrom(`COPY ${prefix}${table.name} (${table.columns.join(', ')}) FROM STDIN`)),
      );
    }
    await client.query(end);
    return Date.now() - started;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The like-for-like floor without each foreign key and each secondary index of the writer's
 * tables in turn (dropped inside the rolled-back transaction), then without all of them. A
 * rolled-back COPY leaves dead rows and index entries behind, so the tables are vacuumed before
 * every COPY, and the floor with everything in place is timed again first and last.
 */
export async function splitFloor(pool: pg.Pool, files: readonly string[], log: (message: string) => void): Promise<void> {
  const tables = INVOICE_TABLES.map((t) => pg.escapeLiteral(t.name)).join(', ');
  const { rows } = await pool.query<{ tbl: string; name: string; what: string; drop: string }>(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS what,
            format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop
     FROM pg_constraint c
     WHERE c.conrelid::regclass::text IN (${tables}) AND c.contype IN ('f', 'u')
     UNION ALL
     SELECT i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid), format('DROP INDEX %I', x.relname)
     FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
     WHERE i.indrelid::regclass::text IN (${tables}) AND NOT i.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
     ORDER BY 1, 2`,
  );
  const copy = async (drops: readonly string[]) => {
    await pool.query(`VACUUM ${INVOICE_TABLES.map((t) => t.name).join(', ')}`);
    return timedCopy(pool, '', files, 'ROLLBACK', drops);
  };
  const first = await copy([]);
  const foreignKeys = rows.filter((r) => r.what.startsWith('FOREIGN KEY')).map((r) => r.drop);
  const indexes = rows.filter((r) => !r.what.startsWith('FOREIGN KEY')).map((r) => r.drop);
  const variants: Array<[string, readonly string[]]> = [
    ...rows.map((r): [string, readonly string[]] => [`${r.tbl}.${r.name}: ${r.what}`, [r.drop]]),
    ['all foreign keys', foreignKeys],
    ['all secondary indexes and unique constraints', indexes],
    ['both', [...foreignKeys, ...indexes]],
  ];
  const times: Array<[string, number]> = [];
  for (const [label, drops] of variants) times.push([label, await copy(drops)]);
  const last = await copy([]);
  const base = (first + last) / 2;
  log(`like-for-like floor, vacuumed before each COPY: ${seconds(first)} s first, ${seconds(last)} s last; without one thing at a time:`);
  for (const [label, ms] of times) log(`  ${seconds(base - ms).padStart(6)} s saved  ${seconds(ms)} s without ${label}`);
}
