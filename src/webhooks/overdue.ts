import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';
import { overdueOn } from '../invoices/overdue.js';
import { INVOICE_DATA_SQL, subscribed } from './outbox.js';

/*
 * `invoice.overdue` (SPEC §9): once per invoice, when it passes its due date unpaid. Nothing
 * changes in the database at that moment, so no transaction can write it: a periodic task of the
 * delivery worker (graphile-worker's crontab, which runs each tick in one process only) finds the
 * newly overdue invoices set-wise and writes their events in one statement. The once_key
 * (0023) makes a second pass, or two processes at once, write nothing twice.
 */

/** A crontab task name allows no dot (graphile-worker's CRONTAB_COMMAND). */
export const OVERDUE_TASK = 'webhooks:overdue';
/** Hourly: a compound's day starts at its own local midnight, and an hour late is soon enough. */
export const OVERDUE_CRONTAB = `0 * * * * ${OVERDUE_TASK}`;

/**
 * How far back a pass looks: an invoice that became overdue within this many days and has no event
 * yet gets one. Bounds the pass to the recently due part of the open invoices' index; only an
 * outage longer than this loses an announcement.
 */
export const OVERDUE_LOOKBACK_DAYS = 31;

/**
 * Writes `invoice.overdue` for every invoice overdue at `at` in its compound's local date (SPEC §9
 * "Arrears", ../invoices/overdue.ts) that became so within the lookback and has none yet; only for
 * providers with an endpoint taking the type. Answers how many were written.
 */
export async function recordOverdueInvoices(db: Executor, at: Date): Promise<number> {
  const today = sql<string>`(${at.toISOString()}::timestamptz AT TIME ZONE c.time_zone)::date`;
  const result = await sql`
    INSERT INTO webhook_events (type, provider_id, account_id, payload, once_key)
    SELECT 'invoice.overdue', c.provider_id, i.account_id,
      ${sql.raw(INVOICE_DATA_SQL)} || jsonb_build_object('paidFen', i.paid_fen, 'owedFen', i.total_fen - i.paid_fen),
      'invoice.overdue:' || i.id
    FROM compounds c
    JOIN invoices i ON i.compound_id = c.id
      AND ${overdueOn('i', today)} AND i.due_on >= ${today} - ${sql.lit(OVERDUE_LOOKBACK_DAYS + 1)}
    WHERE ${sql.raw(subscribed('c.provider_id', "'invoice.overdue'"))}
    ORDER BY i.due_on, i.compound_id, i.seq
    ON CONFLICT (once_key) WHERE once_key IS NOT NULL DO NOTHING
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
