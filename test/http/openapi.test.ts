import t from 'tap';
import { admin, testApp } from '../helpers/app.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { OpenApiCheck } from '../helpers/openapi-check.js';

// Issue 31: the document a client generates from. Every operation named, described and tagged;
// every error documented once, as application/problem+json with the one Problem component.

type Response = { description?: string; content?: Record<string, { schema?: unknown }> };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ in: string }>;
  responses: Record<string, Response>;
  callbacks?: Record<string, Record<string, Record<string, Operation>>>;
};
type Document = {
  info: { license?: { name?: string }; contact?: { name?: string } };
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

t.test('every operation is named, summarised, described and tagged; every error is a Problem', async (t) => {
  const { app } = await testApp(t);
  const response = await app.inject({ url: '/openapi.json' });
  t.equal(response.statusCode, 200);
  const doc = response.json() as Document;

  t.ok(doc.servers?.length, 'servers');
  t.ok(doc.info.license?.name, 'info.license');
  t.ok(doc.info.contact?.name, 'info.contact');
  t.ok(doc.components.schemas.Problem, 'the Problem component');
  const tags = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));

  const operationIds = new Set<string>();
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
  t.ok(operations.length >= 39, `${operations.length} operations`);
  for (const { name, path, method, operation } of operations) {
    t.match(operation.operationId, /^[a-z][a-zA-Z0-9]+$/, `${name}: camelCase operationId`);
    t.notOk(operationIds.has(operation.operationId as string), `${name}: operationId unique`);
    operationIds.add(operation.operationId as string);
    t.ok(operation.summary, `${name}: summary`);
    t.ok(operation.description, `${name}: description`);
    t.equal(operation.tags?.length, 1, `${name}: one tag`);
    t.ok(tags.get(operation.tags?.[0] ?? ''), `${name}: its tag is defined with a description`);

    const statuses = Object.keys(operation.responses);
    for (const [status, answer] of Object.entries(operation.responses)) {
      t.ok(answer.description && answer.description !== 'Default Response', `${name} ${status}: described`);
      if (Number(status) >= 400) t.same(answer.content, PROBLEM, `${name} ${status}: problem+json, the Problem component`);
    }
    t.ok(statuses.some((s) => s.startsWith('2')), `${name}: a 2xx`);
    t.ok(statuses.includes('400') && statuses.includes('500'), `${name}: 400 (strict input) and 500`);
    const authenticated = operation.security?.length !== 0;
    if (authenticated) t.ok(['401', '429', '503'].every((s) => statuses.includes(s)), `${name}: 401, 429, 503`);
    if (method !== 'get') t.ok(statuses.includes('413') && statuses.includes('415'), `${name}: 413 and 415`);
    if (authenticated && /\{/.test(path)) t.ok(statuses.includes('404'), `${name}: 404 for a path outside scope`);
  }

  const callbacks = operations.flatMap(({ operation }) =>
    Object.values(operation.callbacks ?? {}).flatMap((byUrl) => Object.values(byUrl).flatMap((byMethod) => Object.values(byMethod))),
  );
  t.equal(callbacks.length, EVENT_TYPES.length, 'one callback per webhook event');
  for (const callback of callbacks) {
    t.match(callback.operationId, /^[a-z][a-zA-Z0-9]+$/, 'a callback is named');
    t.ok(callback.summary, 'a callback has a summary');
  }
});

t.test('the documented statuses are the ones the server sends: 415 and 413 on a body route, problem+json', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as Document;
  const createProvider = doc.paths['/v1/providers']?.post as Operation;
  t.ok(createProvider.responses['415'] && createProvider.responses['413']);

  const xml = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: { ...admin, 'content-type': 'application/xml' },
    payload: '<a/>',
  });
  t.equal(xml.statusCode, 415);
  t.match(xml.headers['content-type'], /^application\/problem\+json/);
  const tooLarge = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: { ...admin, 'content-type': 'application/json' },
    payload: JSON.stringify({ name: 'x'.repeat(17 * 1024 * 1024) }),
  });
  t.equal(tooLarge.statusCode, 413);
  t.match(tooLarge.headers['content-type'], /^application\/problem\+json/);
});

