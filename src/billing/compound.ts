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
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { addDays, formatQuantity, lateFeeThrough, localDateOf, withLateFeeLines } from '../core/index.js';
import { audit } from '../audit/audit.js';
import { inTransaction, queryCount, queryRows, type TransactionClient } from '../db/sql.js';
import { InvoiceCopy } from '../invoices/writer.js';
import { applyCompoundCredit } from '../payments/credit.js';
import { computeAccountInvoice } from './compute.js';
import { billingFactsChunks, billingMonth, loadBillingCompound, type BillingException } from './facts.js';
import { lateFeesDue, recordLateFeeCharges, type LateFeeCharge } from './late-fees.js';
import { lockCompound, waitWithoutLimit } from '../db/locks.js';
import { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import { MonthRefused, recordBilledMonth, refusalOf } from './order.js';
import { noTotals, type RunTotals } from './repository.js';
import { recordInvoicesIssued } from '../webhooks/outbox.js';
import { CapThresholdEvents } from '../webhooks/cap-thresholds.js';
import { NO_READINGS_LISTED, recordNoReadings, type NoReadingAccount } from './no-readings.js';

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

const APPLY_ADJUSTMENTS_SQL = `
UPDATE account_adjustments a SET applied_invoice_id = v.invoice_id
FROM unnest($1::uuid[], $2::uuid[]) AS v(id, invoice_id)
WHERE a.id = v.id AND a.applied_invoice_id IS NULL`;

const RUN_PROGRESS_SQL = `
UPDATE billing_runs SET accounts_billed = accounts_billed + $2, invoices_issued = invoices_issued + $3,
  total_fen = total_fen + $4, capped_accounts = capped_accounts + $5, skipped_accounts = skipped_accounts + $6,
  already_billed_accounts = already_billed_accounts + $7, no_reading_accounts = no_reading_accounts + $8
WHERE id = $1`;

const INSERT_EXCEPTIONS_SQL = `
INSERT INTO billing_run_exceptions (billing_run_id, compound_id, period, account_id, household_id, reason)
SELECT $1, $2, $3, * FROM unnest($4::uuid[], $5::uuid[], $6::text[])
ON CONFLICT (billing_run_id, account_id) DO NOTHING`;

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

async function recordExceptions(
  client: pg.ClientBase,
  request: CompoundMonthRequest,
  exceptions: readonly BillingException[],
): Promise<void> {
  if (request.runId === null || exceptions.length === 0) return;
  await client.query(INSERT_EXCEPTIONS_SQL, [
    request.runId,
    request.compoundId,
    request.period,
    exceptions.map((e) => e.accountId),
    exceptions.map((e) => e.householdId),
    exceptions.map((e) => e.reason),
  ]);
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

interface PreparedChunk {
  accounts: number;
  copy: InvoiceCopy;
  adjustmentIds: string[];
  adjustmentInvoices: string[];
  lateFees: LateFeeCharge[];
}

/**
 * Bills one compound's month in one transaction on one client of `pool` (see the file comment).
 * A dry run computes the same figures under no lock and writes nothing but its exceptions.
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
      await waitWithoutLimit(tx);
      await lockCompound(tx, compoundId);
      await lockInvoiceNumbering(tx, compoundId, period);
    }
    const compound = await loadBillingCompound(client, compoundId);
    if (!compound) throw new Error(`compound ${compoundId} does not exist`);
    const month = billingMonth(compound, period);
    // Checked before the run started; again under the lock, for a run of the month before that was still going.
    const refusal = await refusalOf(client, month, dryRun, request.issuedAt);
    if (refusal !== null) throw new MonthRefused(refusal);
    const summary: CompoundSummary = {
      code: compound.code,
      ...noTotals(),
      durationMs: 0,
      exceptions: [],
      noReadings: [],
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
    const capThresholds = new CapThresholdEvents(compoundId);
    // SPEC §9: each overdue invoice's fee accrued through the month's last day, not yet billed,
    // goes on the account's invoice of the month (read once for the compound, before the cursor).
    const lateFees = month.season
      ? await lateFeesDue(client, { compoundId, timeZone: compound.timeZone, throughOn: lateFeeThrough(month.nextFirstDay) })
      : new Map<string, never>();

    const chunks = billingFactsChunks(reader ?? client, month, chunkSize)[Symbol.asyncIterator]();
    /** The next chunk's facts, computed and numbered (in household order: one prepare at a time) into COPY text; null at the end. */
    const prepare = async (): Promise<PreparedChunk | null> => {
      const result = await chunks.next();
      if (result.done) return null;
      const chunk = result.value;
      const copy = new InvoiceCopy();
      const adjustmentIds: string[] = [];
      const adjustmentInvoices: string[] = [];
      const lateFeeCharges: LateFeeCharge[] = [];
      summary.skippedAccounts += chunk.skipped;
      summary.alreadyBilledAccounts += chunk.alreadyBilled;
      summary.exceptions.push(...chunk.exceptions);
      for (const facts of chunk.due) {
        let computed;
        try {
          computed = computeAccountInvoice(month, facts);
        } catch (error) {
          summary.exceptions.push({
            accountId: facts.accountId,
            householdId: facts.householdId,
            reason: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        summary.accountsBilled += 1;
        if (computed === null) continue;
        const fees = lateFees.get(facts.accountId) ?? [];
        const invoice = withLateFeeLines(
          computed.invoice,
          fees.map((fee) => fee.line),
        );
        seq += 1;
        summary.invoicesIssued += 1;
        summary.totalFen += invoice.totalFen;
        if (invoice.capped) summary.cappedAccounts += 1;
        if (invoice.noReading) {
          summary.noReadingAccounts += 1;
          if (dryRun && summary.noReadings.length < NO_READINGS_LISTED) {
            summary.noReadings.push({ accountId: facts.accountId, householdId: facts.householdId });
          }
        }
        if (dryRun) continue;
        const id = randomUUID();
        copy.add({
          id,
          compoundId,
          accountId: facts.accountId,
          householdId: facts.householdId,
          seasonLabel,
          period,
          kind: 'monthly',
          seq,
          number: invoiceNumber(compound.code, period, seq),
          accountSeq: facts.accountSeq,
          issuedOn,
          dueOn,
          plan: facts.plan,
          totalFen: invoice.totalFen,
          status: invoice.status,
          noReading: invoice.noReading,
          usageUnits: formatQuantity(invoice.usageUnits),
          billingRunId: request.runId,
          lines: invoice.lines,
          intervals: invoice.intervals.map((interval) => ({ seasonLabel, interval })),
        });
        const { accountId, householdId, billedFen: billedBeforeFen } = facts;
        const { capFen, lines } = invoice;
        capThresholds.add({ invoiceId: id, accountId, householdId, seasonLabel, billedBeforeFen, capFen, lines });
        for (const fee of fees) {
          const { fromOn, throughOn, feeFen } = fee.accrual;
          lateFeeCharges.push({ invoiceId: fee.invoiceId, chargedInvoiceId: id, fromOn, throughOn, amountFen: feeFen });
        }
        for (const adjustmentId of computed.appliedAdjustmentIds) {
          adjustmentIds.push(adjustmentId);
          adjustmentInvoices.push(id);
        }
      }
      return { accounts: chunk.accounts, copy, adjustmentIds, adjustmentInvoices, lateFees: lateFeeCharges };
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
        await chunk.copy.write(client);
        if (chunk.adjustmentIds.length > 0) {
          const applied = await queryCount(client, APPLY_ADJUSTMENTS_SQL, [chunk.adjustmentIds, chunk.adjustmentInvoices]);
          if (applied !== chunk.adjustmentIds.length) throw new Error('pending adjustments changed during the run');
        }
        await recordLateFeeCharges(client, compoundId, chunk.lateFees);
      }
      processed += chunk.accounts;
      request.onProgress?.({ type: 'compound-progress', code: compound.code, processed });
      if (!reader) next = ahead();
    }

    summary.durationMs = Date.now() - started;
    if (dryRun) {
      await client.query('ROLLBACK');
      await recordExceptions(client, request, summary.exceptions);
      await recordNoReadings(client, request.runId, compoundId, summary.noReadings);
      return summary;
    }
    await recordBilledMonth(client, month, request.runId);
    await recordExceptions(client, request, summary.exceptions);
    if (request.runId !== null) {
      await client.query(RUN_PROGRESS_SQL, [
        request.runId,
        summary.accountsBilled,
        summary.invoicesIssued,
        summary.totalFen,
        summary.cappedAccounts,
        summary.skippedAccounts,
        summary.alreadyBilledAccounts,
        summary.noReadingAccounts,
      ]);
    }
    await auditCompound(tx, request, 'billing-run.compound', {
      period,
      invoicesIssued: summary.invoicesIssued,
      accountsBilled: summary.accountsBilled,
      totalFen: summary.totalFen,
      cappedAccounts: summary.cappedAccounts,
      skippedAccounts: summary.skippedAccounts,
      alreadyBilledAccounts: summary.alreadyBilledAccounts,
      noReadingAccounts: summary.noReadingAccounts,
      exceptions: summary.exceptions.length,
      firstSeq: seq - summary.invoicesIssued + 1,
      lastSeq: seq,
    });
    await recordInvoicesIssued(client, compoundId, period, request.runId);
    await capThresholds.write(client);
    await client.query('COMMIT');

    // Credit already on an account (an overpayment, a negative invoice) settles the new invoices,
    // in a short transaction of its own after the compound's: it locks only accounts with credit,
    // and a failure here leaves the invoices issued and is settled by running the month again
    // (which issues nothing twice and settles again).
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
