/**
 * Corrections and move-outs (SPEC §5 "Invoices": issued invoices never change; a corrected
 * reading or a closing account is settled by adjustment lines on a later invoice, or by a final
 * invoice whose total may be negative).
 *
 * - correctReading: PATCH a reading (monotonic against its neighbours); when it was billed, the
 *   season is replayed through the core with the corrected units and the difference stored as a
 *   pending account_adjustments row that the next invoice carries.
 * - voidInvoice: an unpaid invoice becomes void (it keeps its number); what it carried is
 *   re-billed by the next invoice through the same adjustment mechanism.
 * - closeAccount: the closing reading is stored, the account closed and a final invoice issued
 *   at once from the core's computeFinalSettlement, numbered in the batch's gapless sequence.
 */
import { seasonFromRow } from '../seasons/from-row.js';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { audit } from '../audit/audit.js';
import { findAccountInScope } from '../accounts/scope.js';
import {
  accountTerms,
  addDays,
  computeFinalSettlement,
  formatQuantity,
  meterAtOpening,
  meteredCorrectionFen,
  parseQuantity,
  periodOfDate,
  type AccountSeasonFacts,
  type InvoiceLine,
  type MeteredUsage,
  type PendingAdjustment,
  type Qty,
  usageAcrossMeters,
  type Season,
} from '../core/index.js';
import type { Database, Executor } from '../db/pool.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { loadInvoicesOut } from '../invoices/repository.js';
import { applyCredit } from '../payments/credit.js';
import type { InvoiceOut } from '../invoices/schemas.js';
import { quantityOut } from '../shared/quantity.js';
import { formatInstant, FUTURE_SKEW_MS, localToday, startOfLocalDate } from '../shared/time.js';
import { chainOrder, correctChain, seasonUnits, type ChainInvoice, type ChainMeter, type CorrectedInvoice } from './chain.js';
import { invoiceNumber, lockInvoiceNumbering, nextInvoiceSeq } from './numbering.js';
import * as repo from './repository.js';

const MAX_QTY = 10n ** 15n; // numeric(15, 3)

function qty(value: string): Qty {
  return parseQuantity(value);
}