t.test('the shared test app checks every response against the document: status, media type, body', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as Document;
  const health = await app.inject({ url: '/health' });
  const check = (edit: (responses: Record<string, Response>) => void) => {
    const copy = structuredClone(doc);
    edit((copy.paths['/health'] as Record<string, Operation>).get!.responses);
    return new OpenApiCheck(copy as never).problem('GET', '/health?x=1', health);
  };
  t.equal(check(() => {}), undefined, 'as documented');
  t.match(check((r) => delete r['200']), /GET \/health → 200: status not documented/);
  t.match(check((r) => (r['200'] = { description: 'x', content: { 'text/csv': {} } })), /media type "application\/json" not documented/);
  t.match(
    check((r) => (r['200']!.content!['application/json'] = { schema: { type: 'object', required: ['uptime'] } })),
    /body does not match the documented schema: data must have required property 'uptime'/,
  );
  t.equal(new OpenApiCheck(doc as never).problem('GET', '/nowhere', health), undefined, 'an undocumented path is not an operation');

  // Wired into testApp: a status the document does not list for the route rejects the inject.
  const served = app.swagger() as unknown as Document;
  delete (served.paths['/health'] as Record<string, Operation>).get!.responses['200'];
  const rejected = /response not as documented in \/openapi\.json: GET \/health → 200: status not documented/;
  await t.rejects(app.inject({ url: '/health' }), rejected);
});

t.test('named components, described; money fields say fen, integer; the Invoice example is the worked June', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as Document;
  const schemas = doc.components.schemas as Record<string, { description?: string; example?: unknown; properties?: object }>;
  const names = ['Problem', 'Invoice', 'InvoiceLine', 'Statement', 'BillingRun', 'Reading', 'Payment', 'Account', 'Compound', 'Season']
    .concat(['Report', 'Me']);
  for (const name of names) t.ok(schemas[name], `component ${name}`);
  for (const name of names.filter((n) => n !== 'Problem')) t.ok(schemas[name]?.description, `${name} is described`);
  const invoice = (doc.paths['/v1/invoices/{id}']?.get as Operation).responses['200']?.content?.['application/json'];
  t.same(invoice, { schema: { $ref: '#/components/schemas/Invoice' } }, 'a response refers to its component');
  const body = (path: string) => (doc.paths[path]?.post as { requestBody: { content: Record<string, { schema: { example?: unknown } }> } })
    .requestBody.content['application/json']?.schema.example;
  t.match(body('/v1/payments'), { amountFen: 3300 }, 'createPayment has an example body');
  t.match(body('/v1/readings'), { readings: [{ value: '10400' }, { value: '10900' }] }, 'createReadings has an example body');
  t.match(schemas.Invoice?.example, { totalFen: 3300, lines: [{ kind: 'usage', amountFen: 16500 }, { kind: 'cap', amountFen: -13200 }] });

  // Every field of every component is described.
  const undescribed: string[] = [];
  const fields = (name: string, schema: unknown, path: string): void => {
    const s = schema as { properties?: Record<string, { description?: string; $ref?: string }>; items?: unknown; anyOf?: unknown[] };
    for (const [key, property] of Object.entries(s.properties ?? {})) {
      if (!property.description && !property.$ref) undescribed.push(`${name}.${path}${key}`);
      fields(name, property, `${path}${key}.`);
    }
    if (s.items) fields(name, s.items, `${path}[].`);
    for (const branch of s.anyOf ?? []) fields(name, branch, path);
  };
  for (const [name, schema] of Object.entries(schemas)) fields(name, schema, '');
  t.same(undescribed, [], 'every field of every component is described');

  const money: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      if (key === 'properties') {
        for (const [name, property] of Object.entries(item as Record<string, { description?: string; $ref?: string }>)) {
          if (name.endsWith('Fen') && !property.$ref && !property.description?.startsWith('fen, integer')) money.push(name);
        }
      }
      if (key !== 'example') walk(item);
    }
  };
  walk(doc);
  t.same(money, [], 'no money field without "fen, integer"');
});
