import type { FastifyBaseLogger } from 'fastify';
import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type Task, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import type { Database } from '../db/pool.js';
import {
  DELIVER_TASK,
  disableEndpoint,
  dispatchEvents,
  findActiveEndpoint,
  insertDelivery,
  lockStream,
  nextPendingEvent,
  scheduleStream,
  unlockStream,
} from './repository.js';
import { OVERDUE_CRONTAB, OVERDUE_TASK, recordOverdueInvoices } from './overdue.js';
import { signedHeaders } from './signing.js';

/*
 * Webhook delivery (SPEC §9), on graphile-worker in the service's own process; any number of
 * processes may run it on the same database.
 *
 * - The relay moves committed outbox rows to jobs (repository.ts dispatchEvents): one job per
 *   endpoint and stream, a stream being an account's events (or one event without an account).
 * - A job drains its stream in outbox order: it sends the oldest event not yet delivered, and the
 *   next only after a 2xx. A timeout, a network error or any other answer is recorded and the stream
 *   waits for its next try (exponential backoff), so an account's events never overtake each other.
 *   After 24 hours of tries the event is given up and the stream goes on; a 410 disables the endpoint.
 * - Every attempt is a row of webhook_deliveries, visible in GET /v1/webhooks/{id}/deliveries.
 */

export interface DeliveryOptions {
  db: Database;
  pool: pg.Pool;
  logger: FastifyBaseLogger;
  /** The first retry's delay; each next one doubles, up to maxRetryDelayMs. */
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** How long an event is retried after its first attempt before it is given up. */
  retryForMs?: number;
  /** A receiver that has not answered by then counts as failed. */
  timeoutMs?: number;
  /** How often the relay looks for new outbox rows (and graphile-worker for due retries). */
  pollMs?: number;
  concurrency?: number;
  /** How often jobs held by a process that is gone are looked for, and how long a job must be held to be looked at. */
  sweepMs?: number;
  staleAfterMs?: number;
}

export const DELIVERY_DEFAULTS = {
  retryBaseMs: 5_000,
  maxRetryDelayMs: 60 * 60_000,
  retryForMs: 24 * 60 * 60_000,
  timeoutMs: 10_000,
  pollMs: 1_000,
  concurrency: 4,
  sweepMs: 60_000,
  staleAfterMs: 30_000,
};

export interface WebhookDelivery {
  /** Stops the relay and lets running jobs finish (graceful), then returns. */
  stop(): Promise<void>;
  /** Runs the relay once now (tests; a relay pass also runs every pollMs). */
  relay(): Promise<number>;
}

/** The delay before try `attempt + 1`: base·2^(attempt−1), at most the cap. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

interface Attempt {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

async function send(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'heatpump-billing-webhooks', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    const durationMs = Math.round(performance.now() - started);
    return { statusCode: response.status, durationMs, error: ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const reason =
      err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message ?? 'failed');
    return { statusCode: null, durationMs: Math.round(performance.now() - started), error: reason };
  }
}

/** The job: drains one stream under its lock; a stream another process is draining is tried again in a second. */
function drainTask(options: Required<DeliveryOptions>): Task {
  return async (payload) => {
    const { endpointId, stream } = payload as { endpointId: string; stream: string };
    const client = await options.pool.connect();
    let broken: Error | undefined;
    try {
      if (!(await lockStream(client, endpointId, stream))) {
        await scheduleStream(options.db, endpointId, stream, new Date(Date.now() + 1_000));
        return;
      }
      try {
        await drain(options, endpointId, stream);
      } finally {
        await unlockStream(client, endpointId, stream).catch((error: unknown) => {
          broken = error instanceof Error ? error : new Error(String(error));
        });
      }
    } finally {
      client.release(broken);
    }
  };
}

/**
 * Sends the stream's pending events in order until one fails, the endpoint goes, or none is left.
 * The endpoint is read once per drain: only a 410 disables it, and that ends the drain; a deleted
 * endpoint's next attempt row fails its foreign key, which ends the drain after at most one POST
 * (as when it was read before each event), and the job's retry then finds no endpoint.
 */
async function drain(options: Required<DeliveryOptions>, endpointId: string, stream: string): Promise<void> {
  const { db } = options;
  const endpoint = await findActiveEndpoint(db, endpointId);
  if (!endpoint) return;
  for (;;) {
    const event = await nextPendingEvent(db, endpoint, stream);
    if (!event) return;
    const attempt = Number(event.attempts ?? 0) + 1;
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.created_at.toISOString(), data: event.payload });
    const result = await send(endpoint.url, signedHeaders(endpoint.secret, event.id, new Date(), body), body, options.timeoutMs);
    const record = { endpointId, eventId: event.id, attempt, ...result };
    if (result.error === null) {
      await insertDelivery(db, { ...record, outcome: 'delivered' });
      continue;
    }
    if (result.statusCode === 410) {
      await db.transaction().execute(async (tx) => {
        await insertDelivery(tx, { ...record, outcome: 'gone' });
        await disableEndpoint(tx, endpointId);
      });
      return;
    }
    const firstAt = event.first_attempt_at ? new Date(event.first_attempt_at).getTime() : Date.now();
    if (Date.now() - firstAt >= options.retryForMs) {
      await insertDelivery(db, { ...record, outcome: 'gave_up' });
      continue;
    }
    const runAt = new Date(Date.now() + retryDelayMs(attempt, options.retryBaseMs, options.maxRetryDelayMs));
    // The attempt and the next try commit together: no failed attempt is left without its retry.
    await db.transaction().execute(async (tx) => {
      await insertDelivery(tx, { ...record, outcome: 'retrying' });
      await scheduleStream(tx, endpointId, stream, runAt);
    });
    return;
  }
}