function parseValue(input: string | number, path: string): string {
  let q: Qty;
  try {
    q = parseQuantity(input, path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw unprocessable(`${path} is invalid: ${message}`, [
      { path, message: message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message },
    ]);
  }
  if (q >= MAX_QTY) throw unprocessable(`${path} must be below 1000000000000.`, [{ path, message: 'must be below 1000000000000' }]);
  return formatQuantity(q);
}

// ---------------------------------------------------------------------------------------------
// Shared: seasons, the reading chain and the usage replay

async function coreSeason(db: Executor, compoundId: string, label: string): Promise<Season> {
  const row = await repo.findSeason(db, compoundId, label);
  if (!row) throw new Error(`season ${label} of compound ${compoundId} is missing`);
  return seasonFromRow(row);
}

type AccountRow = Awaited<ReturnType<typeof repo.accountContext>>;

async function loadChain(db: Executor, account: AccountRow) {
  const rows = await repo.chainInvoices(db, account.id);
  const meterRows = await repo.householdMeters(db, account.household_id);
  const invoices: ChainInvoice[] = rows.map((r) => ({
    id: r.id,
    number: r.number,
    period: r.period,
    seasonLabel: r.season_label,
    kind: r.kind,
    void: r.status === 'void',
    createdAt: r.created_at.getTime(),
    endReadingId: r.end_reading_id,
    endMeterId: r.end_meter_id,
    endValue: r.end_value === null ? null : qty(r.end_value),
    currentEndValue: r.current_end_value === null ? null : qty(r.current_end_value),
    usageUnits: qty(r.usage_units),
  }));
  const meters = new Map<string, ChainMeter>(
    meterRows.map((m) => [
      m.id,
      {
        id: m.id,
        replacesMeterId: m.replaces_meter_id,
        initialReading: qty(m.initial_reading),
        finalReading: m.final_reading === null ? null : qty(m.final_reading),
      },
    ]),
  );
  return { invoices, meters, meterRows, chain: correctChain(invoices, meters) };
}

function factsOf(account: AccountRow, plan: 'metered' | 'flat', season: Season): AccountSeasonFacts {
  return { plan, areaM2: account.area_m2, openedOn: account.opened_on, closedOn: account.closed_on, season };
}

/**
 * The usage adjustment a metered season still needs: the core's replay of the season's
 * corrected units (capped) − (usage billed on non-void invoices + usage adjustments pending).
 * 0 for a flat season (usage does not change what a flat account owes).
 */
async function meteredSeasonAdjustment(
  db: Executor,
  account: AccountRow,
  chain: readonly CorrectedInvoice[],
  seasonLabel: string,
): Promise<number> {
  const plan = await repo.planOf(db, account.id, seasonLabel);
  if (plan !== 'metered') return 0;
  const season = await coreSeason(db, account.compound_id, seasonLabel);
  const terms = accountTerms(factsOf(account, plan, season));
  const months = seasonUnits(chain, seasonLabel);
  for (const m of months) {
    if (m.correctedUnits < 0n) {
      throw unprocessable(
        `The correction would make the usage of invoice ${m.invoice.number} negative (${formatQuantity(m.correctedUnits)} units).`,
        [{ path: 'body.value', message: `would make the usage of invoice ${m.invoice.number} negative` }],
      );
    }
  }
  const billed = await repo.seasonBilled(db, account.id, seasonLabel);
  const pending = (await repo.pendingAdjustments(db, account.id))
    .filter((a) => a.season_label === seasonLabel && a.applies_to === 'usage')
    .reduce((sum, a) => sum + a.amount_fen, 0);
  const { adjustmentFen } = meteredCorrectionFen(
    months.map((m) => m.correctedUnits),
    season.unitRate,
    terms.capFen,
    billed.usageFen + pending,
  );
  return adjustmentFen;
}

// ---------------------------------------------------------------------------------------------
// PATCH /v1/readings/{id}

export interface AdjustmentOut {
  id: string;
  accountId: string;
  season: string;
  amountFen: number;
  description: string;
  sourceInvoiceId: string | null;
}

export interface CorrectedReadingOut {
  id: number;
  meterSerial: string;
  readAt: string;
  value: string;
  source: 'manual' | 'automatic';
  previousValue: string;
  adjustment: { amountFen: number; description: string } | null;
  adjustments: AdjustmentOut[];
}

function adjustmentOut(row: {
  id: string;
  account_id: string;
  season_label: string;
  amount_fen: number;
  description: string;
  source_invoice_id: string | null;
}): AdjustmentOut {
  return {
    id: row.id,
    accountId: row.account_id,
    season: row.season_label,
    amountFen: row.amount_fen,
    description: row.description,
    sourceInvoiceId: row.source_invoice_id,
  };
}

export async function correctReading(
  db: Database,
  principal: Principal,
  readingId: number,
  input: { value: string | number; reason: string },
): Promise<CorrectedReadingOut> {
  const newValue = parseValue(input.value, 'body.value');
  const reason = input.reason.trim();
  if (reason.length === 0) throw unprocessable('A reason is required.', [{ path: 'body.reason', message: 'must not be blank' }]);

  return db.transaction().execute(async (tx) => {
    // Scope first (404 without taking any lock), then serialise with imports of the compound.
    const seen = await repo.findReadingInScopeForUpdate(tx, readingId, principal);
    if (!seen) throw notFound('Reading');
    await repo.lockCompoundReadings(tx, seen.compound_id);
    const reading = (await repo.findReadingInScopeForUpdate(tx, readingId, principal))!;
    const zone = reading.time_zone;
    const oldValue = quantityOut(reading.value);
    const base = {
      id: reading.id,
      meterSerial: reading.serial,
      readAt: formatInstant(reading.read_at, zone),
      source: reading.source,
      previousValue: oldValue,
    };
    if (qty(reading.value) === qty(newValue)) return { ...base, value: oldValue, adjustment: null, adjustments: [] };

    if (reading.retired_at !== null && reading.final_reading !== null && reading.read_at.getTime() === reading.retired_at.getTime()) {
      throw conflict(`Reading ${readingId} is the final reading of meter ${reading.serial}, which was replaced; it cannot be corrected.`);
    }

    // Monotonic against the meter's previous and next readings and its initial reading.
    const { previous, next } = await repo.neighbourReadings(tx, reading.meter_id, reading.read_at);
    const v = qty(newValue);
    if (v < qty(reading.initial_reading)) {
      throw unprocessable(
        `value ${newValue} is lower than the initial reading ${quantityOut(reading.initial_reading)} of meter ${reading.serial}.`,
        [
          {
            path: 'body.value',
            message: `is lower than the initial reading ${quantityOut(reading.initial_reading)} of meter ${reading.serial}`,
          },
        ],
      );
    }
    if (previous && v < qty(previous.value)) {
      const message =
        `is lower than the earlier reading ${previous.id} ` +
        `(${quantityOut(previous.value)} at ${formatInstant(previous.read_at, zone)}) of meter ${reading.serial}`;
      throw unprocessable(`value ${newValue} ${message}.`, [{ path: 'body.value', message }]);
    }
    if (next && v > qty(next.value)) {
      const message =
        `is higher than the later reading ${next.id} ` +
        `(${quantityOut(next.value)} at ${formatInstant(next.read_at, zone)}) of meter ${reading.serial}`;
      throw unprocessable(`value ${newValue} ${message}.`, [{ path: 'body.value', message }]);
    }

    // Invoices whose usage ended at this reading, and the accounts they belong to.
    const billedBy = await repo.invoicesEndingAt(tx, readingId);
    const accountIds = [...new Set(billedBy.map((i) => i.account_id))];
    for (const accountId of accountIds) {
      if (await repo.hasFinalInvoice(tx, accountId)) {
        const inv = billedBy.find((i) => i.account_id === accountId)!;
        throw conflict(
          `Reading ${readingId} was billed by invoice ${inv.number} of account ${accountId}, ` +
            'which is closed and settled by its final invoice.',
        );
      }
    }

    await tx.updateTable('readings').set({ value: newValue }).where('id', '=', readingId).execute();

    const created: AdjustmentOut[] = [];
    for (const accountId of accountIds) {
      await repo.lockAccount(tx, accountId);
      const account = await repo.accountContext(tx, accountId);
      const { chain } = await loadChain(tx, account);
      // The corrected invoice: the first non-void one that ended at the reading.
      const ending = chain.filter((c) => c.invoice.endReadingId === readingId);
      const source = ending.find((c) => !c.invoice.void) ?? ending[0];
      if (!source) continue;
      // Seasons whose units moved: those of the invoices ending here and of those starting here.
      const seasons = new Set<string>();
      for (const c of chain) {
        if (c.invoice.endReadingId === readingId || c.start?.endReadingId === readingId) seasons.add(c.invoice.seasonLabel);
      }
      for (const seasonLabel of [...seasons].sort()) {
        const amountFen = await meteredSeasonAdjustment(tx, account, chain, seasonLabel);
        if (amountFen === 0) continue;
        const row = await repo.insertAdjustment(tx, {
          compoundId: account.compound_id,
          accountId,
          amountFen,
          description: `读数更正 Reading correction for invoice ${source.invoice.number}: ${oldValue} → ${newValue}`,
          appliesTo: 'usage',
          seasonLabel,
          sourceInvoiceId: source.invoice.id,
          createdBy: principal.actor,
        });
        await audit(tx, {
          actor: principal.actor,
          action: 'adjustment.create',
          entity: 'account_adjustment',
          entityId: row.id,
          compoundId: account.compound_id,
          details: { accountId, season: seasonLabel, amountFen, appliesTo: 'usage', sourceInvoice: source.invoice.number, readingId },
        });
        created.push(adjustmentOut(row));
      }
    }

    await audit(tx, {
      actor: principal.actor,
      action: 'reading.correct',
      entity: 'reading',
      entityId: String(readingId),
      compoundId: reading.compound_id,
      details: {
        meterSerial: reading.serial,
        readAt: base.readAt,
        oldValue,
        newValue,
        reason,
        billedBy: billedBy.map((i) => i.number),
        adjustments: created.map((a) => ({ id: a.id, amountFen: a.amountFen })),
      },
    });
    const first = created[0];
    return {
      ...base,
      value: newValue,
      adjustment: first ? { amountFen: first.amountFen, description: first.description } : null,
      adjustments: created,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// POST /v1/invoices/{id}/void

/** Voids an unpaid invoice (voided_at on the database clock, like invoices' created_at: the chain compares them). */
export async function voidInvoice(db: Database, principal: Principal, invoiceId: string, input: { reason: string }): Promise<InvoiceOut> {
  const reason = input.reason.trim();
  if (reason.length === 0) throw unprocessable('A reason is required.', [{ path: 'body.reason', message: 'must not be blank' }]);
  return db.transaction().execute(async (tx) => {
    const seen = await repo.findInvoiceInScope(tx, invoiceId, principal, false);
    if (!seen) throw notFound('Invoice');
    // Serialise with the compound's monthly batch (it holds this lock while billing) so the
    // re-bill is computed from every invoice the batch issued; then the account, and only then
    // the invoice: payments lock account before invoices too, so the two can never deadlock.
    await repo.lockCompoundReadings(tx, seen.compound_id);
    await repo.lockAccount(tx, seen.account_id);
    const invoice = (await repo.findInvoiceInScope(tx, invoiceId, principal, true))!;
    if (invoice.status === 'void') throw conflict(`Invoice ${invoice.number} is already void.`);
    if (invoice.paid_fen !== 0) {
      throw conflict(`Invoice ${invoice.number} has payments (${invoice.paid_fen} fen); only an unpaid invoice can be voided.`);
    }
    if (invoice.kind === 'final') {
      throw conflict(`Invoice ${invoice.number} is a final invoice; it settles a closed account and cannot be voided.`);
    }
    if (await repo.hasFinalInvoice(tx, invoice.account_id)) {
      throw conflict(`The account of invoice ${invoice.number} is closed and settled by its final invoice.`);
    }

    await tx
      .updateTable('invoices')
      .set({ status: 'void', voided_at: sql<Date>`now()`, void_reason: reason })
      .where('id', '=', invoiceId)
      .execute();
    // Adjustments it carried are owed again: pending for the next invoice.
    const released = await tx
      .updateTable('account_adjustments')
      .set({ applied_invoice_id: null })
      .where('applied_invoice_id', '=', invoiceId)
      .returning(['id', 'amount_fen'])
      .execute();

    const account = await repo.accountContext(tx, invoice.account_id);
    let amountFen: number;
    let appliesTo: 'usage' | 'flat';
    if (invoice.plan === 'metered') {
      const { chain } = await loadChain(tx, account);
      amountFen = await meteredSeasonAdjustment(tx, account, chain, invoice.season_label);
      appliesTo = 'usage';
    } else {
      const flat = await tx
        .selectFrom('invoice_lines')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_fen'), eb.lit(0)).as('fen'))
        .where('invoice_id', '=', invoiceId)
        .where('kind', 'in', ['flat_installment', 'flat_upfront'])
        .executeTakeFirstOrThrow();
      amountFen = Number(flat.fen);
      appliesTo = 'flat';
    }
    let adjustment: AdjustmentOut | null = null;
    if (amountFen !== 0) {
      const row = await repo.insertAdjustment(tx, {
        compoundId: invoice.compound_id,
        accountId: invoice.account_id,
        amountFen,
        description: `作废重开 Re-billed from void invoice ${invoice.number}`,
        appliesTo,
        seasonLabel: invoice.season_label,
        sourceInvoiceId: invoice.id,
        createdBy: principal.actor,
      });
      adjustment = adjustmentOut(row);
    }
    await audit(tx, {
      actor: principal.actor,
      action: 'invoice.void',
      entity: 'invoice',
      entityId: invoice.id,
      compoundId: invoice.compound_id,
      details: {
        number: invoice.number,
        reason,
        totalFen: invoice.total_fen,
        previousStatus: invoice.status,
        releasedAdjustments: released.map((r) => r.id),
        adjustment,
      },
    });
    const [out] = await loadInvoicesOut(tx, [invoice.id]);
    return out as InvoiceOut;
  });
}

// ---------------------------------------------------------------------------------------------
// POST /v1/accounts/{id}/close

type MeterRow = Awaited<ReturnType<typeof repo.householdMeters>>[number];

/** Usage from where billing last ended to the closing reading, across replacements (SPEC §4). */
function usageAcross(
  meters: readonly MeterRow[],
  start: { meterId: string; value: Qty },
  end: { meterId: string; value: Qty },
): MeteredUsage {
  const chained = meters.map((m) => ({
    id: m.id,
    replacesId: m.replaces_meter_id,
    initialReading: m.initial_reading,
    finalReading: m.final_reading,
  }));
  const usage = usageAcrossMeters(
    chained,
    { meterId: start.meterId, value: formatQuantity(start.value) },
    { meterId: end.meterId, value: formatQuantity(end.value) },
  );
  if (usage === null) throw conflict('The closing meter does not descend from the meter billing last ended on.');
  return usage;
}

/** The season a closing on `closedOn` settles: the latest starting before it, else the first. */
function settlingSeason<T extends { label: string; heating_start: string }>(seasons: readonly T[], closedOn: string): T | undefined {
  const before = seasons.filter((s) => s.heating_start < closedOn).sort((a, b) => (a.label < b.label ? 1 : -1));
  return before[0] ?? [...seasons].sort((a, b) => (a.label < b.label ? -1 : 1))[0];
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

  return db.transaction().execute(async (tx) => {
    const seen = await findAccountInScope(tx, accountId, principal);
    if (!seen || principal.role === 'resident') throw notFound('Account');
    // Same lock order as opening an account: household, then the account.
    await tx.selectFrom('households').select('id').where('id', '=', seen.household_id).forUpdate().execute();
    const locked = await repo.lockAccount(tx, accountId);
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

    // Nothing may have been billed for the month of closedOn or later.
    const later = await tx
      .selectFrom('invoices')
      .select(['number', 'period'])
      .where('account_id', '=', accountId)
      .where('status', '<>', 'void')
      .where('period', '>=', period)
      .orderBy('period')
      .executeTakeFirst();
    if (later) {
      throw conflict(
        `Invoice ${later.number} already billed ${later.period}, on or after closedOn ${closedOn}; void it before closing the account.`,
      );
    }

    const seasons = await tx.selectFrom('seasons').selectAll().where('compound_id', '=', account.compound_id).execute();
    const seasonRow = settlingSeason(seasons, closedOn);
    if (!seasonRow) {
      throw unprocessable(`${account.compound_code} has no season to settle the account in.`, [
        { path: 'body.closedOn', message: 'no season defined for the compound' },
      ]);
    }

    // The closing reading: the active meter's register at the start of closedOn (local time), the
    // instant the occupancy ends; the next account opened on closedOn starts from it.
    await repo.lockCompoundReadings(tx, account.compound_id);
    const meter = await tx
      .selectFrom('meters')
      .selectAll()
      .where('household_id', '=', account.household_id)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    if (!meter) {
      throw unprocessable(`Household ${account.household_id} has no active meter to take the closing reading from.`, [
        { path: 'body.closingReading', message: 'the household has no active meter' },
      ]);
    }
    const readAt = startOfLocalDate(closedOn, zone);
    if (readAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      throw unprocessable(`closedOn ${closedOn} is in the future: the closing reading is taken at its start.`, [
        { path: 'body.closedOn', message: 'must not be in the future' },
      ]);
    }
    if (readAt.getTime() <= meter.installed_at.getTime()) {
      throw unprocessable(
        `closedOn ${closedOn} is not after the installation of meter ${meter.serial} (${formatInstant(meter.installed_at, zone)}).`,
        [{ path: 'body.closedOn', message: `must be after the installation of meter ${meter.serial}` }],
      );
    }
    const v = qty(closingValue);
    if (v < qty(meter.initial_reading)) {
      throw unprocessable(
        `closingReading ${closingValue} is lower than the initial reading ${quantityOut(meter.initial_reading)} of meter ${meter.serial}.`,
        [
          {
            path: 'body.closingReading',
            message: `is lower than the initial reading ${quantityOut(meter.initial_reading)} of meter ${meter.serial}`,
          },
        ],
      );
    }
    let readingId: number;
    const same = await repo.readingAt(tx, meter.id, readAt);
    if (same) {
      if (qty(same.value) !== v) {
        throw conflict(
          `Meter ${meter.serial} already has the reading ${quantityOut(same.value)} at ${formatInstant(readAt, zone)}; ` +
            `the closing reading ${closingValue} conflicts with it.`,
        );
      }
      readingId = same.id;
    } else {
      const { previous, next } = await repo.neighbourReadings(tx, meter.id, readAt);
      if (previous && v < qty(previous.value)) {
        const message =
          `is lower than the reading ${previous.id} ` +
          `(${quantityOut(previous.value)} at ${formatInstant(previous.read_at, zone)}) of meter ${meter.serial}`;
        throw unprocessable(`closingReading ${closingValue} ${message}.`, [{ path: 'body.closingReading', message }]);
      }
      if (next && v > qty(next.value)) {
        const message =
          `is higher than the later reading ${next.id} ` +
          `(${quantityOut(next.value)} at ${formatInstant(next.read_at, zone)}) of meter ${meter.serial}`;
        throw unprocessable(`closingReading ${closingValue} ${message}.`, [{ path: 'body.closingReading', message }]);
      }
      const inserted = await tx
        .insertInto('readings')
        .values({ compound_id: account.compound_id, meter_id: meter.id, read_at: readAt, value: closingValue, source: 'manual' })
        .returning('id')
        .executeTakeFirstOrThrow();
      readingId = inserted.id;
    }

    await tx.updateTable('accounts').set({ closed_on: closedOn, closing_reading: closingValue }).where('id', '=', accountId).execute();
    const closed: AccountRow = { ...account, closed_on: closedOn, closing_reading: closingValue };

    // Usage since the reading the last invoice ended at (as the batch starts a month), or the opening reading.
    const { invoices, meterRows } = await loadChain(tx, closed);
    const ordered = chainOrder(invoices).filter(
      (i) => i.endReadingId !== null && i.currentEndValue !== null && i.endMeterId !== null,
    );
    const last = ordered[ordered.length - 1];
    let start: { meterId: string; value: Qty };
    if (last) {
      start = { meterId: last.endMeterId as string, value: last.currentEndValue as Qty };
    } else {
      const openedAt = startOfLocalDate(account.opened_on, zone);
      const atOpening =
        meterRows[
          meterAtOpening(
            meterRows.map((m) => ({ installedAt: m.installed_at, retiredAt: m.retired_at })),
            openedAt,
          )
        ] ?? meter;
      start = { meterId: atOpening.id, value: qty(account.opening_reading ?? atOpening.initial_reading) };
    }
    if (start.meterId === meter.id && v < start.value) {
      throw unprocessable(
        `closingReading ${closingValue} is lower than ${formatQuantity(start.value)}, where billing of the account last ended.`,
        [{ path: 'body.closingReading', message: `is lower than the last billed reading ${formatQuantity(start.value)}` }],
      );
    }
    const usage = usageAcross(meterRows, start, { meterId: meter.id, value: v });

    const plan = await repo.planOf(tx, accountId, seasonRow.label);
    const season = await coreSeason(tx, account.compound_id, seasonRow.label);
    const billed = await repo.seasonBilled(tx, accountId, seasonRow.label);
    const pending = await repo.pendingAdjustments(tx, accountId);
    const inSeason: PendingAdjustment[] = [];
    const otherLines: InvoiceLine[] = [];
    for (const a of pending) {
      if (a.season_label === seasonRow.label) {
        inSeason.push({ amountFen: a.amount_fen, description: a.description, appliesTo: a.applies_to });
      } else {
        otherLines.push({ kind: 'adjustment', description: a.description, amountFen: a.amount_fen });
      }
    }
    const settlement = computeFinalSettlement(factsOf(closed, plan, season), usage, billed, inSeason);
    const lines = [...settlement.lines, ...otherLines];
    const totalFen = lines.reduce((sum, l) => sum + l.amountFen, 0);

    await lockInvoiceNumbering(tx, account.compound_id, period);
    const seq = await nextInvoiceSeq(tx, account.compound_id, period);
    const issuedOn = localToday(zone, now);
    const invoice = await tx
      .insertInto('invoices')
      .values({
        compound_id: account.compound_id,
        account_id: accountId,
        household_id: account.household_id,
        season_label: seasonRow.label,
        period,
        kind: 'final',
        seq,
        number: invoiceNumber(account.compound_code, period, seq),
        issued_on: issuedOn,
        due_on: addDays(issuedOn, account.due_days),
        plan,
        total_fen: totalFen,
        status: totalFen <= 0 ? 'paid' : 'issued',
        no_reading: settlement.noReading,
        end_reading_id: readingId,
        end_value: closingValue,
        usage_units: formatQuantity(settlement.usageUnits),
        billing_run_id: null,
      })
      .returning(['id', 'number'])
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('invoice_lines')
      .values(
        lines.map((l, i) => ({
          invoice_id: invoice.id,
          line_no: i + 1,
          compound_id: account.compound_id,
          kind: l.kind,
          description: l.description,
          units: l.units ?? null,
          unit_rate: l.unitRate ?? null,
          amount_fen: l.amountFen,
        })),
      )
      .execute();
    if (pending.length > 0) {
      await tx
        .updateTable('account_adjustments')
        .set({ applied_invoice_id: invoice.id })
        .where('id', 'in', pending.map((a) => a.id))
        .execute();
    }
    // Credit on the account (an overpayment) settles what is still owed, the final invoice included.
    const creditApplied = await applyCredit(tx, [accountId]);

    await audit(tx, {
      actor: principal.actor,
      action: 'account.close',
      entity: 'account',
      entityId: accountId,
      compoundId: account.compound_id,
      details: { closedOn, closingReading: closingValue, meterSerial: meter.serial, readingId, finalInvoice: invoice.number },
    });
    await audit(tx, {
      actor: principal.actor,
      action: 'invoice.issue_final',
      entity: 'invoice',
      entityId: invoice.id,
      compoundId: account.compound_id,
      details: {
        number: invoice.number,
        period,
        season: seasonRow.label,
        plan,
        totalFen,
        capFen: settlement.capFen,
        coveredDays: settlement.coveredDays,
        appliedAdjustments: pending.map((a) => a.id),
        creditApplied,
      },
    });
    const [out] = await loadInvoicesOut(tx, [invoice.id]);
    return out as InvoiceOut;
  });
}
