/**
 * PATCH /v1/readings/{id} (SPEC §5 "Invoices": issued invoices never change). The reading is
 * corrected, monotonic against its neighbours; every invoice interval that starts or ends on it
 * now measures the corrected register (the ledger keeps reading ids), so each metered season of
 * each account it reaches is trued up by a pending adjustment that the next invoice carries.
 * An account opened on the reading starts from the corrected value by the same reference.
 */
import type { Transaction } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Principal } from '../auth/principal.js';
import { formatQuantity } from '../core/index.js';
import { lockAccount, lockCompound, writeTransaction } from '../db/locks.js';
import type { Database } from '../db/pool.js';
import type { DB } from '../db/types.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { accountIntervals, accountsBilledOnReading, ledgerHeads } from '../ledger/repository.js';
import { neighbourReadings } from '../readings/repository.js';
import { quantityOut } from '../shared/quantity.js';
import { assertMonotonic, initialBound, readingBound } from '../shared/register.js';
import { formatInstant } from '../shared/time.js';
import * as repo from './repository.js';
import { meteredTrueUp } from './true-up.js';
import { adjustmentOut, parseValue, qty, type AdjustmentOut } from './values.js';

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

type LockedReading = NonNullable<Awaited<ReturnType<typeof repo.findReadingInScope>>>;

/** The corrected value must keep the register monotonic; a replaced meter's final reading stays as it is. */
async function assertCorrectable(tx: Transaction<DB>, reading: LockedReading, newValue: string): Promise<void> {
  if (reading.retired_at !== null && reading.final_reading !== null && reading.read_at.getTime() === reading.retired_at.getTime()) {
    throw conflict(`Reading ${reading.id} is the final reading of meter ${reading.serial}, which was replaced; it cannot be corrected.`);
  }
  // Monotonic against the meter's previous reading (else its initial reading) and its next.
  const { previous, next } = await neighbourReadings(tx, reading.meter_id, reading.read_at);
  assertMonotonic(
    'body.value',
    newValue,
    previous ? readingBound(previous, reading.time_zone, true) : initialBound(reading.initial_reading),
    next && readingBound(next, reading.time_zone, true),
    { meter: reading.serial, correcting: true },
  );
}

/** The accounts whose invoices billed from or to the reading; 409 when one is settled by its final invoice. */
async function accountsToTrueUp(tx: Transaction<DB>, readingId: number): Promise<string[]> {
  const accountIds = await accountsBilledOnReading(tx, readingId);
  const heads = await ledgerHeads(tx, accountIds);
  for (const accountId of accountIds) {
    if (heads.get(accountId)?.lastKind === 'final') {
      throw conflict(
        `Reading ${readingId} was billed for account ${accountId}, which is closed and settled by its final invoice; ` +
          'it cannot be corrected.',
      );
    }
  }
  return accountIds;
}

/** One account's pending adjustments for a corrected reading: each metered season it reaches, trued up. */
async function trueUpAccount(
  tx: Transaction<DB>,
  principal: Principal,
  accountId: string,
  correction: { readingId: number; oldValue: string; newValue: string },
): Promise<AdjustmentOut[]> {
  const { readingId } = correction;
  await lockAccount(tx, accountId);
  const account = await repo.accountContext(tx, accountId);
  const intervals = await accountIntervals(tx, accountId);
  const touched = intervals.filter((i) => i.to.readingId === readingId || i.from.readingId === readingId);
  for (const i of touched) {
    if (i.billedUnits >= 0n && i.units < 0n) {
      throw unprocessable(`The correction would make the usage of invoice ${i.number} negative (${formatQuantity(i.units)} units).`, [
        { path: 'body.value', message: `would make the usage of invoice ${i.number} negative` },
      ]);
    }
  }
  // The invoice the correction is about: the first that is not void among those ending on it.
  const ending = touched.filter((i) => i.to.readingId === readingId);
  const source = ending.find((i) => i.invoiceStatus !== 'void') ?? ending[0] ?? touched[0]!;
  const created: AdjustmentOut[] = [];
  for (const seasonLabel of [...new Set(touched.map((i) => i.seasonLabel))].sort()) {
    const amountFen = await meteredTrueUp(tx, account, seasonLabel, intervals);
    if (amountFen === 0) continue;
    const row = await repo.insertAdjustment(tx, {
      compoundId: account.compound_id,
      accountId,
      amountFen,
      description: `读数更正 Reading correction for invoice ${source.number}: ${correction.oldValue} → ${correction.newValue}`,
      seasonLabel,
      sourceInvoiceId: source.invoiceId,
      createdBy: principal.actor,
    });
    await audit(tx, {
      actor: principal.actor,
      action: 'adjustment.create',
      entity: 'account_adjustment',
      entityId: row.id,
      compoundId: account.compound_id,
      details: { accountId, season: seasonLabel, amountFen, sourceInvoice: source.number, readingId },
    });
    created.push(adjustmentOut(row));
  }
  return created;
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

  return writeTransaction(db, async (tx) => {
    // Scope first (404 without taking any lock); then the compound's lock, then rows (the one lock order).
    const seen = await repo.findReadingInScope(tx, readingId, principal, false);
    if (!seen) throw notFound('Reading');
    await lockCompound(tx, seen.compound_id);
    const reading = (await repo.findReadingInScope(tx, readingId, principal, true))!;
    const oldValue = quantityOut(reading.value);
    const base = {
      id: reading.id,
      meterSerial: reading.serial,
      readAt: formatInstant(reading.read_at, reading.time_zone),
      source: reading.source,
      previousValue: oldValue,
    };
    if (qty(reading.value) === qty(newValue)) return { ...base, value: oldValue, adjustment: null, adjustments: [] };
    await assertCorrectable(tx, reading, newValue);
    const accountIds = await accountsToTrueUp(tx, readingId);

    await repo.setReadingValue(tx, readingId, newValue);
    const created: AdjustmentOut[] = [];
    for (const accountId of accountIds) created.push(...(await trueUpAccount(tx, principal, accountId, { readingId, oldValue, newValue })));

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
        accounts: accountIds,
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
