import t from 'tap';
import { dayNumber } from '../../src/core/index.js';
import { bearer, testApp } from '../helpers/app.js';
import { postRun } from '../helpers/billing.js';
import { insertHome, insertReadings } from '../helpers/data.js';
import { created, operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';
import { insertSeasonAroundToday, seasonAroundToday } from '../helpers/season-now.js';

t.test("statement usageToDate is what the batch bills next; projectedSeasonFen extends the season's charge (SPEC §9)", async (t) => {
  const { app, db } = await testApp(t);
  const s = seasonAroundToday();
  const op = await operatorWithCompound(app, 'so-far-capped');
  const codes = ['so-far-capped', 'so-far-open', 'so-far-none'];
  const compoundIds = [op.compound.id];
  for (const code of codes.slice(1)) {
    const c = await created<{ id: string }>(app, {
      method: 'POST',
      url: '/v1/compounds',
      headers: op.headers,
      payload: { code, name: `${code} 小区`, district: '洪山区' },
    });
    compoundIds.push(c.id);
  }
  for (const id of compoundIds) await insertSeasonAroundToday(db, id, s);
  const lastMonthReading = `${s.lastMonth}-15T12:00:00+08:00`;
  const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();
  // 10 m²: cap 35,000. Last month 800 units (26,400); since then 400 (13,200), of which 8,600 fits the cap.
  const capped = await insertHome(db, compoundIds[0]!, { areaM2: '10', openedOn: s.heating.start });
  await insertReadings(db, compoundIds[0]!, capped.meterId, [[lastMonthReading, '800'], [aMinuteAgo(), '1200']]);
  // 40 m²: cap 140,000. Last month 100 units (3,300), since then 300 (9,900).
  const open = await insertHome(db, compoundIds[1]!, { areaM2: '40', openedOn: s.heating.start });
  await insertReadings(db, compoundIds[1]!, open.meterId, [[lastMonthReading, '100'], [aMinuteAgo(), '400']]);
  // No reading since last month's.
  const none = await insertHome(db, compoundIds[2]!, { areaM2: '40', openedOn: s.heating.start });
  await insertReadings(db, compoundIds[2]!, none.meterId, [[lastMonthReading, '100']]);
  for (const code of codes) t.equal((await postRun(app, op.headers, { period: s.lastMonth, compound: code })).json().status, 'succeeded');

  const statementOf = async (accountId: string) => {
    const headers = bearer(await residentToken(db, accountId));
    return { headers, read: async () => (await app.inject({ url: `/v1/accounts/${accountId}/statement`, headers })).json() };
  };
  const cappedStatement = await (await statementOf(capped.accountId)).read();
  t.equal(cappedStatement.season, s.label);
  t.match(cappedStatement.usageToDate, { units: '400', amountFen: 8_600, readAt: String }, 'priced against the cap room left');
  t.equal(cappedStatement.projectedSeasonFen, 35_000, 'a season on course past its cap projects the cap');
  const openStatement = await (await statementOf(open.accountId)).read();
  t.match(openStatement.usageToDate, { units: '300', amountFen: 9_900 });
  const noneReader = await statementOf(none.accountId);
  const noneStatement = await noneReader.read();
  t.equal(noneStatement.usageToDate, null, 'no reading since the last invoice');

  // The batch, asked now (the month has not ended: a dry run), bills exactly that.
  for (const [code, statement] of [[codes[0]!, cappedStatement], [codes[1]!, openStatement], [codes[2]!, noneStatement]] as const) {
    const dry = (await postRun(app, op.headers, { period: s.thisMonth, compound: code, dryRun: true })).json();
    t.equal(dry.invoicesIssued, 1);
    t.equal(dry.totalFen, statement.usageToDate?.amountFen ?? 0, `${code}: the next invoice bills usageToDate`);
  }
  t.equal((await postRun(app, op.headers, { period: s.thisMonth, compound: codes[0]!, dryRun: true })).json().cappedAccounts, 1);

  // The projection: billed + the average charge per elapsed service day × the days left, at most the cap.
  const elapsed = dayNumber(s.today) - dayNumber(s.heating.start);
  const total = dayNumber(s.heating.end) - dayNumber(s.heating.start) + dayNumber(s.cooling.end) - dayNumber(s.cooling.start);
  const charged = 3_300 + 9_900;
  const expected = Math.min(140_000, charged + Math.round((charged * (total - elapsed)) / elapsed));
  t.equal(openStatement.projectedSeasonFen, expected, `${charged} fen over ${elapsed} of ${total} service days`);
  t.equal(noneStatement.projectedSeasonFen, Math.min(140_000, 3_300 + Math.round((3_300 * (total - elapsed)) / elapsed)));

  // A reading arrives: the statement (cached above) shows it at once.
  await insertReadings(db, compoundIds[2]!, none.meterId, [[aMinuteAgo(), '250']]);
  t.match((await noneReader.read()).usageToDate, { units: '150', amountFen: 4_950 }, 'a new reading is seen through the cache');
  await db.updateTable('readings').set({ value: '260' }).where('meter_id', '=', none.meterId).where('value', '=', '250').execute();
  t.match((await noneReader.read()).usageToDate, { units: '160', amountFen: 5_280 }, 'and so is a corrected one');
});
