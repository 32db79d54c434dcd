import t from 'tap';
import { insertHomeWithReadings } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { startReceiver, until } from '../helpers/receiver.js';
import { startWebhookDelivery } from '../../src/webhooks/delivery.js';
import {
  accessibilityViolations, browserTests, DESKTOP, launchBrowser, newContext, PHONE, screenshot, servedApp, signIn,
} from './browser.js';

t.test("console: the provider's webhook endpoints and an endpoint's recent deliveries", browserTests, async (t) => {
  const { app, db, pool, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, 'alpha');
  const other = await operatorWithCompound(app, 'beta');
  await insertDefaultSeason(db, op.compound.id);
  const home = await insertHomeWithReadings(db, op.compound.id, { readings: [['2025-11', '1000']] });
  // The receiver fails the first try: one retrying attempt, then the delivered one.
  const receiver = await startReceiver((_request, index) => (index === 0 ? 503 : 204));
  const delivery = await startWebhookDelivery({ db, pool, logger: app.log, retryBaseMs: 100, pollMs: 50 });
  t.teardown(async () => {
    await delivery.stop();
    await receiver.close();
  });
  const subscribe = async (headers: Record<string, string>, url: string) => {
    const created = await app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { url, events: ['payment.recorded'] } });
    t.equal(created.statusCode, 201, created.body);
  };
  await subscribe(op.headers, receiver.url);
  await subscribe(other.headers, 'https://beta.example/hooks');
  const paid = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...op.headers, 'idempotency-key': 'console-hooks' },
    payload: { accountId: home.accountId, amountFen: 5_000, paidAt: '2025-12-01T10:00:00+08:00', reference: 'desk' },
  });
  t.equal(paid.statusCode, 201, paid.body);
  t.ok(await until(() => receiver.received.length >= 2), 'failed once, then delivered');

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t, DESKTOP);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signIn(page, op.token);
  const endpoints = page.locator('[data-testid=webhook-endpoints] tbody tr');
  await endpoints.first().waitFor();
  t.equal(await endpoints.count(), 1, "only the provider's own endpoint");
  t.match(await endpoints.innerText(), receiver.url);
  t.match(await endpoints.innerText(), 'payment.recorded');

  await page.getByRole('button', { name: `查看 Show ${receiver.url}` }).click();
  const rows = page.locator('[data-testid=webhook-deliveries] tbody tr');
  await rows.nth(1).waitFor();
  t.equal(await rows.count(), 2, 'both attempts');
  const [latest, first] = [await rows.nth(0).innerText(), await rows.nth(1).innerText()];
  t.match(latest, /payment\.recorded\s+2\s+已送达 Delivered\s+204\s+\d+/, 'the newest first: delivered on the second try');
  t.match(first, /payment\.recorded\s+1\s+将重试 Retrying\s+503\s+\d+/, 'the first try: 503, to be retried');

  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation (axe-core), on a desktop');
  await page.setViewportSize(PHONE);
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'nothing wider than a 375 px phone');
  await screenshot(page, 'console-webhooks-375');
  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
