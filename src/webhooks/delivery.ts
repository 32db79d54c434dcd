import type { FastifyBaseLogger } from 'fastify';
import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import type { Database } from '../db/pool.js';
import { drainTask, relayAll } from './drain.js';
import { DELIVER_TASK } from './queue.sql.js';
import { OVERDUE_CRONTAB, OVERDUE_TASK, recordOverdueInvoices } from './overdue.js';

/*
 * Webhook delivery (SPEC §9), on graphile-worker in the service's own process; any number of
 * processes may run it on the same database.
 *
 * - The relay moves committed outbox rows to the delivery queue (queue.sql.ts): a pending row per
 *   endpoint and event, and a job per endpoint touched.
 * - An endpoint's job drains its queue in batches of many accounts at once (drain.ts), in outbox
 *   order per account: an account's next event is sent only after a 2xx for its previous one. A
 *   timeout, a network error or any other answer is recorded and the account waits for its next try
 *   (exponential backoff); after 24 hours of tries the event is given up and the account goes on; a
 *   410 disables the endpoint.
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
  /** Jobs (endpoints) run at once by this process. */
  concurrency?: number;
  /** Accounts (streams) a job sends per batch, and how many of those POSTs are in flight at once. */
  batchSize?: number;
  sendConcurrency?: number;
  /** Batches a job has in flight at once, each on a connection of its own (drain.ts). */
  lanes?: number;
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
  batchSize: 500,
  sendConcurrency: 32,
  lanes: 2,
  sweepMs: 60_000,
  staleAfterMs: 30_000,
};

/** Outbox rows moved to the queue per relay statement. */
const RELAY_LIMIT = 2_000;

export interface WebhookDelivery {
  /** Stops the relay and lets running jobs finish their batch (graceful), then returns. */
  stop(): Promise<void>;
  /** Runs the relay once now (tests; a relay pass also runs every pollMs). */
  relay(): Promise<number>;
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
  let stopped = false;
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
      [DELIVER_TASK]: drainTask(settings, () => stopped),
      [OVERDUE_TASK]: async () => {
        await recordOverdueInvoices(settings.db, new Date());
      },
    },
  });

  let pass: Promise<number> = Promise.resolve(0);
  const relay = () => {
    // A failed pass is logged by its caller; the chain goes on with the next one.
    pass = pass.catch(() => 0).then(() => relayAll(options.pool, RELAY_LIMIT, () => stopped));
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
