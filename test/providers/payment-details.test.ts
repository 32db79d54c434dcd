import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';

const DETAILS = {
  payeeName: '武汉地源热泵服务有限公司',
  bankName: '中国建设银行武汉光谷支行',
  bankAccount: '4205 0186 3608 0000 0127',
  qr: 'wxp://f2f0AbCdEf123',
  hotline: '027-8765 4321',
  noteZh: '可在物业服务中心缴费窗口缴费。',
  noteEn: "Pay at the property service centre's counter.",
};

const url = (providerId: string) => `/v1/providers/${providerId}/payment-details`;

t.test("an admin or the provider's operator sets its payment details; another operator 404, a resident 403", async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  const home = await insertHome(db, alpha.compound.id);
  const stored = async (id: string) =>
    db.selectFrom('providers').select(['payee_name', 'bank_account', 'pay_qr', 'pay_note_en']).where('id', '=', id)
      .executeTakeFirstOrThrow();

  const own = await app.inject({ method: 'PUT', url: url(alpha.provider.id), headers: alpha.headers, payload: DETAILS });
  t.equal(own.statusCode, 200);
  t.same(own.json(), DETAILS, 'the details as stored');
  t.same(await stored(alpha.provider.id), {
    payee_name: DETAILS.payeeName, bank_account: DETAILS.bankAccount, pay_qr: DETAILS.qr, pay_note_en: DETAILS.noteEn,
  });

  const other = await app.inject({ method: 'PUT', url: url(beta.provider.id), headers: alpha.headers, payload: DETAILS });
  t.equal(other.statusCode, 404, "another provider's details are out of an operator's scope");
  t.equal((await stored(beta.provider.id)).payee_name, null, 'nothing stored for it');
  const resident = bearer(await residentToken(db, home.accountId));
  t.equal((await app.inject({ method: 'PUT', url: url(alpha.provider.id), headers: resident, payload: DETAILS })).statusCode, 403);
  t.equal((await app.inject({ method: 'PUT', url: url(alpha.provider.id), payload: DETAILS })).statusCode, 401);
  const nobody = url('00000000-0000-4000-8000-000000000000');
  t.equal((await app.inject({ method: 'PUT', url: nobody, headers: admin, payload: DETAILS })).statusCode, 404);

  // A replacement: the fields left out are cleared (the payee alone: counter payments only).
  const payeeOnly = await app.inject({ method: 'PUT', url: url(beta.provider.id), headers: admin, payload: { payeeName: '汉阳供热' } });
  t.equal(payeeOnly.statusCode, 200);
  t.same(payeeOnly.json(), { payeeName: '汉阳供热', bankName: null, bankAccount: null, qr: null, hotline: null, noteZh: null, noteEn: null });
  const replaced = await app.inject({ method: 'PUT', url: url(alpha.provider.id), headers: admin, payload: { payeeName: 'X 公司' } });
  t.equal(replaced.statusCode, 200);
  t.same(await stored(alpha.provider.id), { payee_name: 'X 公司', bank_account: null, pay_qr: null, pay_note_en: null });
});

t.test('payment details are validated strictly: 400 naming the field, nothing stored', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  t.equal((await app.inject({ method: 'PUT', url: url(alpha.provider.id), headers: alpha.headers, payload: DETAILS })).statusCode, 200);
  const before = await db.selectFrom('providers').selectAll().where('id', '=', alpha.provider.id).executeTakeFirstOrThrow();
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['no payee', { ...DETAILS, payeeName: undefined }, 'body.payeeName', 'required'],
    ['a blank payee', { ...DETAILS, payeeName: '   ' }, 'body.payeeName', 'blank'],
    ['a payee too long', { ...DETAILS, payeeName: '司'.repeat(101) }, 'body.payeeName', 'too_long'],
    ['a payee that is a number', { ...DETAILS, payeeName: 42 }, 'body.payeeName', 'wrong_type'],
    ['letters in the account', { ...DETAILS, bankAccount: '4205 0186 ABCD' }, 'body.bankAccount', 'format'],
    ['too few digits', { ...DETAILS, bankAccount: '1234 567' }, 'body.bankAccount', 'format'],
    ['too many digits', { ...DETAILS, bankAccount: '1'.repeat(33) }, 'body.bankAccount', 'format'],
    ['a double space', { ...DETAILS, bankAccount: '4205  0186 3608 0000' }, 'body.bankAccount', 'format'],
    ['a bank without its account', { ...DETAILS, bankAccount: undefined }, 'body.bankAccount', 'required'],
    ['an account without its bank', { ...DETAILS, bankName: undefined }, 'body.bankName', 'required'],
    ['an English note alone', { ...DETAILS, noteZh: undefined }, 'body.noteZh', 'required'],
    ['a Chinese note alone', { ...DETAILS, noteEn: undefined }, 'body.noteEn', 'required'],
    ['a script link as QR', { ...DETAILS, qr: 'javascript:alert(1)' }, 'body.qr', 'format'],
    ['a plain-http QR', { ...DETAILS, qr: 'http://pay.example/x' }, 'body.qr', 'format'],
    ['letters in the hotline', { ...DETAILS, hotline: 'call us' }, 'body.hotline', 'format'],
    ['a note too long', { ...DETAILS, noteZh: '缴'.repeat(301) }, 'body.noteZh', 'too_long'],
    ['an unknown field', { ...DETAILS, iban: 'DE00' }, 'body.iban', 'unknown_field'],
    ['a NUL in the bank', { ...DETAILS, bankName: 'bank\u0000' }, 'body.bankName', 'nul_character'],
  ];
  for (const [name, payload, path, code] of cases) {
    const response = await app.inject({ method: 'PUT', url: url(alpha.provider.id), headers: alpha.headers, payload });
    t.equal(response.statusCode, 400, `${name}: 400`);
    t.match(response.headers['content-type'], /application\/problem\+json/, `${name}: a problem`);
    const errors = (response.json() as { errors?: Array<{ path: string; code: string }> }).errors ?? [];
    t.ok(errors.some((e) => e.path === path && e.code === code), `${name}: ${path} ${code} (${JSON.stringify(errors)})`);
  }
  const after = await db.selectFrom('providers').selectAll().where('id', '=', alpha.provider.id).executeTakeFirstOrThrow();
  t.same(after, before, 'nothing stored by any refused request');
});
