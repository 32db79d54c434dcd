import { sql } from 'kysely';
import t from 'tap';
import { cny } from '../../web/shared/format.js';
import { bearer } from '../helpers/app.js';
import { cumulative, insertHomeWithReadings, postRun, SEASON_MONTHS } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';
import {
  accessibilityViolations, browserTests, DESKTOP, launchBrowser, newContext, PHONE, screenshot, servedApp, signIn, titleHolds,
} from './browser.js';

// SPEC §5's metered worked example: 99 m², capped at 3,465 CNY in June.
const UNITS = [1500, 2600, 3000, 2400, 900, 500, 1200, 1100, 0];

interface StatementBody {
  household: { compoundName: string };
  seasons: string[];
  capSavedFen: number;
  capFen: number;
  billedFen: number;
  remainingCapFen: number;
  balanceFen: number;
  creditFen: number;
  invoices: Array<{ id: string; number: string; period: string; totalFen: number }>;
  payments: unknown[];
  pendingAdjustments: unknown[];
  usage: Array<{ period: string; units: string; amountFen: number }>;
  usageToDate: { readAt: string; units: string; amountFen: number } | null;
  projectedSeasonFen: number;
  due: { amountFen: number; earliestDueOn: string | null; overdue: boolean; overdueFen: number; invoiceNumbers: string[] };
}

const PAYMENT_DETAILS = {
  payeeName: '武汉地源热泵服务有限公司',
  bankName: '中国建设银行武汉光谷支行',
  bankAccount: '4205 0186 3608 0000 0127',
  hotline: '027-8765 4321',
  noteZh: '可在小区物业服务中心缴费窗口（周一至周六 9:00–17:00）刷卡或现金缴费，或银行转账；转账请在附言中注明账单号。',
  noteEn: "Pay at the counter of the compound's property service centre (Mon–Sat 9:00–17:00) by card or cash, or by bank transfer.",
};

