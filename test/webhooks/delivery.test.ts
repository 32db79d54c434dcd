import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { admin } from '../helpers/app.js';
import { insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { cumulative, insertHomeWithReadings } from '../helpers/billing.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';
import { startReceiver, until, type Received } from '../helpers/receiver.js';
import { brokenEventReferences, webhookScene } from '../helpers/webhooks.js';

interface Delivered {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** An app with a provider, its compound (default season) and `homes` metered homes, and the delivery worker. */
const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Delivered;

async function scene(t: Test, homes: number, answer?: (request: Received, index: number) => number | 'hang') {
  const base = await webhookScene(t);
  const { app, db, pool, alpha } = base;
  const accounts: string[] = [];
  for (let k = 0; k < homes; k++) {
    const home = await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 1000 + k]]) });
    accounts.push(home.accountId);
  }
  const receiver = await startReceiver(answer);
  const delivery = await startWebhookDelivery({ db, pool, logger: app.log, retryBaseMs: 100, pollMs: 50, timeoutMs: 500 });
  const stop = async () => {
    await delivery.stop();
    await receiver.close();
  };
  const subscribe = (events: string[]) => base.subscribe(events, receiver.url);
  const pay = async (accountId: string, key: string, amountFen = 100) => {
    const paid = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...alpha.headers, 'idempotency-key': key },
      payload: { accountId, amountFen, paidAt: '2025-11-30T10:00:00+08:00', reference: key },
    });
    if (paid.statusCode !== 201) throw new Error(paid.body);
    return paid.json() as { id: string };
  };
  return { app, db, pool, alpha, accounts, receiver, delivery, stop, subscribe, pay };
}

