import t from 'tap';
import type { InjectOptions } from 'fastify';
import { admin, testApp } from '../helpers/app.js';
import { twoProviderScene } from '../helpers/invoices.js';

/**
 * Every route of issue 6 against every caller: expected status per caller. A foreign scope
 * answers 404 like a missing resource; a role that may never call answers 403; no token 401.
 */
t.test('the access matrix', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 2);
  const invoice = s.invoicesA[0]!.id;
  let key = 0;
  const routes: Array<{ name: string; request: () => InjectOptions; expect: Record<string, number> }> = [
    {
      name: 'GET /v1/invoices/{id}',
      request: () => ({ url: `/v1/invoices/${invoice}` }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 404, resident: 200, foreignResident: 404 },
    },
    {
      name: 'GET /v1/invoices',
      request: () => ({ url: '/v1/invoices' }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 200, resident: 200, foreignResident: 200 },
    },
    {
      name: 'GET /v1/accounts/{id}/statement',
      request: () => ({ url: `/v1/accounts/${s.homeA.accountId}/statement` }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 404, resident: 200, foreignResident: 404 },
    },
    {
      name: 'GET /v1/accounts/{id}/notice',
      request: () => ({ url: `/v1/accounts/${s.homeA.accountId}/notice` }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 404, resident: 200, foreignResident: 404 },
    },
    {
      name: 'POST /v1/payments',
      request: () => ({
        method: 'POST',
        url: '/v1/payments',
        headers: { 'idempotency-key': `matrix-${(key += 1)}` },
        payload: { accountId: s.homeA.accountId, amountFen: 100, paidAt: '2026-01-01T10:00:00+08:00', reference: 'm' },
      }),
      expect: { none: 401, admin: 201, operator: 201, foreignOperator: 404, resident: 403, foreignResident: 403 },
    },
    {
      name: 'GET /v1/compounds/{code}/reports/{period}',
      request: () => ({ url: '/v1/compounds/alpha/reports/2025-11' }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 404, resident: 403, foreignResident: 403 },
    },
    {
      name: 'GET /v1/compounds/{code}/arrears',
      request: () => ({ url: '/v1/compounds/alpha/arrears?asOf=2026-03-01' }),
      expect: { none: 401, admin: 200, operator: 200, foreignOperator: 404, resident: 403, foreignResident: 403 },
    },
  ];
  const callers: Record<string, Record<string, string>> = {
    none: {},
    admin,
    operator: s.alpha.headers,
    foreignOperator: s.beta.headers,
    resident: s.residentA,
    foreignResident: s.residentB,
  };
  for (const route of routes) {
    for (const [caller, headers] of Object.entries(callers)) {
      const request = route.request();
      const response = await app.inject({ ...request, headers: { ...(request.headers as Record<string, string>), ...headers } });
      t.equal(response.statusCode, route.expect[caller], `${route.name} as ${caller}`);
      if (response.statusCode >= 400) {
        t.match(response.headers['content-type'], /application\/problem\+json/, `${route.name} as ${caller}: problem+json`);
      }
    }
  }
  const foreignList = (await app.inject({ url: '/v1/invoices', headers: s.beta.headers })).json();
  t.ok(foreignList.items.every((i: { compound: string }) => i.compound === 'beta'), "the other provider's list holds only its own");
  const foreignResidentList = (await app.inject({ url: '/v1/invoices', headers: s.residentB })).json();
  t.ok(foreignResidentList.items.every((i: { accountId: string }) => i.accountId === s.homeB.accountId));
});
