/**
 * One compound's month (SPEC §6): ONE transaction on one pg client. Take the compound's lock and
 * the numbering lock of the compound and month (a second run of the same month waits here, then
 * finds nothing left to bill), check the month may be billed, stream the accounts in household
 * order in chunks, gather each chunk's facts set-wise (facts.ts), compute every invoice with the
 * core (compute.ts), number them gaplessly in household order and write them with the one
 * invoice writer (COPY). An account that cannot be billed is an exception: left unbilled and
 * recorded with the run, while the others commit. Either the whole compound commits or nothing
 * of it does; a crashed run is finished by running the month again. After the commit, credit on
 * the compound's accounts settles their open invoices (payments/credit.ts), in a transaction of
 * its own that every run repeats.
 */
import pg from 'pg';
import { addDays, lateFeeThrough, localDateOf } from '../core/index.js';
import { inTransaction, queryRows, type TransactionClient } from '../db/sql.js';
import { lockCompound, waitWithoutLimit } from '../db/locks.js';
import { CapThresholdEvents } from '../webhooks/cap-thresholds.js';
import type { MonthBilling } from './chunk.js';
import { COMPOUND_ACCOUNT_COUNT_SQL } from './compound.sql.js';
import { billingMonth, loadBillingCompound, type BillingException } from './facts.js';
import { compoundMedianPerM2 } from './estimates.js';
import { commitCompound, finishDryRun, settleCredit } from './finish.js';
import { lateFeesDue } from './late-fees.js';
import { lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import { MonthRefused, refusalOf } from './order.js';
import { billChunks, DEFAULT_CHUNK_SIZE, snapshotReader } from './pipeline.js';
import { noTotals, type RunTotals } from './repository.js';
import type { NoReadingAccount } from './no-readings.js';

export interface CompoundSummary extends RunTotals {
  code: string;
  durationMs: number;
  exceptions: BillingException[];
  /** A dry run: the first accounts counted in noReadingAccounts (NO_READINGS_LISTED). */
  noReadings: NoReadingAccount[];
}

export type BillingProgress =
  | { type: 'compound-start'; code: string; accounts: number }
  | { type: 'compound-progress'; code: string; processed: number }
  | { type: 'compound-done'; code: string; summary: CompoundSummary; dryRun: boolean }
  | { type: 'compound-failed'; code: string; error: string };

export interface CompoundMonthRequest {
  compoundId: string;
  period: string;
  /** The billing_runs row the invoices point to. */
  runId: string | null;
  dryRun: boolean;
  /** Bill accounts without a reading from an estimate (SPEC §9 "Estimated readings"). */
  estimate?: boolean | undefined;
  actor: string;
  /** The run's instant: issuedOn is its local date in the compound's zone. */
  issuedAt: Date;
  chunkSize?: number | undefined;
  onProgress?: ((event: BillingProgress) => void) | undefined;
  /** Called once the first chunk is gathered (locks held, connections in hand): the run may start the next compound. */
  onFirstChunk?: (() => void) | undefined;
  /** Nothing is written before this settles (the previous compound of the run has committed or ended). */
  writeAfter?: Promise<unknown> | undefined;
  /** Called once the compound's invoices are committed, before its credit pass: the next compound may write. */
  onCommitted?: (() => void) | undefined;
}

/**
 * The month opened for billing in the compound's transaction: the locks (a real run), the
 * compound and its month, checked again under the lock (for a run of the month before that was
 * still going), the first invoice number, and the compound's late fees due (SPEC §9: each overdue
 * invoice's fee accrued through the month's last day, not yet billed, goes on the account's
 * invoice of the month).
 */
async function openMonth(tx: TransactionClient, request: CompoundMonthRequest): Promise<MonthBilling> {
  const { compoundId, period, dryRun } = request;
  if (!dryRun) {
    await waitWithoutLimit(tx);
    await lockCompound(tx, compoundId);
    await lockInvoiceNumbering(tx, compoundId, period);
  }
  const compound = await loadBillingCompound(tx, compoundId);
  if (!compound) throw new Error(`compound ${compoundId} does not exist`);
  const month = billingMonth(compound, period);
  const refusal = await refusalOf(tx, month, dryRun, request.issuedAt);
  if (refusal !== null) throw new MonthRefused(refusal);
  const seq = dryRun ? 0 : (await nextInvoiceSeq(tx, compoundId, period)) - 1;
  const issuedOn = localDateOf(request.issuedAt, compound.timeZone);
  const lateFees = month.season
    ? await lateFeesDue(tx, { compoundId, timeZone: compound.timeZone, throughOn: lateFeeThrough(month.nextFirstDay) })
    : new Map<string, never>();
  return {
    request,
    compound,
    month,
    summary: { code: compound.code, ...noTotals(), durationMs: 0, exceptions: [], noReadings: [] },
    seq,
    issuedOn,
    dueOn: addDays(issuedOn, compound.dueDays),
    seasonLabel: month.season?.label ?? '',
    capThresholds: new CapThresholdEvents(compoundId),
    lateFees,
    medianPerM2: request.estimate === true && month.season ? await compoundMedianPerM2(tx, month) : null,
  };
}

/** The compound's accounts (none to bill outside a season), announced as the compound starts. */
async function countAccounts(client: pg.ClientBase, billing: MonthBilling): Promise<number> {
  const [count] = billing.month.season
    ? await queryRows<{ n: number }>(client, COMPOUND_ACCOUNT_COUNT_SQL, [billing.compound.id])
    : [];
  billing.request.onProgress?.({ type: 'compound-start', code: billing.compound.code, accounts: count?.n ?? 0 });
  return count?.n ?? 0;
}

/**
 * Bills one compound's month in one transaction on one client of `pool` (see the file comment).
 * A dry run computes the same figures under no lock and writes nothing but its exceptions.
 */
export async function billCompoundMonth(pool: pg.Pool, request: CompoundMonthRequest): Promise<CompoundSummary> {
  const started = Date.now();
  const client = await pool.connect();
  let broken: unknown;
  let reader: pg.Client | undefined;
  try {
    const tx = await inTransaction(client);
    const billing = await openMonth(tx, request);
    const chunkSize = request.chunkSize ?? DEFAULT_CHUNK_SIZE;
    // More than one chunk: gather facts on a snapshot reader, one chunk ahead of the writes.
    if ((await countAccounts(client, billing)) > chunkSize) reader = await snapshotReader(pool, client);
    await billChunks(billing, client, reader, chunkSize);
    billing.summary.durationMs = Date.now() - started;
    if (request.dryRun) {
      await finishDryRun(client, billing);
      return billing.summary;
    }
    await commitCompound(tx, billing);
    request.onCommitted?.();
    await settleCredit(client, billing);
    return billing.summary;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError;
    }
    throw error;
  } finally {
    reader?.end().catch(() => {});
    client.release(broken instanceof Error ? broken : undefined);
  }
}
