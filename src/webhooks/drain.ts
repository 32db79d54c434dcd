import type { Task } from 'graphile-worker';
import type pg from 'pg';
import { inTransaction } from '../db/sql.js';
import {
  lockActiveEndpoint,
  lockDueHeads,
  recordAttempts,
  relayEvents,
  rescheduleEndpoint,
  type AttemptRecord,
  type PendingEvent,
} from './queue.sql.js';
import { mapBounded, send } from './send.js';
import { signedHeaders } from './signing.js';

/*
 * The delivery job of one endpoint (SPEC §9): it drains the endpoint's queue (0026) batch by batch.
 * A batch is the due heads of up to `batchSize` streams (an account's events, or one event without
 * an account), locked in one transaction, sent `sendConcurrency` at once, and recorded with one
 * statement before the commit. Only heads are sent, so an account's next event goes out only after
 * its previous one succeeded (or was given up); a stream whose head failed waits for its backoff.
 * A process killed mid-batch records nothing and its locks end with its connection: the batch is
 * sent again (at least once).
 */

export interface DrainSettings {
  pool: pg.Pool;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  retryForMs: number;
  timeoutMs: number;
  batchSize: number;
  sendConcurrency: number;
  lanes: number;
}

/** The delay before try `attempt + 1`: base·2^(attempt−1), at most the cap. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

/** Sends one event and says what the attempt means: 2xx ends; 410 disables; else retry, or give up after `retryForMs`. */
async function attempt(settings: DrainSettings, endpoint: { url: string; secret: string }, event: PendingEvent): Promise<AttemptRecord> {
  const number = event.attempts + 1;
  const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.created_at.toISOString(), data: event.payload });
  const result = await send(endpoint.url, signedHeaders(endpoint.secret, event.id, new Date(), body), body, settings.timeoutMs);
  const record = { eventId: event.id, attempt: number, ...result, nextAt: null };
  if (result.error === null) return { ...record, outcome: 'delivered' };
  if (result.statusCode === 410) return { ...record, outcome: 'gone' };
  const firstAt = (event.first_attempt_at ?? result.at).getTime();
  if (result.at.getTime() - firstAt >= settings.retryForMs) return { ...record, outcome: 'gave_up' };
  const nextAt = new Date(result.at.getTime() + retryDelayMs(number, settings.retryBaseMs, settings.maxRetryDelayMs));
  return { ...record, outcome: 'retrying', nextAt };
}

type BatchState = 'sent' | 'idle' | 'ended';

/** One batch: 'sent' when there may be more, 'idle' when no head is due, 'ended' when the endpoint is gone or disabled. */
async function sendBatch(client: pg.PoolClient, settings: DrainSettings, endpointId: string): Promise<BatchState> {
  const tx = await inTransaction(client);
  try {
    const endpoint = await lockActiveEndpoint(tx, endpointId);
    const events = endpoint ? await lockDueHeads(tx, endpointId, settings.batchSize) : [];
    const attempts = endpoint ? await mapBounded(events, settings.sendConcurrency, (event) => attempt(settings, endpoint, event)) : [];
    if (attempts.length > 0) await recordAttempts(tx, endpointId, attempts);
    await tx.query('COMMIT');
    if (!endpoint || attempts.some((a) => a.outcome === 'gone')) return 'ended';
    return attempts.length > 0 ? 'sent' : 'idle';
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** `work` on a client of the pool; a client whose work failed is discarded (its connection may be mid-transaction). */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const result = await work(client);
    client.release();
    return result;
  } catch (error) {
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** How long a lane with nothing due waits before it looks again, while another lane is still sending. */
const IDLE_LANE_WAIT_MS = 20;

/**
 * The job: `lanes` batch loops side by side (each batch on a connection of its own, so that one
 * lane's statements run while another's POSTs are in flight; the heads' row locks keep their
 * accounts apart), until nothing is due or the process stops; then the endpoint's next run is set
 * to its earliest retry. A lane with nothing due waits while another sends: that one's commit makes
 * its accounts' next events due. A failed statement fails the job, which graphile-worker retries.
 */
export function drainTask(settings: DrainSettings, stopping: () => boolean): Task {
  return async (payload) => {
    const { endpointId } = payload as { endpointId: string };
    const sending = new Set<number>();
    let ended = false;
    const lane = async (k: number) => {
      sending.add(k);
      try {
        while (!stopping() && !ended) {
          const state: BatchState = await withClient(settings.pool, (client) => sendBatch(client, settings, endpointId));
          if (state === 'ended') ended = true;
          else if (state === 'sent') sending.add(k);
          else {
            sending.delete(k);
            if (sending.size === 0) return;
            await new Promise((resolve) => setTimeout(resolve, IDLE_LANE_WAIT_MS));
          }
        }
      } catch (error) {
        ended = true;
        throw error;
      } finally {
        sending.delete(k);
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: settings.lanes }, (_, k) => lane(k)));
    const failed = lanes.find((l) => l.status === 'rejected');
    if (failed) throw failed.reason;
    if (ended) return;
    await withClient(settings.pool, async (client) => {
      const tx = await inTransaction(client);
      await rescheduleEndpoint(tx, endpointId);
      await tx.query('COMMIT');
    });
  };
}

/** A relay pass: committed outbox rows become pending rows and jobs, `limit` at a time, until none is left. */
export async function relayAll(pool: pg.Pool, limit: number, stopping: () => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const client = await pool.connect();
    let moved = 0;
    try {
      const tx = await inTransaction(client);
      moved = await relayEvents(tx, limit).catch(async (error: unknown) => {
        await tx.query('ROLLBACK').catch(() => {});
        throw error;
      });
      await tx.query('COMMIT');
    } finally {
      client.release();
    }
    total += moved;
    if (moved < limit || stopping()) return total;
  }
}
