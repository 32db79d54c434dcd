/**
 * The end of a compound's month (SPEC §6, §7 "a billing run", §11 webhooks): what is recorded
 * with the invoices before the compound's transaction commits (the billed month, the run's
 * exceptions and figures, the audit, the invoices-issued and cap-threshold events), what a dry
 * run keeps after its rollback, and the credit settled after the commit.
 */
import type pg from 'pg';
import { audit } from '../audit/audit.js';
import { inTransaction, type TransactionClient } from '../db/sql.js';
import { applyCompoundCredit } from '../payments/credit.js';
import { recordInvoicesIssued } from '../webhooks/outbox.js';
import type { MonthBilling } from './chunk.js';
import type { CompoundMonthRequest } from './compound.js';
import { INSERT_EXCEPTIONS_SQL, RUN_PROGRESS_SQL } from './compound.sql.js';
import type { BillingException } from './facts.js';
import { recordNoReadings } from './no-readings.js';
import { recordBilledMonth } from './order.js';

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

/** A dry run wrote nothing; after its rollback it keeps only its exceptions and accounts without a reading. */
export async function finishDryRun(client: pg.ClientBase, billing: MonthBilling): Promise<void> {
  const { request, summary } = billing;
  await client.query('ROLLBACK');
  await recordExceptions(client, request, summary.exceptions);
  await recordNoReadings(client, request.runId, request.compoundId, summary.noReadings);
}

async function recordRunProgress(client: pg.ClientBase, billing: MonthBilling): Promise<void> {
  const { request, summary } = billing;
  if (request.runId === null) return;
  await client.query(RUN_PROGRESS_SQL, [
    request.runId,
    summary.accountsBilled,
    summary.invoicesIssued,
    summary.totalFen,
    summary.cappedAccounts,
    summary.skippedAccounts,
    summary.alreadyBilledAccounts,
    summary.noReadingAccounts,
    summary.estimatedAccounts,
  ]);
}

/** Everything recorded with the compound's invoices, then the commit: all of it, or none. */
export async function commitCompound(tx: TransactionClient, billing: MonthBilling): Promise<void> {
  const { request, summary, month, seq } = billing;
  await recordBilledMonth(tx, month, request.runId);
  await recordExceptions(tx, request, summary.exceptions);
  await recordRunProgress(tx, billing);
  await auditCompound(tx, request, 'billing-run.compound', {
    period: request.period,
    invoicesIssued: summary.invoicesIssued,
    accountsBilled: summary.accountsBilled,
    totalFen: summary.totalFen,
    cappedAccounts: summary.cappedAccounts,
    skippedAccounts: summary.skippedAccounts,
    alreadyBilledAccounts: summary.alreadyBilledAccounts,
    noReadingAccounts: summary.noReadingAccounts,
    estimatedAccounts: summary.estimatedAccounts,
    exceptions: summary.exceptions.length,
    firstSeq: seq - summary.invoicesIssued + 1,
    lastSeq: seq,
  });
  await recordInvoicesIssued(tx, request.compoundId, request.period, request.runId);
  await billing.capThresholds.write(tx);
  await tx.query('COMMIT');
}

/**
 * Credit already on an account (an overpayment, a negative invoice) settles the new invoices,
 * in a short transaction of its own after the compound's: it locks only accounts with credit,
 * and a failure here leaves the invoices issued and is settled by running the month again
 * (which issues nothing twice and settles again).
 */
export async function settleCredit(client: pg.ClientBase, billing: MonthBilling): Promise<void> {
  const { request, summary } = billing;
  try {
    const creditTx = await inTransaction(client);
    const allocations = await applyCompoundCredit(creditTx, request.compoundId);
    if (allocations.length > 0) {
      const amountFen = allocations.reduce((sum, a) => sum + a.amountFen, 0);
      await auditCompound(creditTx, request, 'billing-run.credit', { period: request.period, allocations: allocations.length, amountFen });
    }
    await client.query('COMMIT');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${summary.invoicesIssued} invoices were issued, but applying credit to them failed (run the month again to apply it): ${reason}`,
    );
  }
}
