import t from 'tap';
import { testApp } from '../helpers/app.js';
import { insertCompound, insertHomeWithReadings } from '../helpers/billing.js';
import { billPreviousMonth, previousPeriod } from '../../src/billing/schedule.js';

t.test('the schedule bills the previous month in the compound time zone', async (t) => {
  t.equal(previousPeriod(new Date('2025-11-30T16:30:00Z'), 'Asia/Shanghai'), '2025-11', 'already December 1st in Wuhan');
  t.equal(previousPeriod(new Date('2025-11-30T16:30:00Z'), 'UTC'), '2025-10');
  const { db, pool } = await testApp(t);
  const c = await insertCompound(db, 'alpha');
  await insertHomeWithReadings(db, c.compoundId, { readings: [['2025-11', '100']] });
  const logged: object[] = [];
  await billPreviousMonth({ db, pool }, { info: (o) => logged.push(o), error: (o) => logged.push(o) }, new Date('2025-11-30T16:30:00Z'));
  t.match(logged, [{ compound: 'alpha', period: '2025-11', status: 'succeeded', invoicesIssued: 1 }]);
  const run = await db.selectFrom('billing_runs').selectAll().executeTakeFirstOrThrow();
  t.equal(run.started_by, 'schedule');
});
