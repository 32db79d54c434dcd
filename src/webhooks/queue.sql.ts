/**
 * The delivery queue's statements (db/migrations/0026_webhook_pending.sql): the relay that turns
 * committed outbox rows into pending rows and jobs, the batch of stream heads a job sends, the one
 * statement recording a batch's attempts, and the job's next run.
 */
import { queryRows, type TransactionClient } from '../db/sql.js';
import type { DeliveryOutcome } from './tables.js';

export const DELIVER_TASK = 'webhooks.deliver';

/** One job key per endpoint: a waiting job is reused; a running one gets a successor (graphile-worker). */
const JOB = `graphile_worker.add_job('${DELIVER_TASK}', json_build_object('endpointId', endpoint_id),
  job_key => 'webhooks:' || endpoint_id, run_at => run_at, job_key_mode => 'replace')`;

/**
 * The lock that orders an endpoint's job scheduling: the relay (due now) and a job's reschedule
 * (due at its next retry) take it before they compute and set the run time, so a reschedule that
 * did not see the relay's new rows can never push the relay's job back.
 */
const scheduleLock = (endpointId: string) => `pg_advisory_xact_lock(hashtextextended('webhooks-schedule:' || ${endpointId}, 0))`;

/**
 * Up to $1 undispatched events: marked dispatched, a pending row for every enabled endpoint taking
 * them (made no earlier than the event), and a job due now for each endpoint touched, in one
 * statement. The caller holds the relay lock, so the pending rows of one account follow outbox order.
 */
const RELAY_SQL = `
WITH batch AS (
  SELECT seq, type, provider_id, account_id, created_at FROM webhook_events
  WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1
), marked AS (
  UPDATE webhook_events e SET dispatched_at = now() FROM batch WHERE e.seq = batch.seq RETURNING 1
), pending AS (
  INSERT INTO webhook_pending (endpoint_id, event_seq, account_id)
  SELECT w.id, b.seq, b.account_id
  FROM batch b JOIN webhook_endpoints w
    ON (w.provider_id = b.provider_id OR w.provider_id IS NULL) AND w.disabled_at IS NULL
    AND b.type = ANY (w.events) AND b.created_at >= w.created_at
  ORDER BY b.seq
  RETURNING endpoint_id
), queued AS (
  SELECT ${JOB}
  FROM (SELECT endpoint_id, now() AS run_at, ${scheduleLock('endpoint_id')} FROM (SELECT DISTINCT endpoint_id FROM pending) p) touched
)
SELECT (SELECT count(*) FROM marked)::int AS events, (SELECT count(*) FROM queued)::int AS jobs`;

/**
 * One relay pass at a time across processes (a transaction lock, skipped when taken): two relays
 * side by side could commit an account's later event before its earlier one.
 */
export async function relayEvents(tx: TransactionClient, limit: number): Promise<number> {
  const lock = "SELECT pg_try_advisory_xact_lock(hashtextextended('webhooks-relay', 0)) AS locked";
  const [locked] = await queryRows<{ locked: boolean }>(tx, lock);
  if (!locked?.locked) return 0;
  const [row] = await queryRows<{ events: number }>(tx, { name: 'webhooks-relay', text: RELAY_SQL }, [limit]);
  return row?.events ?? 0;
}

/** The endpoint a job sends to, while it is enabled; KEY SHARE, so that a DELETE waits for the batch to be recorded. */
export async function lockActiveEndpoint(tx: TransactionClient, id: string) {
  const [endpoint] = await queryRows<{ id: string; url: string; secret: string }>(
    tx,
    'SELECT id, url, secret FROM webhook_endpoints WHERE id = $1 AND disabled_at IS NULL FOR KEY SHARE',
    [id],
  );
  return endpoint;
}

/** A pending row that is its stream's oldest: the only one of the stream that may be sent. */
const HEAD = `NOT EXISTS (SELECT 1 FROM webhook_pending q
  WHERE q.endpoint_id = p.endpoint_id AND q.account_id = p.account_id AND q.event_seq < p.event_seq)`;

/**
 * Up to $2 heads of the endpoint $1 that are due, in outbox order, locked; heads another job holds
 * are skipped, and so are their streams (their next rows are not heads). A head another job has just
 * delivered (deleted) or failed (next_at moved on) is skipped too: the lock rechecks the row. Due by
 * the statement's clock, not the transaction's: rows the relay committed since BEGIN are due too.
 */