/** graphile-worker's log lines into the service's log; its routine chatter at debug. */
function workerLogger(log: FastifyBaseLogger): Logger {
  return new Logger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta, component: 'webhooks' };
    if (level === 'error') log.error(fields, message);
    else if (level === 'warning') log.warn(fields, message);
    else log.debug(fields, message);
  });
}

const livenessSql = "hashtextextended('webhooks-worker:' || $1, 0)";

/**
 * graphile-worker keeps a job locked for hours when the process running it is killed. So that a
 * delivery cut short by a crash is taken up again within a minute, each of this process's workers
 * holds a session advisory lock on its id for as long as the process lives, on one connection kept
 * for the purpose: a job whose worker's lock is free belongs to a process that is gone.
 */
async function holdLiveness(pool: pg.Pool) {
  const client = await pool.connect();
  const events: WorkerEvents = new EventEmitter();
  let held: Promise<unknown> = Promise.resolve();
  events.on('worker:create', ({ worker }) => {
    held = held.then(() => client.query(`SELECT pg_advisory_lock(${livenessSql})`, [worker.workerId])).catch(() => {});
  });
  return {
    events,
    async release() {
      await held;
      await client.query('SELECT pg_advisory_unlock_all()').then(
        () => client.release(),
        (error: Error) => client.release(error),
      );
    },
  };
}

/** Unlocks the webhook jobs held longer than `staleAfterMs` by workers whose liveness lock is free (their process is gone). */
async function releaseJobsOfDeadProcesses(pool: pg.Pool, staleAfterMs: number, log: FastifyBaseLogger): Promise<void> {
  const client = await pool.connect();
  try {
    const held = await client.query<{ locked_by: string }>(
      `SELECT DISTINCT locked_by FROM graphile_worker.jobs
       WHERE task_identifier = $1 AND locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $2 / 1000.0)`,
      [DELIVER_TASK, staleAfterMs],
    );
    for (const { locked_by: workerId } of held.rows) {
      const free = await client.query<{ free: boolean }>(`SELECT pg_try_advisory_lock(${livenessSql}) AS free`, [workerId]);
      if (!free.rows[0]?.free) continue;
      try {
        await client.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [[workerId]]);
        log.warn({ workerId }, 'webhook jobs of a stopped process were unlocked to be run again');
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${livenessSql})`, [workerId]);
      }
    }
  } finally {
    client.release();
  }
}

/** Starts the relay and the delivery worker on the service's pool (graphile-worker migrates its schema first). */
export async function startWebhookDelivery(options: DeliveryOptions): Promise<WebhookDelivery> {
  const settings = { ...DELIVERY_DEFAULTS, ...stripUndefined(options) } as Required<DeliveryOptions>;
  const liveness = await holdLiveness(options.pool);
  const runner: Runner = await run({
    events: liveness.events,
    pgPool: options.pool,
    concurrency: settings.concurrency,
    pollInterval: settings.pollMs,
    noHandleSignals: true,
    logger: workerLogger(options.logger),
    // invoice.overdue has no transaction to be written in: a periodic pass finds the newly overdue (overdue.ts).
    crontab: OVERDUE_CRONTAB,
    taskList: {
      [DELIVER_TASK]: drainTask(settings),
      [OVERDUE_TASK]: async () => {
        await recordOverdueInvoices(settings.db, new Date());
      },
    },
  });

  let stopped = false;
  let pass: Promise<number> = Promise.resolve(0);
  const relay = () => {
    // A failed pass is logged by its caller; the chain goes on with the next one.
    pass = pass.catch(() => 0).then(async () => {
      let total = 0;
      for (;;) {
        const moved = await dispatchEvents(settings.db, 1_000);
        total += moved;
        if (moved < 1_000 || stopped) return total;
      }
    });
    return pass;
  };
  const timer = setInterval(() => {
    relay().catch((err: unknown) => options.logger.error({ err }, 'webhook relay failed; the next pass retries'));
  }, settings.pollMs);
  timer.unref();
  const sweeper = setInterval(() => {
    releaseJobsOfDeadProcesses(options.pool, settings.staleAfterMs, options.logger).catch((err: unknown) =>
      options.logger.error({ err }, 'looking for webhook jobs of stopped processes failed'),
    );
  }, settings.sweepMs);
  sweeper.unref();

  return {
    relay,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(sweeper);
      await pass.catch(() => 0);
      await runner.stop();
      await liveness.release();
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
