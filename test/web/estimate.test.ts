import t from 'tap';
import { insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { accessibilityViolations, browserTests, DESKTOP, launchBrowser, newContext, servedApp, signIn } from './browser.js';

const CODE = 'haishan-jingu';

t.test('console: a month without readings offers the estimate, whose real run bills from it (SPEC §9)', browserTests, async (t) => {
  const { app, db, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, CODE);
  await insertDefaultSeason(db, op.compound.id);
  const home = await insertHomeWithReadings(db, op.compound.id, { serial: 'HS-0001', holderName: '王芳', readings: [['2025-11', '1500']] });
  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: CODE })).statusCode, 201);

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t, DESKTOP);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signIn(page, op.token);
  await page.getByLabel('账期（月） Billing month').fill('2025-12');
  await page.getByTestId('accounts-billed').waitFor();
  await page.getByRole('button', { name: '试算 Dry run' }).click();
  const dry = page.getByTestId('dry-run-result');
  await dry.getByTestId('run-status').filter({ hasText: '完成' }).waitFor();
  t.equal(await dry.getByTestId('run-no-reading').innerText(), '1');
  t.ok(await page.getByRole('button', { name: /正式开票/ }).isDisabled(), 'no real run without the choice');

  await page.getByTestId('estimate-dry-run').click();
  await dry.getByTestId('run-estimated').filter({ hasText: '1' }).waitFor();
  t.equal(await dry.getByTestId('run-no-reading').innerText(), '0', 'estimated: none left without a reading');
  t.equal(await page.getByTestId('estimate-dry-run').count(), 0, 'the choice is made');
  const issue = page.getByRole('button', { name: '正式开票（1 张） Issue 1 invoice(s)' });
  t.ok(await issue.isEnabled(), 'the real run is offered, with the estimate');
  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation');

  await issue.click();
  const real = page.getByTestId('run-result');
  await real.getByTestId('run-status').filter({ hasText: '完成' }).waitFor();
  t.equal(await real.getByTestId('run-estimated').innerText(), '1', 'the real run estimated it');
  const url = `/v1/invoices?compound=${CODE}&period=2025-12&accountId=${home.accountId}`;
  const invoices = (await app.inject({ url, headers: op.headers })).json();
  const invoice = (await app.inject({ url: `/v1/invoices/${invoices.items[0].id}`, headers: op.headers })).json();
  t.match(invoice.lines, [{ kind: 'usage', estimated: true, description: /估算 Estimated/ }], 'its usage line is marked estimated');

  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