const HEADS_SQL = `
SELECT e.id, e.type, e.payload, e.created_at, p.attempts, p.first_attempt_at
FROM webhook_pending p JOIN webhook_events e ON e.seq = p.event_seq
WHERE p.endpoint_id = $1 AND p.next_at <= statement_timestamp() AND ${HEAD}
ORDER BY p.event_seq LIMIT $2
FOR UPDATE OF p SKIP LOCKED`;

export interface PendingEvent {
  id: string;
  type: string;
  payload: unknown;
  created_at: Date;
  attempts: number;
  first_attempt_at: Date | null;
}

export async function lockDueHeads(tx: TransactionClient, endpointId: string, limit: number): Promise<PendingEvent[]> {
  return queryRows<PendingEvent>(tx, { name: 'webhooks-heads', text: HEADS_SQL }, [endpointId, limit]);
}

export interface AttemptRecord {
  eventId: string;
  attempt: number;
  at: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  outcome: DeliveryOutcome;
  /** When the event is tried next (retrying only). */
  nextAt: Date | null;
}

/**
 * A batch's attempts in one statement: every attempt a webhook_deliveries row; delivered and given
 * up events leave the queue; a retrying one counts the try and waits until its next_at; a 410 disables
 * the endpoint.
 */
const RECORD_SQL = `
WITH r AS (
  SELECT * FROM unnest($2::uuid[], $3::int[], $4::timestamptz[], $5::int[], $6::int[], $7::text[], $8::text[], $9::timestamptz[])
    WITH ORDINALITY AS r(event_id, attempt, at, status_code, duration_ms, error, outcome, next_at, k)
), attempts AS (
  INSERT INTO webhook_deliveries (endpoint_id, event_id, attempt, at, status_code, duration_ms, error, outcome)
  SELECT $1, event_id, attempt, at, status_code, duration_ms, error, outcome FROM r ORDER BY k
), done AS (
  DELETE FROM webhook_pending p USING r, webhook_events e
  WHERE r.outcome IN ('delivered', 'gave_up') AND e.id = r.event_id AND p.endpoint_id = $1 AND p.event_seq = e.seq
), retrying AS (
  UPDATE webhook_pending p SET attempts = r.attempt, first_attempt_at = coalesce(p.first_attempt_at, r.at), next_at = r.next_at
  FROM r, webhook_events e
  WHERE r.outcome = 'retrying' AND e.id = r.event_id AND p.endpoint_id = $1 AND p.event_seq = e.seq
)
UPDATE webhook_endpoints SET disabled_at = now()
WHERE id = $1 AND disabled_at IS NULL AND EXISTS (SELECT 1 FROM r WHERE outcome = 'gone')`;

export async function recordAttempts(tx: TransactionClient, endpointId: string, attempts: AttemptRecord[]): Promise<void> {
  const column = <K extends keyof AttemptRecord>(key: K) => attempts.map((a) => a[key]);
  await queryRows(tx, { name: 'webhooks-record', text: RECORD_SQL }, [
    endpointId,
    column('eventId'),
    column('attempt'),
    column('at'),
    column('statusCode'),
    column('durationMs'),
    column('error'),
    column('outcome'),
    column('nextAt'),
  ]);
}

/**
 * The endpoint's job, due when its earliest head not held by another job is (now, or at a retry):
 * none when nothing is left. Heads another job holds are that job's to reschedule when it ends.
 */
const RESCHEDULE_SQL = `
SELECT ${JOB}
FROM (SELECT p.endpoint_id, p.next_at AS run_at FROM webhook_pending p
      WHERE p.endpoint_id = $1 AND ${HEAD}
      ORDER BY p.next_at LIMIT 1 FOR UPDATE OF p SKIP LOCKED) next`;

export async function rescheduleEndpoint(tx: TransactionClient, endpointId: string): Promise<void> {
  await queryRows(tx, `SELECT ${scheduleLock('$1::text')}`, [endpointId]);
  await queryRows(tx, { name: 'webhooks-reschedule', text: RESCHEDULE_SQL }, [endpointId]);
}
