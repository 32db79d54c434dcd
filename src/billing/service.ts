/**
 * The monthly batch (SPEC §6): every invoice of a month, exactly once. One run covers one
 * compound or all compounds of a provider (or all). A month that may not be billed yet (not
 * ended; the month before it not billed) is refused with 409 before anything is recorded. Each
 * compound's month is one transaction of its own (compound.ts); the run record collects their
 * totals, skipped accounts and exceptions.
 */
import type pg from 'pg';
import { audit } from '../audit/audit.js';
import { recordRunFinished } from '../webhooks/outbox.js';
import type { Database, Executor } from '../db/pool.js';
import type { BillingRunStatus, RunCompoundStatus } from '../db/types.js';
import { notFound } from '../http/problem.js';
import { billCompoundMonth, type BillingProgress } from './compound.js';
import { billingMonth, loadBillingCompound, type BillingException } from './facts.js';
import type { NoReadingAccount } from './no-readings.js';
import { MonthRefused, refusals } from './order.js';
import { refreshInvoiceStatistics } from './statistics.sql.js';
import {
  addTotals,
  findCompoundForRun,
  findRun,
  finishRun,
  insertRun,
  insertRunCompounds,
  listCompoundsForRun,
  noTotals,
  runCompounds,
  runNoReadings,
  runExceptions,
  sweepInterruptedRuns,
  type RunCompound,
  type RunRow,
} from './repository.js';

export type { BillingProgress, CompoundSummary } from './compound.js';

export interface BillingRunRequest {
  period: string;
  /** One compound by code; absent: every compound of `providerId` (all when undefined). */
  compound?: string | undefined;
  dryRun?: boolean | undefined;
  /** Bill accounts without a reading for the month from an estimate (SPEC §9 "Estimated readings"). */
  estimate?: boolean | undefined;
  /** Who started it: request.principal.actor, 'cli' or 'schedule'. */
  actor: string;
  /** Operator scope: only this provider's compounds (a foreign compound is 404). */
  providerId?: string | undefined;
  chunkSize?: number | undefined;
  onProgress?: ((event: BillingProgress) => void) | undefined;
  /** Called once the run is recorded (status running), before any compound is billed. */
  onStarted?: ((runId: string) => void) | undefined;
  /**
   * When the invoices are issued (their issue and due dates follow from it); default: now. Only
   * the demo sets it, to issue each month of a past season as of that month's end. Not on the API.
   */
  issuedAt?: Date | undefined;
}

