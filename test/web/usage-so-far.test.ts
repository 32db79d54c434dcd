import t from 'tap';
import { cny, localTime } from '../../web/shared/format.js';
import { bearer } from '../helpers/app.js';
import { postRun } from '../helpers/billing.js';
import { insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';
import { insertSeasonAroundToday } from '../helpers/season-now.js';
import { accessibilityViolations, browserTests, launchBrowser, newContext, screenshot, servedApp, signIn } from './browser.js';

t.test('resident page: the usage since the last invoice and the projection, beside the cap bar (SPEC §9, §10)', browserTests, async (t) => {
  const { app, db, baseUrl } = await servedApp(t);
  const op = await operatorWithCompound(app, 'cbd-chushijia');
  const s = await insertSeasonAroundToday(db, op.compound.id);
  const home = await insertHome(db, op.compound.id, { areaM2: '40', openedOn: s.heating.start, holderName: '王芳' });
  const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
  await insertReadings(db, op.compound.id, home.meterId, [[`${s.lastMonth}-15T12:00:00+08:00`, '100'], [aMinuteAgo, '400']]);
  t.equal((await postRun(app, op.headers, { period: s.lastMonth, compound: 'cbd-chushijia' })).json().invoicesIssued, 1);
  const token = await residentToken(db, home.accountId);
  const statement = (await app.inject({ url: `/v1/accounts/${home.accountId}/statement`, headers: bearer(token) })).json();
  t.match(statement.usageToDate, { units: '300', amountFen: 9_900 });

  const browser = await launchBrowser(t);
  const { context, watch } = await newContext(browser, t);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/app/`);
  await signIn(page, token);
  const cap = page.locator('#cap');
  await cap.getByTestId('usage-to-date').waitFor();
  const soFar = await cap.getByTestId('usage-to-date').innerText();
  t.match(soFar, localTime(statement.usageToDate.readAt), 'as of the latest reading');
  t.match(soFar, '300', 'the units since the last invoice');
  t.match(soFar, cny(9_900), 'and what the next invoice would bill for them now');
  t.equal(await cap.getByTestId('projection').innerText(), cny(statement.projectedSeasonFen), 'the projection, in the same section');
  t.same(await accessibilityViolations(page), [], 'no WCAG A/AA violation');
  await screenshot(page, 'app-usage-so-far-375');
  t.same(watch.problems, [], 'no console error, no uncaught exception');
});
