import { sql } from 'kysely';
import {
  buildSeason,
  computeMonthInvoice,
  formatQuantity,
  parseQuantity,
  periodBounds,
  type MeteredUsage,
  type PendingAdjustment,
  type RegisterSegment,
} from '../../src/core/index.js';
import type { Database } from '../../src/db/pool.js';
import { invoiceNumber } from '../../src/corrections/numbering.js';
import * as repo from '../../src/corrections/repository.js';
import { START_SKIPS_VOID } from '../../src/corrections/chain.js';
import { startOfLocalDate } from '../../src/registry/time.js';

/**
 * A stand-in for the monthly batch (issue 5) for the corrections tests, written directly against
 * the schema with the billing core, following the batch's contract: the metered start of a month
 * is the CURRENT value of the end reading of the account's latest invoice (else the
 * opening reading); the end is the latest reading at or before the end of the month; pending
 * adjustments become adjustment lines and are marked applied; accounts with a final invoice are
 * skipped. It bills one account for one period; `billCompoundMonth` bills every account.
 */
export async function billAccountMonth(db: Database, accountId: string, period: string): Promise<{ id: string; number: string; totalFen: number } | null> {
  return db.transaction().execute(async (tx) => {
    const account = await repo.accountContext(tx, accountId);
    if (await repo.hasFinalInvoice(tx, accountId)) return null;
    const already = await tx.selectFrom('invoices').select('id').where('account_id', '=', accountId).where('period', '=', period).where('kind', '=', 'monthly').executeTakeFirst();
    if (already) return null;
    const seasons = await tx.selectFrom('seasons').selectAll().where('compound_id', '=', account.compound_id).execute();
    const built = seasons.map((row) =>
      buildSeason({
        label: row.label,
        heating: { start: row.heating_start, end: row.heating_end },
        cooling: { start: row.cooling_start, end: row.cooling_end },
        unitRate: row.unit_rate,
        capPerM2: row.cap_per_m2,
        flatBilling: row.flat_billing,
      }),
    );
    const season = built.find((s) => s.monthIndex.has(period));
    if (!season) return null;
    const plan = await repo.planOf(tx, accountId, season.label);
    const meters = await repo.householdMeters(tx, account.household_id);
    const byId = new Map(meters.map((m) => [m.id, m]));

    // Start: the latest invoice's end reading (current value), else the opening reading.
    const last = await tx
      .selectFrom('invoices as i')
      .innerJoin('readings as r', 'r.id', 'i.end_reading_id')
      .select(['r.id', 'r.meter_id', 'r.value', 'r.read_at'])
      .where('i.account_id', '=', accountId)
      .$if(START_SKIPS_VOID, (qb) => qb.where('i.status', '<>', 'void'))
      .orderBy('i.period', 'desc')
      .orderBy('i.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const openedAt = startOfLocalDate(account.opened_on, account.time_zone);
    const openingMeter =
      meters.find((m) => m.installed_at <= openedAt && (m.retired_at === null || m.retired_at > openedAt)) ?? meters[0];
    const start = last
      ? { readingId: last.id as number | null, meterId: last.meter_id, value: last.value, at: last.read_at }
      : { readingId: null, meterId: openingMeter!.id, value: account.opening_reading ?? openingMeter!.initial_reading, at: openedAt };

    const { end: monthEnd } = periodBounds(period, account.time_zone);
    const end = await tx
      .selectFrom('readings')
      .select(['id', 'meter_id', 'value', 'read_at'])
      .where('meter_id', 'in', meters.map((m) => m.id))
      .where('read_at', '<', monthEnd)
      .where('read_at', '>', start.at)
      .orderBy('read_at', 'desc')
      .limit(1)
      .executeTakeFirst();

    let usage: MeteredUsage;
    if (!end) usage = { startValue: start.value, endValue: null };
    else if (end.meter_id === start.meterId) usage = { startValue: start.value, endValue: end.value };
    else {
      const path = [];
      let current = byId.get(end.meter_id);
      while (current && current.id !== start.meterId) {
        path.unshift(current);
        current = current.replaces_meter_id ? byId.get(current.replaces_meter_id) : undefined;
      }
      const segments: RegisterSegment[] = [{ from: start.value, to: current!.final_reading! }];
      for (const m of path) segments.push({ from: m.initial_reading, to: m.id === end.meter_id ? end.value : m.final_reading! });
      usage = { segments };
    }

    const billed = await repo.seasonBilled(tx, accountId, season.label);
    const pendingRows = await repo.pendingAdjustments(tx, accountId);
    const pending: PendingAdjustment[] = pendingRows.map((a) => ({ amountFen: a.amount_fen, description: a.description, appliesTo: a.applies_to }));
    const invoice = computeMonthInvoice(
      { plan, areaM2: account.area_m2, openedOn: account.opened_on, closedOn: account.closed_on, season },
      period,
      usage,
      billed,
      pending,
    );
    if (!invoice) return null;

    await sql`SELECT pg_advisory_xact_lock(hashtext(${`invoice-numbering:${account.compound_id}:${period}`}))`.execute(tx);
    const seqRow = await tx
      .selectFrom('invoices')
      .select(sql<number>`coalesce(max(seq), 0)::int`.as('seq'))
      .where('compound_id', '=', account.compound_id)
      .where('period', '=', period)
      .executeTakeFirstOrThrow();
    const seq = seqRow.seq + 1;
    const endReading = end ?? (start.readingId === null ? null : { id: start.readingId, value: start.value });
    const row = await tx
      .insertInto('invoices')
      .values({
        compound_id: account.compound_id,
        account_id: accountId,
        household_id: account.household_id,
        season_label: season.label,
        period,
        seq,
        number: invoiceNumber(account.compound_code, period, seq),
        issued_on: `${period}-28`,
        due_on: `${period}-28`,
        plan,
        total_fen: invoice.totalFen,
        status: invoice.totalFen <= 0 ? 'paid' : 'issued',
        no_reading: invoice.noReading,
        end_reading_id: endReading ? endReading.id : null,
        end_value: endReading ? endReading.value : null,
        usage_units: formatQuantity(invoice.usageUnits),
      })
      .returning(['id', 'number', 'total_fen'])
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('invoice_lines')
      .values(
        invoice.lines.map((l, i) => ({
          invoice_id: row.id,
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
    if (pendingRows.length > 0) {
      await tx.updateTable('account_adjustments').set({ applied_invoice_id: row.id }).where('id', 'in', pendingRows.map((a) => a.id)).execute();
    }
    return { id: row.id, number: row.number, totalFen: row.total_fen };
  });
}


/** Bills every open-or-unsettled account of a compound for a period, in household order. */
export async function billCompoundMonth(db: Database, compoundId: string, period: string) {
  const accounts = await db
    .selectFrom('accounts as a')
    .innerJoin('households as h', 'h.id', 'a.household_id')
    .select('a.id')
    .where('a.compound_id', '=', compoundId)
    .orderBy('h.household_no')
    .orderBy('a.opened_on')
    .execute();
  const out = [];
  for (const a of accounts) {
    const invoice = await billAccountMonth(db, a.id, period);
    if (invoice) out.push(invoice);
  }
  return out;
}

/** Σ totalFen of an account's non-void invoices of a season (what it is charged overall). */
export async function seasonTotal(db: Database, accountId: string, season = '2025-26'): Promise<number> {
  const row = await db
    .selectFrom('invoices')
    .select(sql<number>`coalesce(sum(total_fen), 0)::bigint`.as('total'))
    .where('account_id', '=', accountId)
    .where('season_label', '=', season)
    .where('status', '<>', 'void')
    .executeTakeFirstOrThrow();
  return row.total;
}

export const SEASON_MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];

/** The last instant-ish of a month for a reading: the 28th at noon local (+08:00). */
export function monthReadAt(period: string, day = 28): string {
  return `${period}-${String(day).padStart(2, '0')}T12:00:00+08:00`;
}

export function units(value: string): bigint {
  return parseQuantity(value);
}
