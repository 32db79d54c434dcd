import type { FastifyInstance, InjectOptions } from 'fastify';
import { admin, bearer } from './app.js';

/** Fixtures made through the API itself, so every test exercises the real routes. */

export async function created<T>(app: FastifyInstance, request: InjectOptions): Promise<T> {
  const response = await app.inject(request);
  if (response.statusCode !== 201) {
    throw new Error(`fixture ${String(request.url)} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json() as T;
}

export async function createProvider(app: FastifyInstance, name = 'Test Provider') {
  return created<{ id: string; name: string }>(app, { method: 'POST', url: '/v1/providers', headers: admin, payload: { name } });
}

export async function operatorToken(app: FastifyInstance, providerId: string): Promise<string> {
  const issued = await created<{ token: string }>(app, {
    method: 'POST',
    url: `/v1/providers/${providerId}/tokens`,
    headers: admin,
    payload: {},
  });
  return issued.token;
}

/** A provider with an operator token and one compound (no season: see data.ts insertDefaultSeason). */
export async function operatorWithCompound(app: FastifyInstance, code = 'test-compound') {
  const provider = await createProvider(app, `Provider of ${code}`);
  const token = await operatorToken(app, provider.id);
  const compound = await created<{ id: string; code: string }>(app, {
    method: 'POST',
    url: '/v1/compounds',
    headers: bearer(token),
    payload: { code, name: `${code} 小区`, district: '洪山区' },
  });
  return { provider, token, headers: bearer(token), compound };
}
