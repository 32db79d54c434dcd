import t from 'tap';
import { insertHomeWithReadings } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { accessibilityViolations, browserTests, DESKTOP, launchBrowser, newContext, screenshot, servedApp, signIn } from './browser.js';

const CODE = 'haishan-jingu';

t.test('console: a dry run over accounts without a reading names them, and offers no real run', browserTests, async (t) => {
  const { app, db, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, CODE);
  await insertDefaultSeason(db, op.compound.id);
  await insertHomeWithReadings(db, op.compound.id, { serial: 'HS-0001', holderName: '王芳', readings: [['2025-11', '1500']] });
  const unread = await insertHomeWithReadings(db, op.compound.id, { serial: 'HS-0002', holderName: '李雷' });
  await insertHomeWithReadings(db, op.compound.id, { serial: 'HS-0003', holderName: '张伟', plan: 'flat' });
  const room = (await db.selectFrom('households').select('room').where('id', '=', unread.householdId).executeTakeFirstOrThrow()).room;

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t, DESKTOP);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signIn(page, op.token);
  await page.getByLabel('账期（月） Billing month').fill('2025-11');
  await page.getByTestId('accounts-billed').waitFor();
  await page.getByRole('button', { name: '试算 Dry run' }).click();
  const dry = page.getByTestId('dry-run-result');
  await dry.getByTestId('run-status').filter({ hasText: '完成' }).waitFor();
  t.equal(await dry.getByTestId('run-no-reading').innerText(), '1', 'the dry run counts the account without a reading');
  const named = dry.locator('[data-testid=no-readings] tbody tr');
  await named.filter({ hasText: `1-1-${room}` }).filter({ hasText: '李雷' }).waitFor();
  t.equal(await named.count(), 1, 'and names it, by home and holder; the flat account needs no reading');

  const issue = page.getByRole('button', { name: /正式开票/ });
  t.ok(await issue.isDisabled(), 'no real run is offered over an account without a reading');
  const reason = page.getByTestId('real-run-blocked');
  t.match(await reason.innerText(), /1 户本月没有读数[\s\S]*1 account\(s\) have no reading/, 'the reason, in Chinese and English');
  t.equal(await issue.getAttribute('aria-describedby'), 'real-run-blocked', 'the button points at its reason');

  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation');
  await screenshot(page, 'console-no-readings-1280');

  // Its reading loaded, a new dry run clears the way.
  await app.inject({
    method: 'POST',
    url: '/v1/readings',
    headers: op.headers,
    payload: { readings: [{ meterSerial: 'HS-0002', readAt: '2025-11-28T12:00:00+08:00', value: '800' }] },
  });
  await page.getByRole('button', { name: '试算 Dry run' }).click();
  await dry.getByTestId('run-no-reading').filter({ hasText: '0' }).waitFor();
  await page.getByRole('button', { name: '正式开票（3 张） Issue 3 invoice(s)' }).waitFor();
  t.ok(await page.getByRole('button', { name: '正式开票（3 张） Issue 3 invoice(s)' }).isEnabled(), 'the real run is offered');
  t.equal(await page.getByTestId('real-run-blocked').count(), 0, 'the reason is gone');
  t.equal(await dry.getByTestId('no-readings').count(), 0, 'and so is the list');

  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
