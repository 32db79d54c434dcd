import t from 'tap';
import { addDays } from '../../src/core/index.js';
import { localToday } from '../../src/shared/time.js';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { residentToken } from '../helpers/registry.js';
import { browserTests, launchBrowser, PHONE, screenshot } from '../web/browser.js';

const today = localToday('Asia/Shanghai');

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await insertDefaultSeason(db, alpha.compound.id);
  // A late fee of 0.5‰ a day (SPEC §9), so the notice shows what accrues.
  await db.updateTable('seasons').set({ late_fee_per_mille_per_day: '0.5' }).where('compound_id', '=', alpha.compound.id).execute();
  const home = await insertHome(db, alpha.compound.id, { holderName: '王芳', phone: '13812345678' });
  const neighbour = await insertHome(db, alpha.compound.id, { holderName: '<script>alert(1)</script>' });
  const c = alpha.compound.id;
  const inv = (period: string, dueOn: string, fen: number, more: { status?: 'partially_paid' | 'void'; paidFen?: number } = {}) =>
    insertInvoice(db, {
      compoundId: c,
      accountId: home.accountId,
      householdId: home.householdId,
      period,
      dueOn,
      issuedOn: addDays(dueOn, -15),
      lines: meteredLines('100', fen),
      ...more,
    });
  const old = await inv('2025-11', addDays(today, -40), 12_345);
  const partial = await inv('2025-12', addDays(today, -1), 5_000, { status: 'partially_paid', paidFen: 2_000 });
  const voided = await inv('2026-01', addDays(today, -20), 7_000, { status: 'void' });
  const notYet = await inv('2026-02', today, 4_000);
  return { app, db, alpha, beta, home, neighbour, old, partial, voided, notYet };
}

t.test('the notice lists the overdue invoices, their due dates and amounts, and the numbers to quote', async (t) => {
  const { app, alpha, home, old, partial, voided, notYet } = await scene(t);
  const response = await app.inject({ url: `/v1/accounts/${home.accountId}/notice`, headers: alpha.headers });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/html/);
  t.equal(response.headers['cache-control'], 'private, no-store');
  const html = response.body;
  t.match(html, '缴费通知书');
  t.match(html, 'Payment notice');
  t.match(html, old.number);
  t.match(html, partial.number);
  t.notMatch(html, voided.number, 'a void invoice is never due');
  t.notMatch(html, notYet.number, 'due today is not yet overdue');
  t.match(html, addDays(today, -40));
  t.match(html, '¥123.45');
  t.match(html, '¥30.00', 'what is left of a partly paid invoice');
  t.match(html, '¥153.45', 'the total overdue');
  t.match(html, `<p class="ref">${old.number} ${partial.number}</p>`, 'the reference, oldest due first');
  t.match(html, 'Provider of alpha');
  t.match(html, '王*');
  t.match(html, '138****5678');
  t.notMatch(html, '王芳');
  t.ok(html.indexOf('缴费通知书') < html.indexOf('Payment notice'), 'Chinese first');
  // Late fee to today: 40 days × 123.45 × 0.5‰ = 2.469; 1 day on the 30.00 left = 0.015 (half up).
  t.match(html, `<td class="ref">${old.number}</td><td>40 天 <span class="en">days</span> × 0.5‰</td><td class="n">¥2.47</td>`);
  t.match(html, `<td class="ref">${partial.number}</td><td>1 天 <span class="en">days</span> × 0.5‰</td><td class="n">¥0.02</td>`);
  t.match(html, '¥2.49</td></tr></tfoot>', 'the late fee accrued, not yet billed');
});