t.test('resident page: sign in, the statement as the API has it, the print view', browserTests, async (t) => {
  const { app, db, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, 'guanggu-wanjun');
  await insertDefaultSeason(db, op.compound.id);
  const readings = cumulative(SEASON_MONTHS.map((p, i) => [p, UNITS[i]!]));
  const home = await insertHomeWithReadings(db, op.compound.id, { areaM2: '99.00', holderName: '王芳', readings });
  for (const period of SEASON_MONTHS) {
    t.equal((await postRun(app, op.headers, { period, compound: 'guanggu-wanjun' })).statusCode, 201, `${period} billed`);
  }
  const paid = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...op.headers, 'idempotency-key': 'e2e-payment-1' },
    payload: { accountId: home.accountId, amountFen: 100_000, paidAt: '2026-01-10T10:00:00+08:00', reference: 'WX-20260110-0001' },
  });
  t.equal(paid.statusCode, 201);
  const resident = bearer(await residentToken(db, home.accountId));
  const february = (await app.inject({ url: '/v1/invoices?period=2026-02', headers: resident })).json().items[0];
  const voided = await app.inject({
    method: 'POST', url: `/v1/invoices/${february.id}/void`, headers: op.headers, payload: { reason: '抄表错误 wrong reading' },
  });
  t.equal(voided.statusCode, 200);
  // Issued as each month's batch would have been, the month after (the runs above issued them today): long overdue now.
  await sql`UPDATE invoices SET issued_on = (period || '-01')::date + 31, due_on = (period || '-01')::date + 46
            WHERE account_id = ${home.accountId}`.execute(db);
  const details = await app.inject({
    method: 'PUT', url: `/v1/providers/${op.provider.id}/payment-details`, headers: op.headers, payload: PAYMENT_DETAILS,
  });
  t.equal(details.statusCode, 200, "the provider's payment details set");
  const statement = (await app.inject({ url: `/v1/accounts/${home.accountId}/statement`, headers: resident })).json() as StatementBody;
  t.ok(statement.pendingAdjustments.length > 0, 'the void left an adjustment for the next invoice');
  t.ok(statement.due.overdue && statement.due.amountFen > 0, 'the season was billed months ago: something is overdue');

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/app/`);
  await screenshot(page, 'app-signin-375');

  watch.expectStatus(401);
  await signIn(page, 'hpb_not-a-real-token');
  await page.getByRole('alert').filter({ hasText: '令牌无效或已撤销' }).waitFor();
  t.equal(await page.getByTestId('cap').count(), 0, 'a wrong token does not sign in');

  await signIn(page, `resident-${home.accountId}`);
  await page.getByTestId('cap').waitFor();
  t.equal(page.url(), `${baseUrl}/app/`, 'no token in the URL after sign-in');
  t.same(
    await page.evaluate('({ session: Object.keys(sessionStorage), local: localStorage.length, cookie: document.cookie })'),
    { session: ['heatpump.resident.token'], local: 0, cookie: '' },
    'the token is kept in sessionStorage only',
  );

  // The first screen answers "what do I owe, by when, and how do I pay", above everything else.
  const top = await page.getByTestId('due-now').boundingBox();
  const home_ = await page.getByTestId('compound-name').boundingBox();
  t.ok(top && home_ && top.y < home_.y, 'the amount due comes first');
  t.equal(await page.getByTestId('due-amount').innerText(), cny(statement.due.amountFen), 'the amount due as the API has it');
  t.match(await page.getByTestId('due-by').innerText(), statement.due.earliestDueOn!, 'the earliest due date');
  const amountBox = await page.getByTestId('due-amount').boundingBox();
  t.ok(amountBox && amountBox.y + amountBox.height < PHONE.height, 'the amount is on the first screen of a phone');
  t.match(await page.getByTestId('due-overdue').innerText(), cny(statement.due.overdueFen), 'what is overdue');
  t.equal(await page.getByTestId('due-overdue').getByRole('link', { name: '缴费通知书 Payment notice' }).count(), 1, 'the notice link');
  t.match(await page.getByTestId('overdue-notice').innerText(), cny(statement.due.overdueFen), 'the notice among the notices too');
  const howToPay = await page.getByTestId('how-to-pay').innerText();
  t.match(howToPay, PAYMENT_DETAILS.payeeName);
  t.match(howToPay, PAYMENT_DETAILS.bankName);
  t.match(howToPay, PAYMENT_DETAILS.hotline);
  t.match(howToPay, PAYMENT_DETAILS.noteZh);
  t.equal(await page.getByTestId('bank-account').innerText(), PAYMENT_DETAILS.bankAccount);
  t.equal(await page.getByTestId('pay-reference').innerText(), statement.due.invoiceNumbers.join(' '), 'the invoice numbers to quote');
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'the first screen fits a 375 px phone');
  await screenshot(page, 'app-first-screen-375');
  const { context: wide } = await newContext(browser, t, DESKTOP);
  const desktop = await wide.newPage();
  await desktop.goto(`${baseUrl}/app/`);
  await signIn(desktop, `resident-${home.accountId}`);
  await desktop.getByTestId('due-overdue').waitFor();
  const [dueBox, capBox] = [await desktop.getByTestId('due-now').boundingBox(), await desktop.locator('#cap').boundingBox()];
  t.ok(dueBox && capBox && dueBox.y < capBox.y, 'at 1280 px too, the amount due comes first');
  t.equal(await desktop.evaluate('document.documentElement.scrollWidth'), DESKTOP.width, 'the first screen at 1280 px: no overflow');
  await screenshot(desktop, 'app-first-screen-1280');
  await desktop.close();

  t.equal(await page.getByTestId('cap').innerText(), '¥3,465.00', '99 m² × 35 CNY');
  t.equal(await page.getByTestId('compound-name').innerText(), statement.household.compoundName, "the compound's name, not its code");
  t.same(statement.seasons, ['2025-26']);
  t.equal(await page.getByRole('button', { name: /上一季|下一季/ }).count(), 0, 'no button for a season that does not exist');
  if (statement.capSavedFen > 0) {
    t.match(await page.getByTestId('cap-saved').innerText(), cny(statement.capSavedFen), 'what the cap saved');
    t.ok((await page.getByTestId('capped-month').count()) > 0, 'the months where the cap bit are marked');
  } else {
    t.equal(await page.getByTestId('cap-saved').count(), 0, 'no saving to show');
  }
  t.equal(await page.getByTestId('cap').innerText(), cny(statement.capFen));
  t.equal(await page.getByTestId('billed').innerText(), cny(statement.billedFen));
  t.equal(await page.getByTestId('remaining').innerText(), cny(statement.remainingCapFen));
  t.ok(statement.balanceFen > 0, 'the payment left a balance');
  t.equal(await page.getByTestId('balance').innerText(), cny(statement.balanceFen));
  t.equal(await page.locator('#cap-bar').getAttribute('max'), String(statement.capFen));
  t.equal(await page.locator('#cap-bar').getAttribute('value'), String(statement.capFen - statement.remainingCapFen));

  t.equal(await page.getByTestId('invoice').count(), statement.invoices.length, 'one row per invoice of the season');
  for (const invoice of statement.invoices) {
    const row = page.getByTestId('invoice').filter({ hasText: invoice.number });
    t.equal(await row.count(), 1, invoice.number);
    t.match(await row.innerText(), cny(invoice.totalFen), `${invoice.number} total`);
  }
  const usageRows = page.locator('#usage tbody tr');
  t.equal(await usageRows.count(), statement.usage.length);
  for (const [i, month] of statement.usage.entries()) {
    const cells = await usageRows.nth(i).locator('td').allInnerTexts();
    t.same(cells, [month.units, cny(month.amountFen)], `${month.period} in the usage table`);
  }
  await page.locator('[data-testid=usage-chart] canvas').first().waitFor();
  t.equal(await page.getByTestId('payment').count(), 1);
  t.match(await page.getByTestId('payment').innerText(), /WX-20260110-0001[\s\S]*¥1,000\.00/);
  t.equal(await page.getByTestId('adjustment').count(), statement.pendingAdjustments.length);
  t.equal(await page.getByTestId('projection').innerText(), cny(statement.projectedSeasonFen), 'the projection beside the cap');
  t.equal(statement.usageToDate, null, 'the season is over: no next invoice in it');
  t.equal(await page.getByTestId('usage-to-date').count(), 0, 'so no usage since the last invoice to show');
  t.equal(await page.getByTestId('credit').count(), 0, 'no credit to use: the payment went to the oldest invoices');
  t.equal(statement.creditFen, 0);

  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation (axe-core), on a phone');
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'nothing wider than a 375 px phone');
  await screenshot(page, 'app-statement-375');

  const january = statement.invoices.find((invoice) => invoice.period === '2026-01')!;
  const [print] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: `查看/打印 View & print ${january.number}` }).click(),
  ]);
  const printUrl = `${baseUrl}/app/?invoice=${january.id}`;
  await print.waitForURL(printUrl);
  t.pass('the print view opens at a stable URL of the page, not a blob:');
  await titleHolds(print, january.number);
  const printed = await print.locator('body').innerText();
  t.match(printed, january.number, 'the print view of the invoice clicked, signed in already in the new tab');
  t.match(printed, '地源热泵供暖制冷费用账单');
  t.match(printed, cny(january.totalFen));
  t.notMatch(print.url(), /resident-|token/, 'the token is not in the print view URL');
  t.equal(await print.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'the print view fits a 375 px phone');
  t.equal(await print.locator('main').count(), 1, 'a main landmark');
  t.same(await accessibilityViolations(print), [], 'the print view: no WCAG A/AA violation');
  await screenshot(print, 'app-print-view-375');
  await print.setViewportSize(DESKTOP);
  t.equal(await print.evaluate('document.documentElement.scrollWidth'), DESKTOP.width, 'the print view at 1280 px: no overflow');
  await print.close();

  // The same address opened signed out (a bookmark, a shared link): the sign-in first, then the invoice.
  const { context: elsewhere, watch: elsewhereWatch } = await newContext(browser, t);
  const bookmark = await elsewhere.newPage();
  await bookmark.goto(printUrl);
  await bookmark.getByLabel('访问令牌 Access token').waitFor();
  t.equal(await bookmark.getByText(january.number).count(), 0, 'signed out: the sign-in prompt, no invoice');
  t.equal(await bookmark.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'the sign-in prompt fits 375 px');
  await signIn(bookmark, `resident-${home.accountId}`);
  await titleHolds(bookmark, january.number);
  t.match(await bookmark.locator('main').innerText(), january.number, 'signed in: the invoice at the same address');
  t.equal(bookmark.url(), printUrl, 'the address stays the bookmark');
  const missing = `${baseUrl}/app/?invoice=00000000-0000-4000-8000-000000000000`;
  elsewhereWatch.expectStatus(404);
  await bookmark.goto(missing);
  await bookmark.getByRole('alert').waitFor();
  t.pass('an invoice that is not there (or not yours) is said in words');
  t.same(elsewhereWatch.problems, [], 'no console error in the signed-out tab');

  // Paying more than is due leaves credit for the next invoices, shown beside a balance of nil.
  const overpaid = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...op.headers, 'idempotency-key': 'e2e-payment-2' },
    payload: {
      accountId: home.accountId,
      amountFen: statement.balanceFen + 12_345,
      paidAt: '2026-10-08T09:00:00+08:00',
      reference: 'WX-20261008-0002',
    },
  });
  t.equal(overpaid.statusCode, 201);
  const inCredit = (await app.inject({ url: `/v1/accounts/${home.accountId}/statement`, headers: resident })).json() as StatementBody;
  t.equal(inCredit.creditFen, 12_345, 'the API has the overpayment as credit');
  await page.reload();
  await page.getByTestId('credit').waitFor();
  t.pass('still signed in after a reload (same tab)');
  t.equal(await page.getByTestId('credit').innerText(), cny(inCredit.creditFen), 'the credit as the API has it');
  t.equal(await page.getByTestId('balance').innerText(), cny(0), 'nothing due');
  t.equal(inCredit.balanceFen, -inCredit.creditFen, 'the balance is the credit, negative');
  t.equal(await page.getByTestId('due-amount').innerText(), cny(0), 'nothing due at the top either');
  t.match(await page.getByTestId('due-by').innerText(), 'Nothing to pay now');
  t.equal(await page.getByTestId('due-overdue').count(), 0, 'nothing overdue: no notice');
  t.equal(await page.getByTestId('overdue-notice').count(), 0, 'none among the notices either');

  await page.setViewportSize(DESKTOP);
  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation, on a desktop');
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), DESKTOP.width, 'no overflow at 1280 px');
  await screenshot(page, 'app-statement-1280');

  await page.getByRole('button', { name: '退出 Sign out' }).click();
  await page.getByLabel('访问令牌 Access token').waitFor();
  t.equal(await page.evaluate('sessionStorage.length'), 0, 'signing out forgets the token');

  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
