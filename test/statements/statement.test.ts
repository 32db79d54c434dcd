import t from 'tap';
import { accountTerms, buildSeason } from '../../src/core/index.js';
import { maskName, maskPhone } from '../../src/statements/mask.js';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { insertInvoice, meteredLines, twoProviderScene, WORKED_FLAT } from '../helpers/invoices.js';
import { residentToken } from '../helpers/registry.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { defaultSeason as seedSeason } from '../../seeds/compounds.js';

const season2025 = () => {
  const d = seedSeason(2025);
  return buildSeason({
    label: d.label,
    heating: { start: d.heating_start, end: d.heating_end },
    cooling: { start: d.cooling_start, end: d.cooling_end },
    unitRate: d.unit_rate,
    capPerM2: d.cap_per_m2,
  });
};

t.test('statement: the worked metered example, capped in June, with payments and masking', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 6);
  await db
    .insertInto('payments')
    .values({
      compound_id: s.alpha.compound.id,
      account_id: s.homeA.accountId,
      amount_fen: 100_000,
      paid_at: '2026-01-05T10:00:00+08:00',
      reference: 'R1',
      idempotency_key: 'k1',
      request_hash: 'h',
      unallocated_fen: 0,
      created_by: 'test',
    })
    .execute();
  const url = `/v1/accounts/${s.homeA.accountId}/statement?season=2025-26`;

  const asOperator = await app.inject({ url, headers: s.alpha.headers });
  t.equal(asOperator.statusCode, 200);
  const body = asOperator.json();
  t.same(body.account, { id: s.homeA.accountId, holderName: '王芳', phone: '13812345678' }, 'operators see the holder unmasked');
  t.same(body.household, {
    id: s.homeA.householdId,
    compound: 'alpha',
    compoundName: 'alpha 小区',
    building: '1',
    unit: '1',
    room: body.household.room,
    areaM2: '99.00',
  });
  t.equal(body.season, '2025-26');
  t.equal(body.plan, 'metered');
  t.equal(body.capFen, 346_500);
  t.equal(body.billedFen, 346_500, 'the season so far: five full months and the capped June');
  t.equal(body.remainingCapFen, 0);
  t.equal(body.balanceFen, 346_500 - 100_000, 'invoiced − paid');
  t.equal(body.invoices.length, 6);
  t.equal(body.invoices[5].lines[1].kind, 'cap');
  t.same(body.usage, [
    { period: '2025-11', units: '1500', amountFen: 49_500 },
    { period: '2025-12', units: '2600', amountFen: 85_800 },
    { period: '2026-01', units: '3000', amountFen: 99_000 },
    { period: '2026-02', units: '2400', amountFen: 79_200 },
    { period: '2026-03', units: '900', amountFen: 29_700 },
    { period: '2026-06', units: '500', amountFen: 3_300 },
  ]);
  t.same(body.payments, [
    { id: body.payments[0].id, amountFen: 100_000, paidAt: '2026-01-05T10:00:00+08:00', reference: 'R1', unallocatedFen: 0 },
  ]);

  const asResident = (await app.inject({ url, headers: s.residentA })).json();
  t.same(asResident.account, { id: s.homeA.accountId, holderName: '王*', phone: '138****5678' }, 'residents see it masked');
  t.equal(asResident.capFen, body.capFen);
  const asAdmin = (await app.inject({ url: `/v1/accounts/${s.homeA.accountId}/statement`, headers: admin })).json();
  t.equal(asAdmin.season, '2025-26', 'default season: the latest that has begun');
  t.equal(asAdmin.account.phone, '13812345678');
});

