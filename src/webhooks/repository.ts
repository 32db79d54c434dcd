import { sql } from 'kysely';
import type pg from 'pg';
import type { Executor } from '../db/pool.js';
import type { DeliveryOutcome } from './tables.js';

/** Endpoints the caller may see: an operator's provider's only; undefined provider (admin): all. */
function endpointsInScope(db: Executor, providerId: string | undefined) {
  let query = db.selectFrom('webhook_endpoints');
  if (providerId !== undefined) query = query.where('provider_id', '=', providerId);
  return query;
}

const PUBLIC_COLUMNS = ['id', 'provider_id', 'url', 'events', 'disabled_at', 'created_at'] as const;

export async function insertEndpoint(
  db: Executor,
  values: { providerId: string | null; url: string; events: string[]; secret: string; createdBy: string },
) {
  return db
    .insertInto('webhook_endpoints')
    .values({ provider_id: values.providerId, url: values.url, events: values.events, secret: values.secret, created_by: values.createdBy })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function listEndpoints(db: Executor, providerId: string | undefined) {
  return endpointsInScope(db, providerId).select(PUBLIC_COLUMNS).orderBy('created_at').orderBy('id').execute();
}

export async function findEndpointInScope(db: Executor, id: string, providerId: string | undefined) {
  return endpointsInScope(db, providerId).select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function deleteEndpoint(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

/** The newest attempts first, with the event's type. */
export async function listDeliveries(db: Executor, endpointId: string, limit: number) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(['d.id', 'd.event_id', 'e.type', 'e.account_id', 'd.attempt', 'd.status_code', 'd.duration_ms', 'd.error', 'd.outcome', 'd.at'])
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
}

export async function providerExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('providers').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/* Delivery (delivery.ts): the relay, the per-stream drain and its attempts. */

export const DELIVER_TASK = 'webhooks.deliver';

/**
 * Queues the delivery jobs of up to `limit` undispatched events and marks them dispatched, in one
 * statement (so in one transaction): a crash before the commit leaves them undispatched for the next
 * pass. One job per endpoint and stream (an account, or the event alone when it has none), keyed so
 * that a waiting job is reused and keeps its backoff (two jobs of a stream never run at once: see
 * lockStream). SKIP LOCKED: any number of processes relay side by side.
 */
export async function dispatchEvents(db: Executor, limit: number): Promise<number> {
  const result = await sql<{ events: number }>`
    WITH batch AS (
      SELECT seq, id, type, provider_id, account_id, created_at FROM webhook_events
      WHERE dispatched_at IS NULL ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ), marked AS (
      UPDATE webhook_events e SET dispatched_at = now() FROM batch WHERE e.seq = batch.seq RETURNING 1
    ), streams AS (
      SELECT DISTINCT w.id AS endpoint_id, coalesce('a:' || b.account_id, 'e:' || b.id) AS stream
      FROM batch b JOIN webhook_endpoints w
        ON (w.provider_id = b.provider_id OR w.provider_id IS NULL) AND w.disabled_at IS NULL
        AND b.type = ANY (w.events) AND b.created_at >= w.created_at
    ), queued AS (
      SELECT graphile_worker.add_job(${DELIVER_TASK}, json_build_object('endpointId', endpoint_id, 'stream', stream),
        job_key => 'webhooks:' || endpoint_id || ':' || stream,
        job_key_mode => 'preserve_run_at')
      FROM streams
    )
    SELECT (SELECT count(*) FROM marked)::int AS events, (SELECT count(*) FROM queued)::int AS jobs
  `.execute(db);
  return result.rows[0]?.events ?? 0;
}

/** Queues the stream's next try at `runAt`, replacing any job of the stream waiting sooner. */
export async function scheduleStream(db: Executor, endpointId: string, stream: string, runAt: Date): Promise<void> {
  await sql`
    SELECT graphile_worker.add_job(${DELIVER_TASK}, json_build_object('endpointId', ${endpointId}::uuid, 'stream', ${stream}::text),
      job_key => 'webhooks:' || ${endpointId} || ':' || ${stream},
      run_at => ${runAt}::timestamptz, job_key_mode => 'replace')
  `.execute(db);
}

/**
 * One drain per stream at a time, across processes: a session advisory lock on the drain's own
 * connection. Unlike a graphile-worker named queue, whose lock a killed process keeps for hours,
 * it ends with the connection, so a stream is free again as soon as its process is gone.
 */
export async function lockStream(client: pg.PoolClient, endpointId: string, stream: string): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>(
    "SELECT pg_try_advisory_lock(hashtextextended('webhooks:' || $1 || ':' || $2, 0)) AS locked",
    [endpointId, stream],
  );
  return result.rows[0]?.locked === true;
}

export async function unlockStream(client: pg.PoolClient, endpointId: string, stream: string): Promise<void> {
  await client.query("SELECT pg_advisory_unlock(hashtextextended('webhooks:' || $1 || ':' || $2, 0))", [endpointId, stream]);
}

export async function findActiveEndpoint(db: Executor, id: string) {
  return db
    .selectFrom('webhook_endpoints')
    .select(['id', 'provider_id', 'url', 'events', 'secret', 'created_at'])
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
}
type ActiveEndpoint = NonNullable<Awaited<ReturnType<typeof findActiveEndpoint>>>;

/** The stream's oldest event the endpoint has not had delivered (nor given up on), with its attempts so far. */
export async function nextPendingEvent(db: Executor, endpoint: ActiveEndpoint, stream: string) {
  let query = db
    .selectFrom('webhook_events as e')
    .select(['e.id', 'e.type', 'e.payload', 'e.created_at'])
    .select((eb) => [
      eb
        .selectFrom('webhook_deliveries as d')
        .select((x) => x.fn.countAll<number>().as('n'))
        .where('d.endpoint_id', '=', endpoint.id)
        .whereRef('d.event_id', '=', 'e.id')
        .as('attempts'),
      eb
        .selectFrom('webhook_deliveries as d')
        .select((x) => x.fn.min('d.at').as('first'))
        .where('d.endpoint_id', '=', endpoint.id)
        .whereRef('d.event_id', '=', 'e.id')
        .as('first_attempt_at'),
    ])
    .where('e.type', '=', (eb) => eb.fn.any(eb.val(endpoint.events)))
    .where('e.created_at', '>=', endpoint.created_at)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as d')
            .select('d.id')
            .where('d.endpoint_id', '=', endpoint.id)
            .whereRef('d.event_id', '=', 'e.id')
            .where('d.outcome', 'in', ['delivered', 'gave_up']),
        ),
      ),
    );
  if (endpoint.provider_id !== null) query = query.where('e.provider_id', '=', endpoint.provider_id);
  query = stream.startsWith('a:') ? query.where('e.account_id', '=', stream.slice(2)) : query.where('e.id', '=', stream.slice(2));
  return query.orderBy('e.seq').limit(1).executeTakeFirst();
}

export async function insertDelivery(
  db: Executor,
  row: {
    endpointId: string;
    eventId: string;
    attempt: number;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    outcome: DeliveryOutcome;
  },
): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      endpoint_id: row.endpointId,
      event_id: row.eventId,
      attempt: row.attempt,
      status_code: row.statusCode,
      duration_ms: row.durationMs,
      error: row.error,
      outcome: row.outcome,
    })
    .execute();
}

export async function disableEndpoint(db: Executor, id: string): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ disabled_at: new Date() }).where('id', '=', id).execute();
}
