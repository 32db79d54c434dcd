/**
 * A compound's chunks, read one ahead of the writes (SPEC §6): with more than one chunk, the next
 * chunk's facts are gathered and computed on a snapshot reader while this chunk is COPYed on the
 * compound's own client. The order of numbering stays household order: one prepare at a time.
 */
import pg from 'pg';
import { queryCount, queryRows } from '../db/sql.js';
import { prepareChunk, type MonthBilling, type PreparedChunk } from './chunk.js';
import { APPLY_ADJUSTMENTS_SQL } from './compound.sql.js';
import { estimateMissing, trueUpFacts } from './estimates.js';
import { billingFactsChunks } from './facts.js';
import { recordLateFeeCharges } from './late-fees.js';

/** Accounts per chunk: small enough that reading the next chunk overlaps writing this one for most of a compound. */
export const DEFAULT_CHUNK_SIZE = 5_000;

/**
 * A second connection that reads in the compound transaction's snapshot (exported after the
 * locks), so the next chunk's facts are gathered while this chunk is COPYed. Its own connection,
 * outside the pool: it never waits for a pool slot while the compound's locks are held.
 */
export async function snapshotReader(pool: pg.Pool, client: pg.PoolClient): Promise<pg.Client> {
  const [row] = await queryRows<{ snapshot: string }>(client, 'SELECT pg_export_snapshot() AS snapshot');
  const reader = new pg.Client(pool.options);
  try {
    await reader.connect();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await reader.query(`SET TRANSACTION SNAPSHOT ${reader.escapeLiteral(row!.snapshot)}`);
  } catch (error) {
    reader.end().catch(() => {});
    throw error;
  }
  return reader;
}

/** A chunk's invoices, the adjustments they carry and the late fees they charge, in the compound's transaction. */
async function writeChunk(client: pg.ClientBase, compoundId: string, chunk: PreparedChunk): Promise<void> {
  await chunk.copy.write(client);
  if (chunk.adjustmentIds.length > 0) {
    const applied = await queryCount(client, APPLY_ADJUSTMENTS_SQL, [chunk.adjustmentIds, chunk.adjustmentInvoices]);
    if (applied !== chunk.adjustmentIds.length) throw new Error('pending adjustments changed during the run');
  }
  await recordLateFeeCharges(client, compoundId, chunk.lateFees);
}

/**
 * Every chunk of the month prepared and (unless a dry run) written on `client`; facts are read on
 * `reader` when there is one, else on `client` between writes (one connection, one query at a time).
 */
export async function billChunks(
  billing: MonthBilling,
  client: pg.ClientBase,
  reader: pg.Client | undefined,
  chunkSize: number,
): Promise<void> {
  const { request, compound, month } = billing;
  const chunks = billingFactsChunks(reader ?? client, month, chunkSize)[Symbol.asyncIterator]();
  const prepare = async (): Promise<PreparedChunk | null> => {
    const result = await chunks.next();
    if (result.done) return null;
    if (request.estimate === true) await estimateMissing(reader ?? client, month, billing.medianPerM2, result.value);
    await trueUpFacts(reader ?? client, month, result.value);
    return prepareChunk(billing, result.value);
  };
  const ahead = () => {
    const promise = prepare();
    promise.catch(() => {}); // awaited below; a failure while the current chunk is written must not go unhandled
    return promise;
  };
  let processed = 0;
  let next = ahead();
  let first = true;
  for (;;) {
    const chunk = await next;
    if (first) {
      first = false;
      request.onFirstChunk?.();
      await request.writeAfter;
    }
    if (chunk === null) break;
    // On the reader the next chunk is read and computed now, while this one is COPYed.
    if (reader) next = ahead();
    if (!request.dryRun) await writeChunk(client, compound.id, chunk);
    processed += chunk.accounts;
    request.onProgress?.({ type: 'compound-progress', code: compound.code, processed });
    if (!reader) next = ahead();
  }
}