t.test("a payment's event arrives once, signed, and its attempt is listed", async (t) => {
  const s = await scene(t, 1);
  try {
    const endpoint = await s.subscribe(['payment.recorded']);
    const payment = await s.pay(s.accounts[0]!, 'k1', 12_345);
    t.ok(await until(() => s.receiver.received.length >= 1), 'delivered');
    await new Promise((resolve) => setTimeout(resolve, 300));
    t.equal(s.receiver.received.length, 1, 'once');
    const [request] = s.receiver.received;
    const verified = new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>) as Delivered;
    t.match(verified, {
      type: 'payment.recorded',
      data: { paymentId: payment.id, accountId: s.accounts[0], amountFen: 12_345, reference: 'k1' },
    });
    t.equal(request!.headers['webhook-id'], verified.id, 'webhook-id is the event id');
    t.equal(request!.headers['content-type'], 'application/json');

    const list = () => s.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries`, headers: s.alpha.headers });
    t.ok(await until(async () => (await list()).json().items.length > 0), 'the attempt is recorded');
    const deliveries = await list();
    const attempt = { eventId: verified.id, eventType: 'payment.recorded', attempt: 1, statusCode: 200, outcome: 'delivered' };
    t.match(deliveries.json().items, [attempt]);
    t.equal(typeof deliveries.json().items[0].durationMs, 'number');
  } finally {
    await s.stop();
  }
});

t.test("every invoice.issued of a billing run arrives once, verified, and the run's end", async (t) => {
  const s = await scene(t, 5);
  try {
    const endpoint = await s.subscribe(['invoice.issued', 'billing_run.finished']);
    const run = await s.app.inject({ method: 'POST', url: '/v1/billing-runs', headers: s.alpha.headers, payload: { period: '2025-11' } });
    t.equal(run.statusCode, 201, run.body);
    t.ok(await until(() => s.receiver.received.length >= 6), 'five invoices and the run');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = s.receiver.received.map((r) => verify(endpoint.secret, r));
    t.equal(events.length, 6, 'each once');
    const invoices = await s.db.selectFrom('invoices').select(['id', 'account_id', 'number']).orderBy('seq').execute();
    const issued = events.filter((e) => e.type === 'invoice.issued');
    t.same(new Set(issued.map((e) => e.data.invoiceId)), new Set(invoices.map((i) => i.id)), 'every invoice');
    t.equal(new Set(events.map((e) => e.id)).size, 6, 'distinct event ids');
    t.match(events.find((e) => e.type === 'billing_run.finished'), { data: { runId: run.json().id, status: 'succeeded' } });
    t.same(await brokenEventReferences(s.db), [], "every event's account and provider exist and belong together");
  } finally {
    await s.stop();
  }
});

t.test('the outbox reference check finds an event whose account does not exist, or is another provider\'s', async (t) => {
  const s = await webhookScene(t);
  const provider = s.alpha.provider.id;
  await sql`INSERT INTO webhook_events (type, provider_id, account_id, payload)
            VALUES ('payment.recorded', ${provider}::uuid, gen_random_uuid(), '{}')`.execute(s.db);
  t.equal((await brokenEventReferences(s.db)).length, 1, 'a missing account');
  await sql`DELETE FROM webhook_events`.execute(s.db);
  const beta = await operatorWithCompound(s.app, 'beta');
  const home = await insertHome(s.db, beta.compound.id);
  await sql`INSERT INTO webhook_events (type, provider_id, account_id, payload)
            VALUES ('payment.recorded', ${provider}::uuid, ${home.accountId}::uuid, '{}')`.execute(s.db);
  t.equal((await brokenEventReferences(s.db)).length, 1, "another provider's account");
});

t.test('a receiver failing the first 3 attempts still gets every event, in order per account', async (t) => {
  const s = await scene(t, 3, (_request, index) => (index < 3 ? 500 : 200));
  try {
    const endpoint = await s.subscribe(['payment.recorded']);
    const expected = new Map<string, string[]>();
    for (let round = 0; round < 4; round++) {
      for (const accountId of s.accounts) {
        const payment = await s.pay(accountId, `${accountId}-${round}`, 100 + round);
        expected.set(accountId, [...(expected.get(accountId) ?? []), payment.id]);
      }
    }
    const total = s.accounts.length * 4;
    const delivered = () =>
      new Set(s.receiver.received.slice(3).map((r) => (JSON.parse(r.body) as Delivered).id)).size;
    t.ok(await until(() => delivered() >= total), 'all delivered after the failures');
    const events = s.receiver.received.map((r) => verify(endpoint.secret, r));
    // Per account, the first delivered (2xx) arrival of each event, in arrival order.
    const successful = events.slice(3);
    for (const accountId of s.accounts) {
      const order = successful.filter((e) => e.data.accountId === accountId).map((e) => e.data.paymentId);
      t.same([...new Set(order)], expected.get(accountId), `account ${accountId.slice(0, 8)}: in order`);
    }
    type Attempt = { outcome: string; statusCode: number; attempt: number };
    const list = async () =>
      (await s.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/deliveries`, headers: s.alpha.headers })).json()
        .items as Attempt[];
    // A batch's attempts are recorded when its last POST has been answered: wait for the listing too.
    t.ok(await until(async () => (await list()).filter((d) => d.outcome === 'delivered').length >= total), 'every attempt recorded');
    const items = await list();
    t.equal(items.filter((d) => d.outcome === 'retrying').length, 3, 'the three failures are listed');
    t.ok(items.filter((d) => d.outcome === 'retrying').every((d) => d.statusCode === 500));
    t.equal(items.filter((d) => d.outcome === 'delivered').length, total);
    t.ok(items.some((d) => d.outcome === 'delivered' && d.attempt > 1), 'a retried event is delivered on a later attempt');
  } finally {
    await s.stop();
  }
});

t.test('a timeout retries; a 410 disables the endpoint', async (t) => {
  let gone = false;
  const s = await scene(t, 1, (_request, index) => (index === 0 ? 'hang' : gone ? 410 : 200));
  try {
    const endpoint = await s.subscribe(['payment.recorded']);
    await s.pay(s.accounts[0]!, 'slow');
    t.ok(await until(() => s.receiver.received.length >= 2), 'retried after the timeout');
    type Attempt = { outcome: string; statusCode: number | null; error: string | null };
    const url = `/v1/webhooks/${endpoint.id}/deliveries`;
    const list = async () => (await s.app.inject({ method: 'GET', url, headers: s.alpha.headers })).json().items as Attempt[];
    t.ok(await until(async () => (await list()).length >= 2));
    t.match((await list()).reverse(), [
      { outcome: 'retrying', statusCode: null, error: /no answer within 500 ms/ },
      { outcome: 'delivered', statusCode: 200 },
    ]);

    gone = true;
    await s.pay(s.accounts[0]!, 'gone');
    t.ok(await until(async () => (await list()).some((d) => d.outcome === 'gone')), '410 recorded');
    const endpoints = await s.app.inject({ method: 'GET', url: '/v1/webhooks', headers: admin });
    t.match(endpoints.json().items, [{ id: endpoint.id, disabled: true }]);
    const before = s.receiver.received.length;
    await s.pay(s.accounts[0]!, 'after');
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.equal(s.receiver.received.length, before, 'nothing more is sent to a disabled endpoint');
  } finally {
    await s.stop();
  }
});

