import { readFile } from 'node:fs/promises';
import t from 'tap';
import { addDays } from '../../src/core/index.js';
import { localToday } from '../../src/shared/time.js';
import { cny } from '../../web/shared/format.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { browserTests, DESKTOP, launchBrowser, newContext, PHONE, screenshot, servedApp, signIn, titleHolds } from './browser.js';

const CODE = 'qingjiang-hongjing';

t.test("console, the clerk's desk: arrears as of a day, a notice, a payment at the counter, the CSVs", browserTests, async (t) => {
  const { app, db, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, CODE);
  await insertDefaultSeason(db, op.compound.id);
  const today = localToday('Asia/Shanghai');
  const homes = [
    await insertHome(db, op.compound.id, { holderName: '王芳' }),
    // A name that a spreadsheet would run as a formula: masked and neutralised in the CSV.
    await insertHome(db, op.compound.id, { holderName: '=HYPERLINK("x")' }),
  ];
  const amounts = [12_345, 67_800];
  const invoices = [];
  for (const [i, home] of homes.entries()) {
    invoices.push(
      await insertInvoice(db, {
        compoundId: op.compound.id,
        accountId: home.accountId,
        householdId: home.householdId,
        period: '2025-11',
        dueOn: addDays(today, -40 + 30 * i),
        issuedOn: addDays(today, -55 + 30 * i),
        lines: meteredLines('100', amounts[i]!),
      }),
    );
  }
  const room = async (householdId: string) =>
    (await db.selectFrom('households').select('room').where('id', '=', householdId).executeTakeFirstOrThrow()).room;
  const firstHome = `1-1-${await room(homes[0]!.householdId)}`;

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t, DESKTOP);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/`);
  await signIn(page, op.token);
  await page.getByLabel('账期（月） Billing month').fill('2025-11');
  await page.getByLabel('截至日期 As of').fill(today);
  await page.getByTestId('arrears-accounts').filter({ hasText: '2' }).waitFor();
  t.equal(await page.getByTestId('arrears-total').innerText(), cny(amounts[0]! + amounts[1]!), 'both invoices overdue today');
  t.equal(await page.locator('#arrears dd').nth(2).innerText(), cny(amounts[1]!), '10 days overdue: 1–30');
  t.equal(await page.locator('#arrears dd').nth(3).innerText(), cny(amounts[0]!), '40 days overdue: 31–60');
  await page.getByLabel('截至日期 As of').fill(addDays(today, -20));
  await page.getByTestId('arrears-accounts').filter({ hasText: '1' }).waitFor();
  t.equal(await page.getByTestId('arrears-total').innerText(), cny(amounts[0]!), 'twenty days ago only the older one was due');
  await page.getByLabel('截至日期 As of').fill(today);
  await page.getByTestId('arrears-accounts').filter({ hasText: '2' }).waitFor();

  // Each account opens its payment notice: printable, and no wider than a 375 px phone.
  const [notice] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: `通知书 Notice ${firstHome}` }).click(),
  ]);
  await notice.waitForURL(/\/console\/\?notice=/);
  await titleHolds(notice, '缴费通知书');
  t.match(await notice.locator('body').innerText(), invoices[0]!.number);
  await notice.setViewportSize(PHONE);
  t.ok(Number(await notice.evaluate('document.documentElement.scrollWidth')) <= PHONE.width, 'the notice fits 375 px');
  await screenshot(notice, 'console-notice-375');
  await notice.close();

  // A payment at the counter, the button clicked twice: one payment, and the account leaves the arrears.
  await page.getByRole('button', { name: `收款 Pay ${firstHome}` }).click();
  await page.getByLabel('金额（元） Amount (CNY)').fill((amounts[0]! / 100).toFixed(2));
  await page.getByLabel('备注/凭证号 Reference').fill('柜台 counter 001');
  await page.getByRole('button', { name: '记录收款 Record payment' }).dblclick();
  await page.getByTestId('payment-recorded').waitFor();
  t.match(await page.getByTestId('payment-recorded').innerText(), invoices[0]!.number);
  await page.getByTestId('arrears-accounts').filter({ hasText: '1' }).waitFor();
  t.equal(await page.getByTestId('arrears-total').innerText(), cny(amounts[1]!), 'the arrears change');
  const payments = await db.selectFrom('payments').select(['amount_fen', 'reference', 'account_id']).execute();
  const expected = [{ amount_fen: amounts[0], reference: '柜台 counter 001', account_id: homes[0]!.accountId }];
  t.same(payments, expected, 'one payment for a double click');

  // The CSVs: the arrears as of the day, and the month's report; a formula-like cell is neutralised.
  const csv = async (button: string) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
  };
  const arrears = await csv('下载欠费 CSV Arrears CSV');
  t.equal(arrears.name, `${CODE}-arrears-${today}.csv`);
  t.match(arrears.text, /^compound,asOf,accountId,home,holderName/);
  t.match(arrears.text, `,${homes[1]!.accountId},`);
  t.notMatch(arrears.text, homes[0]!.accountId, 'the paid account is gone');
  t.match(arrears.text, ",'=", 'the formula-like name starts with a quote');
  t.match(arrears.text, `\n${CODE},${today},total,`);
  const report = await csv('下载月报 CSV Month report CSV');
  t.equal(report.name, `${CODE}-2025-11.csv`);
  t.ok(report.text.split('\n').length > 2, 'a header and rows');

  await page.setViewportSize(PHONE);
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'the console fits 375 px');
  await screenshot(page, 'console-desk-375');
  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