t.test('statement: who may read which account', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/accounts/${s.homeA.accountId}/statement`;
  t.equal((await app.inject({ url })).statusCode, 401);
  t.equal((await app.inject({ url, headers: bearer('hpb_wrong') })).statusCode, 401);
  t.equal((await app.inject({ url, headers: s.residentA })).statusCode, 200);
  t.equal((await app.inject({ url, headers: s.alpha.headers })).statusCode, 200);
  t.equal((await app.inject({ url, headers: admin })).statusCode, 200);
  t.equal((await app.inject({ url, headers: s.residentB })).statusCode, 404, "another account's resident");
  t.equal((await app.inject({ url: `/v1/accounts/${s.homeA2.accountId}/statement`, headers: s.residentA })).statusCode, 404, 'a neighbour');
  t.equal((await app.inject({ url, headers: s.beta.headers })).statusCode, 404, "another provider's operator");
  t.equal((await app.inject({ url: `${url}?season=2031-32`, headers: admin })).statusCode, 404, 'unknown season');
  t.equal((await app.inject({ url: `${url}?season=2031`, headers: admin })).statusCode, 400);
});

t.test('statement: a mid-season opening gets the prorated cap of the core', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 0);
  const late = await insertHome(db, s.alpha.compound.id, { areaM2: '99.00', openedOn: '2026-01-10' });
  await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: late.accountId,
    householdId: late.householdId,
    period: '2026-01',
    lines: meteredLines('1000', 33_000),
  });
  const body = (await app.inject({ url: `/v1/accounts/${late.accountId}/statement?season=2025-26`, headers: s.alpha.headers })).json();
  const terms = accountTerms({ plan: 'metered', areaM2: '99.00', openedOn: '2026-01-10', season: season2025() });
  t.equal(terms.coveredDays, 22 + 28 + 14 + 92);
  t.equal(body.capFen, terms.capFen, 'the core decides the cap');
  t.equal(body.capFen, Math.round((346_500 * 156) / 212), 'round(346500 × 156 / 212)');
  t.equal(body.capFen, 254_972);
  t.equal(body.remainingCapFen, 254_972 - 33_000);
  t.equal(body.billedFen, 33_000);
});

t.test('statement: flat plan, void invoices, credit and the resident token', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 0);
  const flat = await insertHome(db, s.alpha.compound.id, { areaM2: '99.00', plan: 'flat', holderName: 'Li', phone: null });
  for (const [period, fen] of WORKED_FLAT.slice(0, 3)) {
    await insertInvoice(db, {
      compoundId: s.alpha.compound.id,
      accountId: flat.accountId,
      householdId: flat.householdId,
      period,
      lines: [{ kind: 'flat_installment', amountFen: fen }],
    });
  }
  await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: flat.accountId,
    householdId: flat.householdId,
    period: '2026-02',
    status: 'void',
    lines: [{ kind: 'flat_installment', amountFen: 99_999 }],
  });
  await db
    .insertInto('payments')
    .values({
      compound_id: s.alpha.compound.id,
      account_id: flat.accountId,
      amount_fen: 200_000,
      paid_at: '2026-01-05T10:00:00+08:00',
      reference: 'R',
      idempotency_key: 'kf',
      request_hash: 'h',
      unallocated_fen: 72_514,
      created_by: 'test',
    })
    .execute();
  const token = bearer(await residentToken(db, flat.accountId));
  const body = (await app.inject({ url: `/v1/accounts/${flat.accountId}/statement`, headers: token })).json();
  t.equal(body.plan, 'flat');
  t.equal(body.capFen, 346_500, 'the flat fee is the cap');
  t.equal(body.billedFen, 26_151 + 50_667 + 50_668, 'void invoices are not billed');
  t.equal(body.remainingCapFen, 346_500 - 127_486);
  t.equal(body.balanceFen, 127_486 - 200_000, 'credit shows as a negative balance');
  t.equal(body.invoices.length, 4, 'void invoices are listed');
  t.equal(body.usage.length, 3, 'but have no usage row');
  t.same(body.account, { id: flat.accountId, holderName: 'L*', phone: null });
});

t.test('default season: the one containing today, else the latest begun; masks', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const url = `/v1/accounts/${s.homeA.accountId}/statement`;
  t.equal((await app.inject({ url, headers: admin })).json().season, '2025-26', 'only 2025-26: it (begun)');
  await insertDefaultSeason(db, s.alpha.compound.id, 2090);
  t.equal((await app.inject({ url, headers: admin })).json().season, '2025-26', 'a season not begun yet is not the default');
  await insertDefaultSeason(db, s.alpha.compound.id, 2026);
  // Today (this test runs after 2026-11-15) lies in 2026-27's span or after it: 2026-27 either way.
  t.equal((await app.inject({ url, headers: admin })).json().season, '2026-27', 'the current season');
  t.equal((await app.inject({ url: `${url}?season=2025-26`, headers: admin })).json().season, '2025-26', 'unless asked');
  const gamma = await operatorWithCompound(app, 'gamma');
  const none = await insertHome(db, gamma.compound.id);
  t.equal((await app.inject({ url: `/v1/accounts/${none.accountId}/statement`, headers: admin })).statusCode, 404, 'no season at all: 404');
  t.equal(maskPhone('13812345678'), '138****5678');
  t.equal(maskPhone(null), null);
  t.equal(maskName('王芳'), '王*');
  t.equal(maskName('欧阳娜娜'), '欧***');
});

t.test('statement: other seasons stay apart; balance spans all time', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 2);
  await insertDefaultSeason(db, s.alpha.compound.id, 2026);
  await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: s.homeA.accountId,
    householdId: s.homeA.householdId,
    season: '2026-27',
    period: '2026-11',
    lines: meteredLines('100', 3_300),
  });
  const old = (await app.inject({ url: `/v1/accounts/${s.homeA.accountId}/statement?season=2025-26`, headers: admin })).json();
  t.equal(old.billedFen, 49_500 + 85_800);
  t.equal(old.balanceFen, 49_500 + 85_800 + 3_300);
  const next = (await app.inject({ url: `/v1/accounts/${s.homeA.accountId}/statement?season=2026-27`, headers: admin })).json();
  t.equal(next.billedFen, 3_300);
  t.equal(next.invoices.length, 1);
  t.equal(next.balanceFen, old.balanceFen);
});
