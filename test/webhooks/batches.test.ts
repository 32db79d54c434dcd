import t from 'tap';
import { cumulative, insertHomeWithReadings } from '../helpers/billing.js';
import { startReceiver, until } from '../helpers/receiver.js';
import { webhookScene } from '../helpers/webhooks.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';

t.test('two workers sending small batches in two lanes each: every event, in order per account, after a failure', async (t) => {
  const { app, db, pool, alpha, subscribe } = await webhookScene(t);
  const accounts: string[] = [];
  for (let k = 0; k < 6; k++) {
    accounts.push((await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 900 + k]]) })).accountId);
  }
  // The first request fails: its account's later events wait for its retry, the other accounts go on.
  const receiver = await startReceiver((_request, index) => (index === 0 ? 500 : 200));
  await subscribe(['payment.recorded'], receiver.url);
  // 5 events per account, interleaved across the accounts, written set-wise as the batch would.
  await pool.query(
    `INSERT INTO webhook_events (type, provider_id, account_id, payload)
     SELECT 'payment.recorded', $1, a, jsonb_build_object('accountId', a, 'n', g / $3)
     FROM generate_series(0, 5 * $3 - 1) g JOIN unnest($2::uuid[]) WITH ORDINALITY AS x(a, k) ON x.k - 1 = g % $3
     ORDER BY g`,
    [alpha.provider.id, accounts, accounts.length],
  );
  const total = 5 * accounts.length;
  const options = { db, pool, logger: app.log, pollMs: 50, retryBaseMs: 100, timeoutMs: 2_000, batchSize: 3, sendConcurrency: 3, lanes: 2 };
  const workers = [await startWebhookDelivery(options), await startWebhookDelivery(options)];
  try {
    t.ok(await until(() => receiver.received.length >= total + 1), 'every event arrived, the failed one again');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const bodies = receiver.received.slice(1).map((r) => JSON.parse(r.body) as { id: string; data: { accountId: string; n: number } });
    t.equal(bodies.length, total, 'none twice after its 2xx');
    t.equal(new Set(bodies.map((b) => b.id)).size, total);
    for (const accountId of accounts) {
      const order = bodies.filter((b) => b.data.accountId === accountId).map((b) => b.data.n);
      t.same(order, [0, 1, 2, 3, 4], `account ${accountId.slice(0, 8)}: in outbox order`);
    }
    const pending = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_pending')).rows[0]!.n;
    t.ok(await until(async () => (await pending()) === 0), 'the queue is empty once the attempts are recorded');
    const delivered = await db.selectFrom('webhook_deliveries').select('outcome').execute();
    t.equal(delivered.filter((d) => d.outcome === 'delivered').length, total, 'one delivered attempt each');
    t.equal(delivered.filter((d) => d.outcome === 'retrying').length, 1, 'and the failure');
  } finally {
    for (const worker of workers) await worker.stop();
    await receiver.close();
  }
});