t.test("the notice tells how to pay: the provider's payment details, the invoice numbers as the reference", async (t) => {
  const { app, db, alpha, home, old, partial } = await scene(t);
  const resident = bearer(await residentToken(db, home.accountId));
  const url = `/v1/accounts/${home.accountId}/notice`;
  const before = (await app.inject({ url, headers: resident })).body;
  t.match(before, '请向 Provider of alpha 缴费', 'no details set: the provider is named alone');
  t.notMatch(before, 'class="meta pay"', 'and no details block');

  const details = {
    payeeName: '武汉<地源>热泵服务有限公司',
    bankName: '中国建设银行武汉光谷支行',
    bankAccount: '4205 0186 3608 0000 0127',
    qr: 'https://qr.example.cn/pay?a=1&b=2',
    hotline: '027-8765 4321',
    noteZh: '物业服务中心缴费窗口，周一至周六 9:00–17:00。',
    noteEn: 'Property service centre counter, Mon–Sat 9:00–17:00.',
  };
  const set = await app.inject({
    method: 'PUT', url: `/v1/providers/${alpha.provider.id}/payment-details`, headers: alpha.headers, payload: details,
  });
  t.equal(set.statusCode, 200);
  const html = (await app.inject({ url, headers: resident })).body;
  const payee = '武汉&#60;地源&#62;热泵服务有限公司';
  t.match(html, `请向 ${payee} 缴费`, 'whom to pay, escaped');
  t.match(html, `<p class="ref">${old.number} ${partial.number}</p>`, 'the invoice numbers as the payment reference');
  t.match(html, `<dt>收款单位 <span class="en">Payee</span></dt><dd>${payee}</dd>`);
  t.match(html, '<dt>开户行 <span class="en">Bank</span></dt><dd>中国建设银行武汉光谷支行</dd>');
  t.match(html, '<dt>账号 <span class="en">Account no.</span></dt><dd class="ref">4205 0186 3608 0000 0127</dd>');
  t.match(html, '<dd class="ref">https://qr.example.cn/pay?a=1&#38;b=2</dd>', 'the QR link, escaped');
  t.match(html, '<dd>027-8765 4321</dd>');
  t.match(html, `<p>${details.noteZh} <span class="en">${details.noteEn}</span></p>`, 'the note, Chinese first');
  t.ok(html.indexOf(`<p class="ref">${old.number}`) < html.indexOf('class="meta pay"'), 'the reference, then the details');
});

t.test('the notice: residents read their own; out of scope 404', async (t) => {
  const { app, db, alpha, beta, home, neighbour } = await scene(t);
  const url = `/v1/accounts/${home.accountId}/notice`;
  const own = bearer(await residentToken(db, home.accountId));
  const other = bearer(await residentToken(db, neighbour.accountId));
  t.equal((await app.inject({ url, headers: own })).statusCode, 200);
  t.equal((await app.inject({ url, headers: admin })).statusCode, 200);
  t.equal((await app.inject({ url, headers: alpha.headers })).statusCode, 200);
  t.equal((await app.inject({ url, headers: other })).statusCode, 404);
  t.equal((await app.inject({ url, headers: beta.headers })).statusCode, 404);
  t.equal((await app.inject({ url: '/v1/accounts/00000000-0000-4000-8000-000000000000/notice', headers: admin })).statusCode, 404);
  t.equal((await app.inject({ url })).statusCode, 401);
  const quiet = await app.inject({ url: `/v1/accounts/${neighbour.accountId}/notice`, headers: other });
  t.equal(quiet.statusCode, 200);
  t.match(quiet.body, 'No overdue invoices');
  t.notMatch(quiet.body, '<script>', 'every value escaped');
});

t.test('the notice fits a 375 px screen with no sideways scroll', browserTests, async (t) => {
  const { app, alpha, home } = await scene(t);
  const details = {
    payeeName: '武汉地源热泵服务有限公司',
    bankName: '中国建设银行武汉光谷支行 China Construction Bank, Wuhan Optics Valley sub-branch',
    bankAccount: '4205 0186 3608 0000 0127 0000 1234',
    qr: `https://qr.example.cn/pay/${'x'.repeat(120)}`,
    hotline: '027-8765 4321',
    noteZh: '可在小区物业服务中心缴费窗口（周一至周六 9:00–17:00）刷卡或现金缴费，或银行转账；转账请在附言中注明账单号。',
    noteEn: "Pay at the counter of the compound's property service centre (Mon–Sat 9:00–17:00) by card or cash, or by bank transfer.",
  };
  const url = `/v1/providers/${alpha.provider.id}/payment-details`;
  t.equal((await app.inject({ method: 'PUT', url, headers: alpha.headers, payload: details })).statusCode, 200, 'long details');
  const html = (await app.inject({ url: `/v1/accounts/${home.accountId}/notice`, headers: alpha.headers })).body;
  const browser = await launchBrowser(t);
  const page = await browser.newPage({ viewport: PHONE });
  await page.setContent(html);
  t.equal(await page.evaluate('document.documentElement.scrollWidth'), PHONE.width, 'nothing wider than a 375 px phone');
  await screenshot(page, 'notice-375');
});
