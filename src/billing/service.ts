/**
 * The monthly batch (SPEC §6, issue 5): every invoice of a month, exactly once.
 *
 * One run covers one compound or all compounds of a provider (or all). Each compound's month is
 * ONE transaction on one pg client: take the compound's reading lock and the numbering lock of
 * the compound and month (a second run of the same month waits here, then finds nothing left
 * to bill), stream the accounts due in household order in chunks, gather each chunk's facts
 * set-wise (facts.ts), compute every invoice with the core in TypeScript (compute.ts), number
 * them gaplessly in household order and COPY invoices and lines straight into their tables.
 * Either the whole compound commits or nothing of it does; a crashed run is finished by running
 * the month again (already billed accounts are not due any more). After the commit, credit on
 * the compound's accounts settles their open invoices (payments/credit.ts), in a transaction of
 * its own that every run repeats.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { audit } from '../audit/audit.js';
import { addDays, localDateOf } from '../core/index.js';
import type { Database } from '../db/pool.js';
import { notFound } from '../http/problem.js';
import { applyCompoundCredit } from '../payments/credit.js';
import { computeAccountInvoice } from './compute.js';
import { billingFactsChunks, billingMonth, loadBillingCompound } from './facts.js';
import { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import { lockCompoundReadings } from '../readings/lock.js';
import {
  findCompoundForRun,
  findRun,
  finishRun,
  insertRun,
  listCompoundsForRun,
  sweepInterruptedRuns,
  type RunRow,
  type RunTotals,
} from './repository.js';
import { inTransaction, queryCount, queryRows, type TransactionClient } from '../db/sql.js';

export interface CompoundSummary extends RunTotals {
  code: string;
  durationMs: number;
}

export type BillingProgress =
  | { type: 'compound-start'; code: string; accounts: number }
  | { type: 'compound-progress'; code: string; processed: number }
  | { type: 'compound-done'; code: string; summary: CompoundSummary; dryRun: boolean }
  | { type: 'compound-failed'; code: string; error: string };

export interface BillingRunRequest {
  period: string;
  /** One compound by code; absent: every compound of `providerId` (all when undefined). */
  compound?: string | undefined;
  dryRun?: boolean | undefined;
  /** Who started it: request.principal.actor, 'cli' or 'schedule'. */
  actor: string;
  /** Operator scope: only this provider's compounds (a foreign compound is 404). */
  providerId?: string | undefined;
  chunkSize?: number | undefined;
  onProgress?: ((event: BillingProgress) => void) | undefined;
  /** Called once the run is recorded (status running), before any compound is billed. */
  onStarted?: ((runId: string) => void) | undefined;
}

