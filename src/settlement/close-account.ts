/**
 * POST /v1/accounts/{id}/close (SPEC §5 "Final settlement (move-out)"). The closing reading is
 * stored at the start of closedOn on the meter in service then, the account closed and ONE final
 * invoice issued at once, numbered in the batch's gapless sequence of closedOn's month. It settles
 * every season the occupancy touched that is not fully billed, each against its own prorated cap
 * or fee (the core's computeFinalSettlement), with the usage from where billing stands to the
 * closing reading split by season as the batch would have billed it. A move-out reported late
 * (closedOn before where billing stands) credits back what was billed beyond the closing reading;
 * the household's next account may open on closedOn and starts from the closing reading.
 * A negative total is account credit: it settles the account's open invoices at once.
 */
import { randomUUID } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { findAccountInScope } from '../accounts/repository.js';
import { mayWrite } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { addDays, computeFinalSettlement, formatQuantity, periodOfDate, planOrDefault, type FinalSettlement } from '../core/index.js';
import type { Database } from '../db/pool.js';
import { lockAccount, lockCompound, lockHousehold, writeTransaction } from '../db/locks.js';
import type { Transaction } from 'kysely';
import type { DB, Plan } from '../db/types.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { loadInvoicesOut } from '../invoices/repository.js';
import type { InvoiceOut } from '../invoices/schemas.js';
import { insertInvoices } from '../invoices/writer.js';
import { recordInvoiceIssued } from '../webhooks/outbox.js';
import { recordFinalCapThresholds } from '../webhooks/cap-thresholds.js';
import { applyCredit } from '../payments/credit.js';
import { seasonFromRow } from '../seasons/from-row.js';
import { localToday } from '../shared/time.js';
import { takeClosingReading } from './close-reading.js';
import { finalSeasonsOf, settlingSeason, usageToClosing } from './close-seasons.js';
import { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import * as repo from './repository.js';
import { parseValue } from './values.js';

/** The account in scope, locked in the one lock order (compound, household, account), still open and opened before closedOn. */
async function lockOpenAccount(tx: Transaction<DB>, principal: Principal, accountId: string, closedOn: string) {
  const seen = await findAccountInScope(tx, accountId, principal);
  if (!seen || !mayWrite(principal)) throw notFound('Account');
  await lockCompound(tx, seen.compound_id);
  await lockHousehold(tx, seen.household_id);
  const locked = await lockAccount(tx, accountId);
  if (!locked) throw notFound('Account');
  if (locked.closed_on !== null) throw conflict(`Account ${accountId} was already closed on ${locked.closed_on}.`);
  if (closedOn <= locked.opened_on) {
    throw unprocessable(`closedOn ${closedOn} must be after openedOn ${locked.opened_on}.`, [
      { path: 'body.closedOn', message: `must be after openedOn ${locked.opened_on}` },
    ]);
  }
  return { ...(await repo.accountContext(tx, accountId)), id: accountId };
}

/** The compound's seasons and the one the closing belongs to (422 when it has none). */
async function seasonsToSettle(tx: Transaction<DB>, account: { compound_id: string; compound_code: string }, closedOn: string) {
  const seasons = (await repo.compoundSeasons(tx, account.compound_id)).map(seasonFromRow);
  const settling = settlingSeason(seasons, closedOn);
  if (!settling) {
    throw unprocessable(`${account.compound_code} has no season to settle the account in.`, [
      { path: 'body.closedOn', message: 'no season defined for the compound' },
    ]);
  }
  return { seasons, settling };
}

/** The final invoice, numbered in the batch's gapless sequence of closedOn's month. */
async function issueFinalInvoice(
  tx: Transaction<DB>,
  account: Awaited<ReturnType<typeof lockOpenAccount>>,
  closedOn: string,
  settlement: FinalSettlement,
  slot: { seasonLabel: string; plan: Plan; accountSeq: number; now: Date },
) {
  const period = periodOfDate(closedOn);
  await lockInvoiceNumbering(tx, account.compound_id, period);
  const seq = await nextInvoiceSeq(tx, account.compound_id, period);
  const issuedOn = localToday(account.time_zone, slot.now);
  const id = randomUUID();
  const number = invoiceNumber(account.compound_code, period, seq);
  await insertInvoices(tx, [
    {
      id,
      compoundId: account.compound_id,
      accountId: account.id,
      householdId: account.household_id,
      seasonLabel: slot.seasonLabel,
      period,
      kind: 'final',
      seq,
      number,
      accountSeq: slot.accountSeq,
      issuedOn,
      dueOn: addDays(issuedOn, account.due_days),
      plan: slot.plan,
      totalFen: settlement.totalFen,
      status: settlement.status,
      noReading: settlement.noReading,
      usageUnits: formatQuantity(settlement.usageUnits),
      billingRunId: null,
      lines: settlement.lines,
      intervals: settlement.intervals,
    },
  ]);
  return { id, number, period };
}

export async function closeAccount(
  db: Database,
  principal: Principal,
  accountId: string,
  input: { closedOn: string; closingReading: string | number },
  now = new Date(),
): Promise<InvoiceOut> {
  const closingValue = parseValue(input.closingReading, 'body.closingReading');
  const closedOn = input.closedOn;
  try {
    periodOfDate(closedOn);
  } catch {
    throw unprocessable(`closedOn ${closedOn} is not a date.`, [{ path: 'body.closedOn', message: 'must be a date YYYY-MM-DD' }]);
  }

  return writeTransaction(db, async (tx) => {
    const account = await lockOpenAccount(tx, principal, accountId, closedOn);
    const { seasons, settling } = await seasonsToSettle(tx, account, closedOn);
    const reading = await takeClosingReading(tx, account, closedOn, closingValue, now);
    await repo.markClosed(tx, accountId, closedOn, closingValue);
    const toClose = await usageToClosing(tx, account, reading, seasons, settling);
    const { finalSeasons, pending, plans } = await finalSeasonsOf(tx, account, closedOn, seasons, settling, toClose);
    const settlement = computeFinalSettlement(closedOn, finalSeasons);
    const issued = await issueFinalInvoice(tx, account, closedOn, settlement, {
      seasonLabel: settling.label,
      plan: planOrDefault(plans.get(settling.label)),
      accountSeq: toClose.lastSeq + 1,
      now,
    });
    // Every season with a pending adjustment is settled above, so the final invoice carries them all.
    if (pending.length > 0) {
      await repo.applyAdjustments(tx, pending.map((a) => a.id), issued.id);
    }
    // Credit on the account (an overpayment, this final invoice's own credit) settles what is still owed.
    const creditApplied = await applyCredit(tx, [accountId]);

    await audit(tx, {
      actor: principal.actor,
      action: 'account.close',
      entity: 'account',
      entityId: accountId,
      compoundId: account.compound_id,
      details: {
        closedOn,
        closingReading: closingValue,
        meterSerial: reading.meter.serial,
        readingId: reading.closing.readingId,
        finalInvoice: issued.number,
      },
    });
    await audit(tx, {
      actor: principal.actor,
      action: 'invoice.issue_final',
      entity: 'invoice',
      entityId: issued.id,
      compoundId: account.compound_id,
      details: {
        number: issued.number,
        period: issued.period,
        seasons: settlement.seasons,
        totalFen: settlement.totalFen,
        appliedAdjustments: pending.map((a) => a.id),
        creditApplied,
      },
    });
    await recordInvoiceIssued(tx, issued.id);
    const finalInvoice = { invoiceId: issued.id, compoundId: account.compound_id, accountId, householdId: account.household_id };
    const billedBefore = new Map(finalSeasons.map((s) => [s.facts.season.label, s.billedFen]));
    await recordFinalCapThresholds(tx, finalInvoice, billedBefore, settlement);
    const [out] = await loadInvoicesOut(tx, [issued.id]);
    return out as InvoiceOut;
  });
}
