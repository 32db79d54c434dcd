import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { IdParams } from '../http/schemas.js';
import { issueOperatorToken, issueResidentToken, revokeToken } from './service.js';

const TokenBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const IssuedToken = Type.Object({
  id: Type.String({ format: 'uuid' }),
  token: Type.String({ description: 'shown once; only its SHA-256 hash is stored' }),
  role: Type.String(),
});

const MeSchema = Type.Union([
  Type.Object({ role: Type.Literal('admin', { description: 'the admin token: everything' }) }),
  Type.Object({
    role: Type.Literal('operator', { description: "an operator token: its provider's compounds" }),
    providerId: Type.String({ format: 'uuid', description: 'the provider whose compounds this token sees' }),
  }),
  Type.Object({
    role: Type.Literal('resident', { description: 'a resident token: one account' }),
    accountId: Type.String({ format: 'uuid', description: 'the one account this token sees' }),
  }),
], { title: 'Me', description: "The bearer token's role and what it is scoped to." });

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      config: { roles: ['admin', 'operator', 'resident'] },
      schema: {
        tags: ['tokens'],
        operationId: 'getMe',
        summary: 'Who the bearer token is: its role and what it is scoped to (a resident: the account id)',
        description:
          'Pages call this first to learn what to show: an operator its provider, a resident the one account it ' +
          'sees.',
        response: { 200: answer('The role and scope of the token', MeSchema), ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal.role === 'operator') return { role: principal.role, providerId: principal.providerId };
      if (principal.role === 'resident') return { role: principal.role, accountId: principal.accountId };
      return { role: principal.role };
    },
  );

  app.post(
    '/providers/:id/tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['tokens'],
        operationId: 'createOperatorToken',
        summary: 'Issue an operator token for a provider',
        description:
          'Admin only. The token is shown once in this answer; only its SHA-256 hash is stored.',
        params: IdParams,
        body: Type.Optional(TokenBody),
        response: { 201: answer('The operator token, shown once', IssuedToken), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await issueOperatorToken(app.db, request.principal, request.params.id, request.body?.label ?? null)),
  );

  app.post(
    '/accounts/:id/tokens',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['tokens'],
        operationId: 'createResidentToken',
        summary: 'Issue a resident token for one account',
        description:
          'The token sees only this account (its invoices, statement, readings, notice). Shown once; only its ' +
          'hash is stored.',
        params: IdParams,
        body: Type.Optional(TokenBody),
        response: { 201: answer('The resident token, shown once', IssuedToken), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await issueResidentToken(app.db, request.principal, request.params.id, request.body?.label ?? null)),
  );

  app.delete(
    '/tokens/:id',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['tokens'],
        operationId: 'revokeToken',
        summary: 'Revoke a token (operators: their provider\'s tokens and their residents\' tokens)',
        description:
          'From the next request on this process refuses the token; another instance may accept it for up to 10 ' +
          's (its cache).',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeToken(app.db, request.principal, request.params.id);
      // Committed: this process refuses the token from now on (others within the cache TTL).
      app.tokenCache.invalidateToken(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