export interface BillingRunOut {
  id: string;
  period: string;
  compound: string | null;
  status: 'running' | 'succeeded' | 'failed';
  dryRun: boolean;
  accountsBilled: number;
  invoicesIssued: number;
  totalFen: number;
  cappedAccounts: number;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export function runOut(row: RunRow): BillingRunOut {
  return {
    id: row.id,
    period: row.period,
    compound: row.compound_code,
    status: row.status,
    dryRun: row.dry_run,
    accountsBilled: row.accounts_billed,
    invoicesIssued: row.invoices_issued,
    totalFen: row.total_fen,
    cappedAccounts: row.capped_accounts,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    error: row.error,
  };
}

export interface BillingHandle {
  db: Database;
  pool: pg.Pool;
}

/** Runs the batch for a period and returns the finished run record. Unknown/foreign compound: 404. */
export async function runBilling(handle: BillingHandle, request: BillingRunRequest): Promise<BillingRunOut> {
  const { db } = handle;
  const dryRun = request.dryRun ?? false;
  let compounds;
  let compoundId: string | null = null;
  let providerId: string | null = request.providerId ?? null;
  if (request.compound !== undefined) {
    const compound = await findCompoundForRun(db, request.compound, request.providerId);
    if (!compound) throw notFound('Compound');
    compounds = [compound];
    compoundId = compound.id;
    providerId = compound.provider_id;
  } else {
    compounds = await listCompoundsForRun(db, request.providerId);
  }
  // Runs whose process died part-way are recorded as such before this one starts.
  await sweepInterruptedRuns(db);
  const startedAt = new Date();
  // The run's session: checked out until the run is recorded finished, so a `running` run whose
  // session is gone was interrupted (repository.ts sweepInterruptedRuns).
  const session = await handle.pool.connect();
  let finished = false;
  try {
    const run = await insertRun(session, { period: request.period, compoundId, providerId, dryRun, startedBy: request.actor, startedAt });
    request.onStarted?.(run.id);
    const out = await billRun(handle, request, run.id, compounds, compoundId, startedAt);
    finished = true;
    return out;
  } finally {
    // Unfinished (the record could not be written): drop the session so the run reads as interrupted.
    session.release(finished ? undefined : true);
  }
}

async function billRun(
  handle: BillingHandle,
  request: BillingRunRequest,
  runId: string,
  compounds: ReadonlyArray<{ id: string; code: string }>,
  compoundId: string | null,
  startedAt: Date,
): Promise<BillingRunOut> {
  const { db } = handle;
  const dryRun = request.dryRun ?? false;
  const run = { id: runId };

  const totals: RunTotals = { accountsBilled: 0, invoicesIssued: 0, totalFen: 0, cappedAccounts: 0 };
  // Compounds in a pipeline of two: the next compound starts (its own transaction and locks) once
  // this one has gathered its first chunk, gathers its own first chunk while this one writes, and
  // writes only after this one has committed or failed. Commits stay in compound order; exactly
  // one compound at most waits ahead, and it holds every connection it needs before a
  // lock-holder waits on it (no pool deadlock).
  const errorsBy: Array<string | undefined> = new Array(compounds.length);
  const tasks: Array<Promise<void>> = [];
  let previousEnded: Promise<void> = Promise.resolve();
  for (const [index, compound] of compounds.entries()) {
    // Two compounds in flight at most: each holds a pool connection until it commits, and a third
    // waiting on the pool while the first writes would time out on a large compound.
    if (index >= 2) await tasks[index - 2];
    let firstChunk!: () => void;
    const ready = new Promise<void>((resolve) => (firstChunk = resolve));
    const task = billCompoundMonth(handle.pool, {
      compoundId: compound.id,
      period: request.period,
      runId: run.id,
      dryRun,
      actor: request.actor,
      issuedAt: startedAt,
      chunkSize: request.chunkSize,
      onProgress: request.onProgress,
      onFirstChunk: firstChunk,
      writeAfter: previousEnded,
    }).then(
      (summary) => {
        totals.accountsBilled += summary.accountsBilled;
        totals.invoicesIssued += summary.invoicesIssued;
        totals.totalFen += summary.totalFen;
        totals.cappedAccounts += summary.cappedAccounts;
        request.onProgress?.({ type: 'compound-done', code: compound.code, summary, dryRun });
      },
      (error: unknown) => {
        const message = `${compound.code}: ${error instanceof Error ? error.message : String(error)}`;
        errorsBy[index] = message;
        request.onProgress?.({ type: 'compound-failed', code: compound.code, error: message });
      },
    );
    tasks.push(task);
    // Every earlier compound, not just the last: one that failed early does not let a later one overtake.
    previousEnded = Promise.all([previousEnded, task]).then(() => {});
    await Promise.race([ready, task]);
  }
  await Promise.all(tasks);
  const errors = errorsBy.filter((e): e is string => e !== undefined);
  const status = errors.length === 0 ? 'succeeded' : 'failed';
  await db.transaction().execute(async (tx) => {
    await finishRun(tx, run.id, { ...totals, status, error: errors.length === 0 ? null : errors.join('; ') });
    await audit(tx, {
      actor: request.actor,
      action: dryRun ? 'billing-run.dry-run' : 'billing-run.finish',
      entity: 'billing_run',
      entityId: run.id,
      compoundId,
      details: { period: request.period, compound: request.compound ?? null, status, ...totals, errors },
    });
  });
  return runOut((await findRun(db, run.id))!);
}

export interface CompoundMonthRequest {
  compoundId: string;
  period: string;
  /** The billing_runs row the invoices point to. */
  runId: string | null;
  dryRun: boolean;
  actor: string;
  /** The run's instant: issuedOn is its local date in the compound's zone. */
  issuedAt: Date;
  chunkSize?: number | undefined;
  onProgress?: ((event: BillingProgress) => void) | undefined;
  /** Called once the first chunk is gathered (locks held, connections in hand): the run may start the next compound. */
  onFirstChunk?: (() => void) | undefined;
  /** Nothing is written before this settles (the previous compound of the run has ended). */
  writeAfter?: Promise<unknown> | undefined;
}

const INVOICE_COPY =
  'COPY invoices (id, compound_id, account_id, household_id, season_label, period, seq, number, issued_on, due_on, plan, total_fen, ' +
  'status, no_reading, end_reading_id, end_value, usage_units, billing_run_id) FROM STDIN';
const LINE_COPY = 'COPY invoice_lines (invoice_id, line_no, compound_id, kind, description, units, unit_rate, amount_fen) FROM STDIN';

const APPLY_ADJUSTMENTS_SQL = `
UPDATE account_adjustments a SET applied_invoice_id = v.invoice_id
FROM unnest($1::uuid[], $2::uuid[]) AS v(id, invoice_id)
WHERE a.id = v.id AND a.applied_invoice_id IS NULL`;

const RUN_PROGRESS_SQL = `
UPDATE billing_runs SET accounts_billed = accounts_billed + $2, invoices_issued = invoices_issued + $3,
  total_fen = total_fen + $4, capped_accounts = capped_accounts + $5
WHERE id = $1`;

async function auditCompound(
  tx: TransactionClient,
  request: CompoundMonthRequest,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  await audit(tx, {
    actor: request.actor,
    action,
    entity: 'billing_run',
    entityId: request.runId,
    compoundId: request.compoundId,
    details,
  });
}

/** COPY text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : value;
}

async function copyInto(client: pg.PoolClient, statement: string, parts: string[]): Promise<void> {
  if (parts.length === 0) return;
  await pipeline(Readable.from(parts), client.query(copyFrom(statement)));
}

/** Joins COPY rows into ~256 KiB pieces: one stream write per piece, not per row. */
class CopyText {
  readonly parts: string[] = [];
  private buf = '';
  push(row: string): void {
    this.buf += row;
    if (this.buf.length >= 262_144) {
      this.parts.push(this.buf);
      this.buf = '';
    }
  }

