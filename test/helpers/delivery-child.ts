import Fastify from 'fastify';
import { createDatabase } from '../../src/db/pool.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';

/** A separate process running webhook delivery on DELIVERY_DATABASE_URL, for the crash test to kill. */
const { db, pool } = createDatabase(process.env.DELIVERY_DATABASE_URL ?? '', { max: 5 });
await startWebhookDelivery({ db, pool, logger: Fastify().log, pollMs: 50, timeoutMs: 60_000 });
process.stdout.write('started\n');
