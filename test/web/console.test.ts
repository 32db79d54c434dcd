import t from 'tap';
import { cny } from '../../web/shared/format.js';
import { insertHomeWithReadings } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold } from '../helpers/registry.js';
import {
  accessibilityViolations, browserTests, DESKTOP, launchBrowser, newContext, PHONE, screenshot, servedApp, signIn, titleHolds,
} from './browser.js';

const CODE = 'qingjiang-huayuan';

const TITLE = "console: a compound's month, a dry run then the billing run, a CSV import with errors, invoice search";

t.test(TITLE, browserTests, async (t) => {
  // Every run answers 202 at once, so the page follows it by polling GET /v1/billing-runs/{id}.
  const { app, db, baseUrl } = await servedApp(t, { billingRunWaitMs: 0 });
  const op = await operatorWithCompound(app, CODE);
  await insertDefaultSeason(db, op.compound.id);
  const home = (serial: string, areaM2: string, holderName: string, extra: Parameters<typeof insertHomeWithReadings>[2] = {}) =>
    insertHomeWithReadings(db, op.compound.id, { serial, areaM2, holderName, ...extra });
  const homes = [
    await home('QJ-0001', '99', '王芳', { readings: [['2025-11', '1500']] }),
    // 5,000 units on 40 m²: the cap (1,400 CNY) bites.
    await home('QJ-0002', '40', '李雷', { readings: [['2025-11', '5000']] }),
    await home('QJ-0003', '120', '张伟', { plan: 'flat' }),
  ];
  // A household without a meter: the batch leaves it unbilled and lists it as an exception.
  const meterless = await createHousehold(app, op.headers, CODE, { building: '9', unit: '1', room: '901' });
  await createAccount(app, op.headers, meterless.id, { holderName: '赵六' });
  const invoicesOf = async (period: string) => {
    const response = await app.inject({ url: `/v1/invoices?compound=${CODE}&period=${period}`, headers: op.headers });
    return response.json().items as Array<{ id: string; number: string; householdId: string }>;
  };
  const readingCount = async () => {
    const { n } = await db.selectFrom('readings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  };

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t, DESKTOP);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signIn(page, op.token);
  await page.getByLabel('小区 Compound').waitFor();
  t.match(await page.getByLabel('小区 Compound').innerText(), CODE);
  await page.getByLabel('账期（月） Billing month').fill('2025-11');
  await page.getByTestId('accounts-billed').filter({ hasText: '0' }).waitFor();
  await page.locator('[data-testid=accounts] tbody tr').nth(3).waitFor();
  t.equal(await page.locator('[data-testid=accounts] tbody tr').count(), 4, "the compound's accounts");
  t.equal(await page.locator('[data-testid=accounts] tbody tr').filter({ hasText: '未开票' }).count(), 4, 'none billed yet');
  await page.locator('#exceptions').waitFor();
  t.equal(await page.locator('#exceptions').count(), 1, 'the exceptions section, the API having the route');
  await page.locator('#arrears').waitFor();
  t.equal(await page.locator('#arrears').count(), 1, 'the arrears section, the API having the route');

  t.ok(await page.getByRole('button', { name: '正式开票 Issue invoices' }).isDisabled(), 'no real run before a dry run');
  await page.getByRole('button', { name: '试算 Dry run' }).click();
  const dry = page.getByTestId('dry-run-result');
  await dry.getByTestId('run-status').filter({ hasText: '完成' }).waitFor();
  t.equal(await dry.getByTestId('run-invoices').innerText(), '3');
  t.equal(await dry.getByTestId('run-accounts').innerText(), '3');
  t.same(await invoicesOf('2025-11'), [], 'the dry run stored no invoice');
  t.equal(await dry.getByTestId('run-skipped').innerText(), '0', 'no account billed through a later month');
  const exception = dry.locator('[data-testid=run-exceptions] tbody tr');
  await exception.filter({ hasText: '9-1-901' }).waitFor();
  t.equal(await exception.count(), 1, 'the household without a meter is listed, by its home');
  t.match(await exception.innerText(), 'the household has no meter');
  const dryTotal = await dry.getByTestId('run-total').innerText();

  await screenshot(page, 'console-dry-run-1280');
  await page.getByRole('button', { name: '正式开票（3 张） Issue 3 invoice(s)' }).click();
  const real = page.getByTestId('run-result');
  await real.getByTestId('run-status').filter({ hasText: '进行中' }).waitFor();
  t.pass('the run shows as running while it is polled');
  await real.getByTestId('run-status').filter({ hasText: '完成' }).waitFor();
  t.equal(await real.getByTestId('run-invoices').innerText(), '3');
  t.equal(await real.getByTestId('run-total').innerText(), dryTotal, 'the real run bills what the dry run showed');
  const issued = await invoicesOf('2025-11');
  t.equal(issued.length, 3, 'three invoices stored, the other three committed despite the exception');
  t.equal(await real.locator('[data-testid=run-exceptions] tbody tr').count(), 1, 'the real run lists the exception too');
  t.ok(await page.getByRole('button', { name: '正式开票 Issue invoices' }).isDisabled(), 'another real run needs another dry run');

  const report = (await app.inject({ url: `/v1/compounds/${CODE}/reports/2025-11`, headers: op.headers })).json();
  await page.getByTestId('accounts-billed').filter({ hasText: '3' }).waitFor();
  t.equal(await page.getByTestId('billed-total').innerText(), cny(report.netBilledFen), 'the billed total as the report has it');
  t.equal(await page.getByTestId('billed-total').innerText(), dryTotal);
  t.equal(await page.getByTestId('capped-accounts').innerText(), String(report.cappedAccounts));
  t.equal(report.cappedAccounts, 1, '5,000 units on 40 m² hit the cap');
  for (const invoice of issued) {
    await page.locator('[data-testid=accounts] tbody tr').filter({ hasText: invoice.number }).waitFor();
  }
  t.pass('every account lists its invoice of the month');
  const unbilled = page.locator('[data-testid=accounts] tbody tr').filter({ hasText: '9-1-901' });
  t.match(await unbilled.innerText(), '未开票', 'the exception stays unbilled');

  // A CSV with three bad rows: nothing is stored and each row is listed with its line and reason.
  const before = await readingCount();
  watch.expectStatus(422);
  await page.getByLabel('CSV 文件 CSV file').setInputFiles({
    name: 'readings-2025-12.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      [
        'meterSerial,readAt,value',
        'QJ-0001,2025-12-28T12:00:00+08:00,2600',
        'NO-SUCH-METER,2025-12-28T12:00:00+08:00,10',
        'QJ-0002,2025-12-28T12:00:00+08:00,-5',
        'QJ-0003,yesterday,100',
      ].join('\n'),
    ),
  });
  await page.getByRole('button', { name: '上传 Upload' }).click();
  const errors = page.getByTestId('import-errors');
  await errors.waitFor();
  const rows = await errors.locator('tbody tr').all();
  t.same(await Promise.all(rows.map((row) => row.locator('td').first().innerText())), ['3', '4', '5'], 'every invalid row, by file line');
  t.match(await errors.locator('tbody tr').nth(0).innerText(), /NO-SUCH-METER|meter/i);
  t.match(await errors.locator('tbody tr').nth(0).innerText(), '未知的表号 Unknown meter', 'the reason in Chinese and English, from its code');
  for (const row of rows) t.match(await row.locator('td').nth(2).innerText(), /[\u4e00-\u9fff]/, 'every reason has its Chinese');
  t.match(await page.getByTestId('import-summary').innerText(), /3 处错误，涉及 3 行，未保存任何读数。 \S/, 'the summary: Chinese, then English');
  t.equal(await readingCount(), before, 'nothing stored');
  await screenshot(page, 'console-import-errors-1280');

  await page.getByLabel('CSV 文件 CSV file').setInputFiles({
    name: 'readings-2025-12.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('meterSerial,readAt,value\nQJ-0001,2025-12-28T12:00:00+08:00,2600\nQJ-0002,2025-12-28T12:00:00+08:00,5100\n'),
  });
  await page.getByRole('button', { name: '上传 Upload' }).click();
  await page.getByTestId('import-result').filter({ hasText: '已保存 2 条读数' }).waitFor();
  t.equal(await readingCount(), before + 2);
  t.equal(await page.getByTestId('import-errors').count(), 0, 'the error list is gone');

  // Invoice search by number, by room, by status; a result opens its print view.
  const second = issued.find((invoice) => invoice.householdId === homes[1]!.householdId)!;
  await page.getByLabel('账单号 Number').fill(second.number.toLowerCase());
  await page.getByRole('button', { name: '查询 Search' }).click();
  await page.locator('[data-testid=search-results] tbody tr').filter({ hasText: second.number }).waitFor();
  t.equal(await page.locator('[data-testid=search-results] tbody tr').count(), 1, 'by number');

  const household = await db.selectFrom('households').select('room').where('id', '=', homes[0]!.householdId).executeTakeFirstOrThrow();
  await page.getByLabel('账单号 Number').fill('');
  await page.getByLabel('房号 Room').fill(household.room);
  await page.getByRole('button', { name: '查询 Search' }).click();
  const first = issued.find((invoice) => invoice.householdId === homes[0]!.householdId)!;
  await page.locator('[data-testid=search-results] tbody tr').filter({ hasText: first.number }).waitFor();
  t.equal(await page.locator('[data-testid=search-results] tbody tr').count(), 1, 'by room');
  const found = page.locator('[data-testid=search-results] tbody tr').first();
  await found.filter({ hasText: '王芳' }).waitFor();
  t.match(await found.innerText(), `1-1-${household.room}`, 'the home, building-unit-room, beside the number');
  t.match(await found.innerText(), '王芳', 'and the holder');

  await page.getByLabel('房号 Room').fill('');
  await page.getByLabel('状态 Status').selectOption('void');
  await page.getByRole('button', { name: '查询 Search' }).click();
  await page.getByRole('status').filter({ hasText: '没有符合条件的账单' }).waitFor();
  t.pass('by status: no void invoice');

  await page.getByLabel('状态 Status').selectOption('issued');
  await page.getByRole('button', { name: '查询 Search' }).click();
  await page.locator('[data-testid=search-results] tbody tr').nth(1).waitFor();
  const listed = await page.locator('[data-testid=search-results] tbody tr td:nth-child(2)').allInnerTexts();
  const newestFirst = issued.map((invoice) => invoice.number).sort().reverse();
  t.same(listed, newestFirst, 'newest first');
  const [print] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: `打印 Print ${first.number}` }).click()]);
  const printUrl = `${baseUrl}/console/?invoice=${first.id}`;
  await print.waitForURL(printUrl);
  t.pass('the print view opens at a stable URL of the console, not a blob:');
  await titleHolds(print, first.number);
  t.match(await print.locator('main').innerText(), first.number, 'the print view of the invoice clicked, signed in already');
  t.equal(await print.evaluate('document.documentElement.scrollWidth'), DESKTOP.width, 'no overflow at 1280 px');
  await print.setViewportSize(PHONE);
  t.equal(await print.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'no overflow at 375 px');
  await print.close();
  const { context: signedOut } = await newContext(browser, t, PHONE);
  const shared = await signedOut.newPage();
  await shared.goto(printUrl);
  await shared.getByLabel('访问令牌 Access token').waitFor();
  t.equal(await shared.getByText(first.number).count(), 0, 'opened signed out: the sign-in prompt, not the invoice');
  await signIn(shared, op.token);
  await titleHolds(shared, first.number);
  t.equal(shared.url(), printUrl, 'then the invoice, at the same address');

  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation (axe-core), on a desktop');
  await screenshot(page, 'console-1280');
  await page.setViewportSize(PHONE);
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'nothing wider than a 375 px phone');
  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation, on a phone');
  await screenshot(page, 'console-375');

  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
