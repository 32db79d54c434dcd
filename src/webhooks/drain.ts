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

/** One batch: 'sent' when there may be more, 'idle' when no head is due, 'ended' when the endpoint is gone or disabled. */
async function sendBatch(client: pg.PoolClient, settings: DrainSettings, endpointId: string): Promise<'sent' | 'idle' | 'ended'> {
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

/**
 * The job: batches until nothing is due (or the process stops), then the endpoint's next run is
 * set to its earliest retry. A failed statement fails the job, which graphile-worker retries.
 */
export function drainTask(settings: DrainSettings, stopping: () => boolean): Task {
  return async (payload) => {
    const { endpointId } = payload as { endpointId: string };
    const client = await settings.pool.connect();
    let broken: Error | undefined;
    try {
      let state: 'sent' | 'idle' | 'ended' = 'sent';
      while (state === 'sent' && !stopping()) state = await sendBatch(client, settings, endpointId);
      if (state === 'ended') return;
      const tx = await inTransaction(client);
      await rescheduleEndpoint(tx, endpointId);
      await tx.query('COMMIT');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
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