  done(): string[] {
    if (this.buf.length > 0) this.parts.push(this.buf);
    this.buf = '';
    return this.parts;
  }
}

/** Accounts per chunk: small enough that reading the next chunk overlaps writing this one for most of a compound. */
export const DEFAULT_CHUNK_SIZE = 5_000;

/**
 * A second connection that reads in the compound transaction's snapshot (exported after the
 * locks), so the next chunk's facts are gathered while this chunk is COPYed. Its own connection,
 * outside the pool: it never waits for a pool slot while the compound's locks are held.
 */
async function snapshotReader(pool: pg.Pool, client: pg.PoolClient): Promise<pg.Client> {
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

/**
 * Bills one compound's month in one transaction on one client of `pool` (see the file comment).
 * A dry run computes the same figures under no lock and writes nothing.
 */
export async function billCompoundMonth(pool: pg.Pool, request: CompoundMonthRequest): Promise<CompoundSummary> {
  const started = Date.now();
  const { compoundId, period, dryRun } = request;
  const client = await pool.connect();
  let broken: unknown;
  let reader: pg.Client | undefined;
  try {
    const tx = await inTransaction(client);
    if (!dryRun) {
      await lockCompoundReadings(tx, compoundId);
      await lockInvoiceNumbering(tx, compoundId, period);
    }
    const compound = await loadBillingCompound(client, compoundId);
    if (!compound) throw new Error(`compound ${compoundId} does not exist`);
    const month = billingMonth(compound, period);
    const summary: CompoundSummary = {
      code: compound.code,
      accountsBilled: 0,
      invoicesIssued: 0,
      totalFen: 0,
      cappedAccounts: 0,
      durationMs: 0,
    };
    const chunkSize = request.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const [count] = month.season
      ? await queryRows<{ n: number }>(client, 'SELECT count(*)::int AS n FROM accounts WHERE compound_id = $1', [compoundId])
      : [];
    request.onProgress?.({ type: 'compound-start', code: compound.code, accounts: count?.n ?? 0 });
    // More than one chunk: gather facts on a snapshot reader, one chunk ahead of the writes.
    if ((count?.n ?? 0) > chunkSize) reader = await snapshotReader(pool, client);
    let seq = dryRun ? 0 : (await nextInvoiceSeq(tx, compoundId, period)) - 1;
    const issuedOn = localDateOf(request.issuedAt, compound.timeZone);
    const dueOn = addDays(issuedOn, compound.dueDays);
    const seasonLabel = month.season?.label ?? '';
    const runId = request.runId ?? '\\N';
    const code = compound.code;

    interface Prepared {
      accounts: number;
      invoices: string[];
      lines: string[];
      adjustmentIds: string[];
      adjustmentInvoices: string[];
    }
    const chunks = billingFactsChunks(reader ?? client, month, chunkSize)[Symbol.asyncIterator]();
    /** The next chunk's facts, computed and numbered (in household order: one prepare at a time) into COPY text; null at the end. */
    const prepare = async (): Promise<Prepared | null> => {
      const result = await chunks.next();
      if (result.done) return null;
      const invoiceText = new CopyText();
      const lineText = new CopyText();
      const adjustmentIds: string[] = [];
      const adjustmentInvoices: string[] = [];
      for (const facts of result.value) {
        summary.accountsBilled += 1;
        const computed = computeAccountInvoice(month, facts);
        if (computed === null) continue;
        seq += 1;
        summary.invoicesIssued += 1;
        summary.totalFen += computed.totalFen;
        if (computed.invoice.capped) summary.cappedAccounts += 1;
        if (dryRun) continue;
        const id = randomUUID();
        invoiceText.push(
          `${id}\t${compoundId}\t${facts.accountId}\t${facts.householdId}\t${seasonLabel}\t${period}\t${seq}\t` +
            `${invoiceNumber(code, period, seq)}\t${issuedOn}\t${dueOn}\t${facts.plan}\t${computed.totalFen}\t${computed.status}\t` +
            `${computed.invoice.noReading ? 't' : 'f'}\t${computed.endReadingId ?? '\\N'}\t` +
            `${computed.endValue}\t${computed.usageUnits}\t${runId}\n`,
        );
        const lines = computed.lines;
        for (let i = 0; i < lines.length; i++) {
          const l = lines[i]!;
          lineText.push(
            `${id}\t${i + 1}\t${compoundId}\t${l.kind}\t${copyText(l.description)}\t` +
              `${l.units ?? '\\N'}\t${l.unitRate ?? '\\N'}\t${l.amountFen}\n`,
          );
        }
        for (const adjustmentId of computed.appliedAdjustmentIds) {
          adjustmentIds.push(adjustmentId);
          adjustmentInvoices.push(id);
        }
      }
      return { accounts: result.value.length, invoices: invoiceText.done(), lines: lineText.done(), adjustmentIds, adjustmentInvoices };
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
      // On the reader the next chunk is read and computed now, while this one is COPYed; on the
      // compound's own client only after (one connection, one query at a time).
      if (reader) next = ahead();
      if (!dryRun) {
        await copyInto(client, INVOICE_COPY, chunk.invoices);
        await copyInto(client, LINE_COPY, chunk.lines);
        if (chunk.adjustmentIds.length > 0) {
          const applied = await queryCount(client, APPLY_ADJUSTMENTS_SQL, [chunk.adjustmentIds, chunk.adjustmentInvoices]);
          if (applied !== chunk.adjustmentIds.length) throw new Error('pending adjustments changed during the run');
        }
      }
      processed += chunk.accounts;
      request.onProgress?.({ type: 'compound-progress', code, processed });
      if (!reader) next = ahead();
    }

    summary.durationMs = Date.now() - started;
    if (dryRun) {
      await client.query('ROLLBACK');
      return summary;
    }
    if (request.runId !== null) {
      await client.query(RUN_PROGRESS_SQL, [
        request.runId,
        summary.accountsBilled,
        summary.invoicesIssued,
        summary.totalFen,
        summary.cappedAccounts,
      ]);
    }
    await auditCompound(tx, request, 'billing-run.compound', {
      period,
      invoicesIssued: summary.invoicesIssued,
      accountsBilled: summary.accountsBilled,
      totalFen: summary.totalFen,
      cappedAccounts: summary.cappedAccounts,
      firstSeq: seq - summary.invoicesIssued + 1,
      lastSeq: seq,
    });
    await client.query('COMMIT');

    // Credit already on an account (an earlier overpayment) settles the new invoices, in a short
    // transaction of its own after the compound's: it locks only accounts with credit, and a
    // failure here leaves the invoices issued and is settled by running the month again (which
    // issues nothing twice and settles again).
    try {
      const creditTx = await inTransaction(client);
      const allocations = await applyCompoundCredit(creditTx, compoundId);
      if (allocations.length > 0) {
        const amountFen = allocations.reduce((sum, a) => sum + a.amountFen, 0);
        await auditCompound(creditTx, request, 'billing-run.credit', { period, allocations: allocations.length, amountFen });
      }
      await client.query('COMMIT');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${summary.invoicesIssued} invoices were issued, but applying credit to them failed (run the month again to apply it): ${reason}`,
      );
    }
    return summary;
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
