import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertHome } from '../helpers/data.js';
import { residentToken } from '../helpers/registry.js';

t.test('GET /v1/me: what the token is, for clients that only hold a token', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const home = await insertHome(db, alpha.compound.id);
  const resident = bearer(await residentToken(db, home.accountId));

  t.same((await app.inject({ url: '/v1/me', headers: resident })).json(), { role: 'resident', accountId: home.accountId });
  t.same((await app.inject({ url: '/v1/me', headers: alpha.headers })).json(), { role: 'operator', providerId: alpha.provider.id });
  t.same((await app.inject({ url: '/v1/me', headers: admin })).json(), { role: 'admin' });
  const anonymous = await app.inject({ url: '/v1/me' });
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.headers['content-type'], /application\/problem\+json/);
  t.equal((await app.inject({ url: '/v1/me', headers: bearer('hpb_not-a-token') })).statusCode, 401);
});
