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
import { findAccountInScope } from '../accounts/scope.js';
import type { Principal } from '../auth/principal.js';
import {
  addDays,
  closingUsage,
  computeFinalSettlement,
  coveredDaysInMonthIndex,
  formatQuantity,
  latestReadingBefore,
  meterInService,
  occupancyDays,
  periodBounds,
  periodOfDate,
  planOrDefault,
  usageBySeason,
  whereBillingStands,
  type FinalSeason,
  type RegisterPoint,
  type Season,
  type SeasonCut,
} from '../core/index.js';
import type { Database, Executor } from '../db/pool.js';
import { lockAccount, lockCompound, lockHousehold, writeTransaction } from '../db/locks.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { loadInvoicesOut } from '../invoices/repository.js';
import type { InvoiceOut } from '../invoices/schemas.js';
import { insertInvoices } from '../invoices/writer.js';
import { recordInvoiceIssued } from '../webhooks/outbox.js';
import { recordFinalCapThresholds } from '../webhooks/cap-thresholds.js';
import {
  accountIntervals,
  accountOpenings,
  householdMeters,
  ledgerHeads,
  seasonCharges,
  type MeterWithReading,
} from '../ledger/repository.js';
import { applyCredit } from '../payments/credit.js';
import { seasonFromRow } from '../seasons/from-row.js';
import { quantityOut } from '../shared/quantity.js';
import { assertMonotonic, initialBound, readingBound } from '../shared/register.js';
import { formatInstant, FUTURE_SKEW_MS, localToday, startOfLocalDate } from '../shared/time.js';
import { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import * as repo from './repository.js';
import { unitsPerInvoice, type SettlementAccount } from './true-up.js';
import { parseValue, qty } from './values.js';

/** The season a closing on `closedOn` belongs to: the latest begun before it, else the first. */
function settlingSeason(seasons: readonly Season[], closedOn: string): Season | undefined {
  const begun = seasons.filter((s) => s.spanStart < closedOn);
  return begun[begun.length - 1] ?? seasons[0];
}

/** The last billable month of the season with a covered day of the occupancy, if any. */
function lastCoveredMonth(season: Season, openedOn: string, closedOn: string): string | undefined {
  const [o, c] = occupancyDays(openedOn, closedOn);
  for (let i = season.months.length - 1; i >= 0; i--) if (coveredDaysInMonthIndex(season, i, o, c) > 0) return season.months[i];
  return undefined;
}

/** The closing reading: reused when the meter already has that value at that instant, else stored (monotonic). */
async function storeClosingReading(
  tx: Executor,
  account: SettlementAccount,
  meter: MeterWithReading & { serial: string },
  readAt: Date,
  value: string,
): Promise<number> {
  const zone = account.time_zone;
  const same = await repo.readingAt(tx, meter.id, readAt);
  if (same) {
    if (qty(same.value) !== qty(value)) {
      throw conflict(
        `Meter ${meter.serial} already has the reading ${quantityOut(same.value)} at ${formatInstant(readAt, zone)}; ` +
          `the closing reading ${value} conflicts with it.`,
      );
    }
    return same.id;
  }
  const { previous, next } = await repo.neighbourReadings(tx, meter.id, readAt);
  assertMonotonic(
    'body.closingReading',
    value,
    previous ? readingBound(previous, zone, true) : initialBound(meter.initialReading),
    next && readingBound(next, zone, true),
    { meter: meter.serial },
  );
  const inserted = await tx
    .insertInto('readings')
    .values({ compound_id: account.compound_id, meter_id: meter.id, read_at: readAt, value, source: 'manual' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
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
    const seen = await findAccountInScope(tx, accountId, principal);
    if (!seen || principal.role === 'resident') throw notFound('Account');
    // The one lock order: the compound, then the household, then the account.
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
    const account = await repo.accountContext(tx, accountId);
    const zone = account.time_zone;
    const period = periodOfDate(closedOn);
    const seasons = (await repo.compoundSeasons(tx, account.compound_id)).map(seasonFromRow);
    const settling = settlingSeason(seasons, closedOn);
    if (!settling) {
      throw unprocessable(`${account.compound_code} has no season to settle the account in.`, [
        { path: 'body.closedOn', message: 'no season defined for the compound' },
      ]);
    }

    // The closing reading: the register of the meter in service at the start of closedOn (local
    // time), the instant the occupancy ends; the next account opened on closedOn starts from it.
    const readAt = startOfLocalDate(closedOn, zone);
    if (readAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      throw unprocessable(`closedOn ${closedOn} is in the future: the closing reading is taken at its start.`, [
        { path: 'body.closedOn', message: 'must not be in the future' },
      ]);
    }
    const meters = (await householdMeters(tx, [account.household_id], readAt)).get(account.household_id) ?? [];
    const serials = new Map((await repo.meterSerials(tx, account.household_id)).map((m) => [m.id, m.serial]));
    const inService = meters[meterInService(meters, readAt)];
    if (!inService) {
      throw unprocessable(`Household ${account.household_id} has no meter to take the closing reading from.`, [
        { path: 'body.closingReading', message: 'the household has no meter' },
      ]);
    }
    const meter = { ...inService, serial: serials.get(inService.id) ?? inService.id };
    if (readAt.getTime() <= meter.installedAt.getTime() || (meter.retiredAt !== null && readAt.getTime() >= meter.retiredAt.getTime())) {
      throw unprocessable(
        `closedOn ${closedOn} is not while meter ${meter.serial} was in service (from ${formatInstant(meter.installedAt, zone)}).`,
        [{ path: 'body.closedOn', message: `must be after the installation of meter ${meter.serial}` }],
      );
    }
    const readingId = await storeClosingReading(tx, account, meter, readAt, closingValue);
    const closing: RegisterPoint = { meterId: meter.id, readingId, value: closingValue, at: readAt };

    await tx.updateTable('accounts').set({ closed_on: closedOn, closing_reading: closingValue }).where('id', '=', accountId).execute();

    // Where billing stands, and the usage from there to the closing reading, by season.
    const head = (await ledgerHeads(tx, [accountId])).get(accountId);
    const opening = (await accountOpenings(tx, [accountId])).get(accountId);
    const position = opening ? whereBillingStands(head?.end ?? null, meters, opening) : null;
    if (position === null) throw conflict(`Account ${accountId} has no opening register to settle from.`);
    const billed = await accountIntervals(tx, accountId);
    const cuts: SeasonCut[] = [];
    for (const s of seasons) {
      if (s.label >= settling.label) break;
      const seasonEnd = periodBounds(s.months[s.months.length - 1] as string, zone).end;
      const atEnd = (await householdMeters(tx, [account.household_id], seasonEnd)).get(account.household_id) ?? [];
      cuts.push({
        seasonLabel: s.label,
        end: latestReadingBefore(
          atEnd.flatMap((m) => (m.latest === null ? [] : [m.latest])),
          position,
        ),
      });
    }
    const pieces = closingUsage(meters, billed, position, closing, cuts, settling.label);
    if (pieces === null) throw conflict('The closing meter does not descend from the meter billing last ended on.');
    const usage = usageBySeason(pieces);

    // Every season the occupancy touched, billed, or owes an adjustment in.
    const plans = await repo.plansOf(tx, accountId);
    const pending = await repo.pendingAdjustments(tx, accountId);
    const charges =
      (
        await seasonCharges(
          tx,
          [accountId],
          seasons.map((s) => s.label),
        )
      ).get(accountId) ?? new Map<string, number>();
    const periods = await repo.billedPeriods(tx, accountId);
    const finalSeasons: FinalSeason[] = [];
    for (const season of seasons) {
      const last = lastCoveredMonth(season, account.opened_on, closedOn);
      const seasonPending = pending.filter((a) => a.season_label === season.label);
      if (
        last === undefined &&
        !usage.has(season.label) &&
        seasonPending.length === 0 &&
        !charges.has(season.label) &&
        season !== settling
      ) {
        continue;
      }
      finalSeasons.push({
        facts: { plan: planOrDefault(plans.get(season.label)), areaM2: account.area_m2, openedOn: account.opened_on, closedOn, season },
        billedFen: charges.get(season.label) ?? 0,
        billedUnits: unitsPerInvoice(billed, season.label),
        usage: usage.get(season.label) ?? null,
        adjustments: seasonPending.map((a) => ({ amountFen: a.amount_fen, description: a.description, seasonLabel: a.season_label })),
        required: season === settling || (last !== undefined && !periods.has(last)),
      });
    }
    const settlement = computeFinalSettlement(closedOn, finalSeasons);

    await lockInvoiceNumbering(tx, account.compound_id, period);
    const seq = await nextInvoiceSeq(tx, account.compound_id, period);
    const issuedOn = localToday(zone, now);
    const invoiceId = randomUUID();
    const number = invoiceNumber(account.compound_code, period, seq);
    await insertInvoices(tx, [
      {
        id: invoiceId,
        compoundId: account.compound_id,
        accountId,
        householdId: account.household_id,
        seasonLabel: settling.label,
        period,
        kind: 'final',
        seq,
        number,
        accountSeq: (head?.lastSeq ?? 0) + 1,
        issuedOn,
        dueOn: addDays(issuedOn, account.due_days),
        plan: planOrDefault(plans.get(settling.label)),
        totalFen: settlement.totalFen,
        status: settlement.status,
        noReading: settlement.noReading,
        usageUnits: formatQuantity(settlement.usageUnits),
        billingRunId: null,
        lines: settlement.lines,
        intervals: settlement.intervals,
      },
    ]);
    // Every season with a pending adjustment is settled above, so the final invoice carries them all.
    if (pending.length > 0) {
      await tx
        .updateTable('account_adjustments')
        .set({ applied_invoice_id: invoiceId })
        .where(
          'id',
          'in',
          pending.map((a) => a.id),
        )
        .execute();
    }
    // Credit on the account (an overpayment, this final invoice's own credit) settles what is still owed.
    const creditApplied = await applyCredit(tx, [accountId]);

    await audit(tx, {
      actor: principal.actor,
      action: 'account.close',
      entity: 'account',
      entityId: accountId,
      compoundId: account.compound_id,
      details: { closedOn, closingReading: closingValue, meterSerial: meter.serial, readingId, finalInvoice: number },
    });
    await audit(tx, {
      actor: principal.actor,
      action: 'invoice.issue_final',
      entity: 'invoice',
      entityId: invoiceId,
      compoundId: account.compound_id,
      details: {
        number,
        period,
        seasons: settlement.seasons,
        totalFen: settlement.totalFen,
        appliedAdjustments: pending.map((a) => a.id),
        creditApplied,
      },
    });
    await recordInvoiceIssued(tx, invoiceId);
    const finalInvoice = { invoiceId, compoundId: account.compound_id, accountId, householdId: account.household_id };
    await recordFinalCapThresholds(tx, finalInvoice, charges, settlement);
    const [out] = await loadInvoicesOut(tx, [invoiceId]);
    return out as InvoiceOut;
  });
}