export interface BillingRunOut {
  id: string;
  period: string;
  compound: string | null;
  status: BillingRunStatus;
  /** Each compound the run covered, as its own unit (SPEC §7). */
  compounds: RunCompoundOut[];
  dryRun: boolean;
  /** The run was asked to estimate missing readings (SPEC §9). */
  estimate: boolean;
  accountsBilled: number;
  invoicesIssued: number;
  totalFen: number;
  cappedAccounts: number;
  skippedAccounts: number;
  alreadyBilledAccounts: number;
  /** Accounts billed (a dry run: to be billed) with no new reading (SPEC §7). */
  noReadingAccounts: number;
  /** Accounts billed (a dry run: to be billed) from an estimated reading (SPEC §9). */
  estimatedAccounts: number;
  /** A dry run: which accounts those are, in household order (the first NO_READINGS_LISTED per compound). */
  noReadings: NoReadingAccount[];
  exceptions: BillingException[];
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** A run record as the API shows it: the run, its compounds' outcomes and its exceptions. */
export async function runOut(db: Executor, row: RunRow): Promise<BillingRunOut> {
  const compounds = await runCompounds(db, row.id);
  const exceptions = await runExceptions(db, row.id);
  const noReadings = row.dry_run ? await runNoReadings(db, row.id) : [];
  return {
    id: row.id,
    period: row.period,
    compound: row.compound_code,
    status: row.status,
    compounds,
    dryRun: row.dry_run,
    estimate: row.estimate,
    accountsBilled: row.accounts_billed,
    invoicesIssued: row.invoices_issued,
    totalFen: row.total_fen,
    cappedAccounts: row.capped_accounts,
    skippedAccounts: row.skipped_accounts,
    alreadyBilledAccounts: row.already_billed_accounts,
    noReadingAccounts: row.no_reading_accounts,
    estimatedAccounts: row.estimated_accounts,
    noReadings,
    exceptions,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    error: row.error,
  };
}

export interface RunCompoundOut {
  compound: string;
  status: RunCompoundStatus;
  reason?: string;
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
  const months = [];
  for (const c of compounds) {
    const compound = await loadBillingCompound(db, c.id);
    if (compound) months.push(billingMonth(compound, request.period));
  }
  // A single compound that refuses the month, or every compound refusing it: 409. Otherwise each
  // compound is its own unit: the refused ones are listed in the run with their reason.
  const refused = await refusals(db, months, dryRun, request.issuedAt ?? new Date());
  // Runs whose process died part-way are recorded as such before this one starts.
  await sweepInterruptedRuns(db);
  const startedAt = new Date();
  // The run's session: checked out until the run is recorded finished, so a `running` run whose
  // session is gone was interrupted (repository.ts sweepInterruptedRuns).
  const session = await handle.pool.connect();
  let finished = false;
  try {
    const run = await insertRun(session, {
      period: request.period,
      compoundId,
      providerId,
      dryRun,
      estimate: request.estimate ?? false,
      startedBy: request.actor,
      startedAt,
    });
    request.onStarted?.(run.id);
    const out = await billRun(handle, request, run.id, compounds, refused, startedAt);
    finished = true;
    return out;
  } finally {
    // Unfinished (the record could not be written): drop the session so the run reads as interrupted.
    session.release(finished ? undefined : true);
  }
}

/** The run's status from its compounds' (SPEC §7): all succeeded, some did (partial), or none did. */
function runStatus(outcomes: readonly RunCompound[]): 'succeeded' | 'partial' | 'failed' {
  const succeeded = outcomes.filter((o) => o.status === 'succeeded').length;
  if (succeeded === outcomes.length) return 'succeeded';
  return succeeded > 0 ? 'partial' : 'failed';
}

/** A reason without the compound's code in front: the run lists it beside the code. */
function reasonOf(code: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}

async function billRun(
  handle: BillingHandle,
  request: BillingRunRequest,
  runId: string,
  compounds: ReadonlyArray<{ id: string; code: string }>,
  refused: ReadonlyMap<string, string>,
  startedAt: Date,
): Promise<BillingRunOut> {
  const { db } = handle;
  const dryRun = request.dryRun ?? false;
  const run = { id: runId };

  const totals = noTotals();
  // Each compound is its own unit: refused before the run, or billed in its own transaction.
  const outcomes: RunCompound[] = compounds.map((c) => {
    const reason = refused.get(c.id);
    if (reason === undefined) return { compoundId: c.id, status: 'succeeded', reason: null };
    return { compoundId: c.id, status: 'refused', reason: reasonOf(c.code, new Error(reason)) };
  });
  // Compounds in a pipeline of two: the next compound starts (its own transaction and locks) once
  // this one has gathered its first chunk, gathers its own first chunk while this one writes, and
  // writes only after this one has committed or failed. Commits stay in compound order; exactly
  // one compound at most waits ahead, and it holds every connection it needs before a
  // lock-holder waits on it (no pool deadlock). A compound's credit pass (its own short
  // transaction on its own accounts, after its commit) runs while the next compound writes.
  const tasks: Array<Promise<void>> = [];
  let previousEnded: Promise<void> = Promise.resolve();
  for (const [index, compound] of compounds.entries()) {
    if (refused.has(compound.id)) continue;
    // Two compounds in flight at most: each holds a pool connection until it commits, and a third
    // waiting on the pool while the first writes would time out on a large compound.
    if (tasks.length >= 2) await tasks[tasks.length - 2];
    let firstChunk!: () => void;
    const ready = new Promise<void>((resolve) => (firstChunk = resolve));
    let committed!: () => void;
    const written = new Promise<void>((resolve) => (committed = resolve));
    const task = billCompoundMonth(handle.pool, {
      compoundId: compound.id,
      period: request.period,
      runId: run.id,
      dryRun,
      estimate: request.estimate ?? false,
      actor: request.actor,
      issuedAt: request.issuedAt ?? startedAt,
      chunkSize: request.chunkSize,
      onProgress: request.onProgress,
      onFirstChunk: firstChunk,
      onCommitted: committed,
      writeAfter: previousEnded,
    }).then(
      async (summary) => {
        // The next compound, and the next month, read these tables back: plan them on the tables as they are now.
        if (!dryRun) await refreshInvoiceStatistics(handle.pool, summary.invoicesIssued);
        addTotals(totals, summary);
        request.onProgress?.({ type: 'compound-done', code: compound.code, summary, dryRun });
      },
      (error: unknown) => {
        const reason = reasonOf(compound.code, error);
        outcomes[index] = { compoundId: compound.id, status: error instanceof MonthRefused ? 'refused' : 'failed', reason };
        request.onProgress?.({ type: 'compound-failed', code: compound.code, error: `${compound.code}: ${reason}` });
      },
    );
    tasks.push(task);
    // Every earlier compound, not just the last: one that failed early does not let a later one
    // overtake. A compound has ended its writes once committed (its credit pass may still run) or
    // once its task settled (failed, refused, or a dry run: the task never rejects).
    previousEnded = Promise.all([previousEnded, Promise.race([written, task])]).then(() => {});
    await Promise.race([ready, task]);
  }
  await Promise.all(tasks);
  const status = runStatus(outcomes);
  const errors = compounds.flatMap((c, i) => (outcomes[i]!.reason === null ? [] : [`${c.code}: ${outcomes[i]!.reason}`]));
  await db.transaction().execute(async (tx) => {
    await finishRun(tx, run.id, { ...totals, status, error: errors.length === 0 ? null : errors.join('; ') });
    await insertRunCompounds(tx, run.id, outcomes);
    await recordRunFinished(tx, run.id);
    await audit(tx, {
      actor: request.actor,
      action: dryRun ? 'billing-run.dry-run' : 'billing-run.finish',
      entity: 'billing_run',
      entityId: run.id,
      compoundId: compounds.length === 1 && request.compound !== undefined ? compounds[0]!.id : null,
      details: { period: request.period, compound: request.compound ?? null, status, ...totals, errors },
    });
  });
  const row = await findRun(db, run.id);
  if (!row) throw notFound('Billing run');
  return runOut(db, row);
}
