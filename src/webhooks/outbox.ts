import { sql } from 'kysely';
import type pg from 'pg';
import type { Executor } from '../db/pool.js';
import type { EventType } from './events.js';
import './tables.js';

/*
 * The outbox (SPEC §9): events are written in the transaction of the change that caused them, so a
 * crash after the commit loses none. Each write checks first that some enabled endpoint of the provider
 * (or an admin's endpoint for all) is subscribed to the type: with none, the change costs one probe.
 */

/** The SQL test "an enabled endpoint of this provider, or for all providers, takes this event type". */
const SUBSCRIBED_SQL = `EXISTS (SELECT 1 FROM webhook_endpoints w
  WHERE (w.provider_id = $provider OR w.provider_id IS NULL) AND w.disabled_at IS NULL AND $type = ANY (w.events))`;

export const subscribed = (provider: string, type: string) => SUBSCRIBED_SQL.replace('$provider', provider).replace('$type', type);

/** One event, when subscribed. */
export async function recordEvent(
  tx: Executor,
  event: { type: EventType; providerId: string; accountId: string | null; data: Record<string, unknown> },
): Promise<void> {
  await sql`
    INSERT INTO webhook_events (type, provider_id, account_id, payload)
    SELECT ${event.type}, ${event.providerId}::uuid, ${event.accountId}::uuid, ${JSON.stringify(event.data)}::jsonb
    WHERE EXISTS (SELECT 1 FROM webhook_endpoints w
      WHERE (w.provider_id = ${event.providerId}::uuid OR w.provider_id IS NULL)
        AND w.disabled_at IS NULL AND ${event.type} = ANY (w.events))
  `.execute(tx);
}

/** An issued invoice's `data`, from invoices `i` and compounds `c` (the batch's and a final invoice's alike). */
export const INVOICE_DATA_SQL = `jsonb_build_object('invoiceId', i.id, 'number', i.number, 'kind', i.kind, 'accountId', i.account_id,
  'householdId', i.household_id, 'compound', c.code, 'period', i.period, 'issuedOn', i.issued_on, 'dueOn', i.due_on,
  'totalFen', i.total_fen, 'status', i.status, 'billingRunId', i.billing_run_id)`;

/**
 * `invoice.issued` for every monthly invoice the compound's open transaction wrote (created_at is the
 * transaction's now()), in one INSERT … SELECT in invoice number order: no round trip per invoice.
 */
const INVOICES_ISSUED_SQL = `
WITH target AS (
  SELECT c.id, c.code, c.provider_id FROM compounds c
  WHERE c.id = $1 AND ${subscribed('c.provider_id', "'invoice.issued'")}
)
INSERT INTO webhook_events (type, provider_id, account_id, payload)
SELECT 'invoice.issued', c.provider_id, i.account_id, ${INVOICE_DATA_SQL}
FROM target c JOIN invoices i ON i.compound_id = c.id
WHERE i.period = $2 AND i.kind = 'monthly' AND i.created_at = now() AND i.billing_run_id IS NOT DISTINCT FROM $3::uuid
ORDER BY i.seq`;

/** Called by the batch on its raw client, inside the compound's transaction, before COMMIT. */
export async function recordInvoicesIssued(client: pg.ClientBase, compoundId: string, period: string, runId: string | null): Promise<void> {
  await client.query(INVOICES_ISSUED_SQL, [compoundId, period, runId]);
}

/** `invoice.issued` for one invoice written in the open transaction (a final invoice on closing an account). */
export async function recordInvoiceIssued(tx: Executor, invoiceId: string): Promise<void> {
  await sql`
    INSERT INTO webhook_events (type, provider_id, account_id, payload)
    SELECT 'invoice.issued', c.provider_id, i.account_id, ${sql.raw(INVOICE_DATA_SQL)}
    FROM invoices i JOIN compounds c ON c.id = i.compound_id
    WHERE i.id = ${invoiceId}::uuid AND ${sql.raw(subscribed('c.provider_id', "'invoice.issued'"))}
  `.execute(tx);
}

/** `billing_run.finished` once per provider of the run's compounds (each sees its own compounds); dry runs send none. */
export async function recordRunFinished(tx: Executor, runId: string): Promise<void> {
  await sql`
    INSERT INTO webhook_events (type, provider_id, account_id, payload)
    SELECT 'billing_run.finished', c.provider_id, NULL,
      jsonb_build_object('runId', r.id, 'period', r.period, 'status', r.status,
        'startedAt', r.started_at, 'finishedAt', r.finished_at,
        'compounds', jsonb_agg(jsonb_build_object('compound', c.code, 'status', rc.status, 'reason', rc.reason) ORDER BY c.code))
    FROM billing_runs r
    JOIN billing_run_compounds rc ON rc.billing_run_id = r.id
    JOIN compounds c ON c.id = rc.compound_id
    WHERE r.id = ${runId}::uuid AND NOT r.dry_run
      AND EXISTS (SELECT 1 FROM webhook_endpoints w
        WHERE (w.provider_id = c.provider_id OR w.provider_id IS NULL)
          AND w.disabled_at IS NULL AND 'billing_run.finished' = ANY (w.events))
    GROUP BY r.id, c.provider_id
  `.execute(tx);
}

/** The `payment.recorded` event of a payment recorded for an account. */
export function paymentRecorded(
  account: { id: string; provider_id: string },
  paymentId: string,
  payment: { amountFen: number; paidAt: string; reference: string },
) {
  return {
    type: 'payment.recorded' as const,
    providerId: account.provider_id,
    accountId: account.id,
    data: { paymentId, accountId: account.id, amountFen: payment.amountFen, paidAt: payment.paidAt, reference: payment.reference },
  };
}