t.test('events committed while no worker runs are delivered once one starts; two workers send each once', async (t) => {
  const { app, db, pool, alpha, subscribe } = await webhookScene(t);
  const homes = [];
  for (let k = 0; k < 4; k++) {
    homes.push(await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 900 + k]]) }));
  }
  const receiver = await startReceiver();
  const { secret } = await subscribe(['invoice.issued', 'payment.recorded'], receiver.url);
  // The process that committed these is gone (no worker ran): the outbox keeps them.
  const run = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers: alpha.headers, payload: { period: '2025-11' } });
  t.equal(run.statusCode, 201);
  const options = { db, pool, logger: app.log, retryBaseMs: 100, pollMs: 50, timeoutMs: 500 };
  const workers = [await startWebhookDelivery(options), await startWebhookDelivery(options)];
  try {
    for (const [k, home] of homes.entries()) {
      await app.inject({
        method: 'POST',
        url: '/v1/payments',
        headers: { ...alpha.headers, 'idempotency-key': `k${k}` },
        payload: { accountId: home.accountId, amountFen: 50, paidAt: '2025-11-30T10:00:00+08:00', reference: `k${k}` },
      });
    }
    t.ok(await until(() => receiver.received.length >= 8), 'four invoices and four payments');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const events = receiver.received.map((r) => verify(secret, r));
    t.equal(events.length, 8, 'each once, though two workers ran');
    t.equal(new Set(events.map((e) => e.id)).size, 8);
    for (const home of homes) {
      const types = events.filter((e) => e.data.accountId === home.accountId).map((e) => e.type);
      t.same(types, ['invoice.issued', 'payment.recorded'], 'per account: the invoice before the payment that followed it');
    }
  } finally {
    for (const worker of workers) await worker.stop();
    await receiver.close();
  }
});

t.test('a process killed (SIGKILL) in the middle of a delivery loses nothing: another process sends the event', async (t) => {
  const { app, db, pool, url, alpha, subscribe } = await webhookScene(t);
  const home = await insertHomeWithReadings(db, alpha.compound.id, { readings: cumulative([['2025-11', 900]]) });
  // The first request never gets an answer: the killed process was in the middle of it.
  const receiver = await startReceiver((_request, index) => (index === 0 ? 'hang' : 200));
  const { secret } = await subscribe(['payment.recorded'], receiver.url);

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/delivery-child.ts'], {
    env: { ...process.env, DELIVERY_DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
      child.once('exit', () => reject(new Error('the delivery process ended before it started')));
    });
    const paid = await app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...alpha.headers, 'idempotency-key': 'crash' },
      payload: { accountId: home.accountId, amountFen: 70, paidAt: '2025-11-30T10:00:00+08:00', reference: 'crash' },
    });
    t.equal(paid.statusCode, 201);
    t.ok(await until(() => receiver.received.length >= 1), 'the other process began the delivery');
  } finally {
    child.kill('SIGKILL');
    await exited;
  }

  const delivery = await startWebhookDelivery({ db, pool, logger: app.log, pollMs: 50, sweepMs: 100, staleAfterMs: 0, timeoutMs: 500 });
  try {
    t.ok(await until(() => receiver.received.length >= 2), 'the event is sent again by this process');
    const event = verify(secret, receiver.received[1]!);
    t.match(event, { type: 'payment.recorded', data: { reference: 'crash' } });
    const [first, second] = receiver.received;
    t.equal(second!.headers['webhook-id'], first!.headers['webhook-id'], 'the same event id: receivers can deduplicate');
  } finally {
    await delivery.stop();
    await receiver.close();
  }
});
