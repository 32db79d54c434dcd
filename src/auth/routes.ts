import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { audit } from '../audit/audit.js';
import { notFound, problemResponses } from '../http/problem.js';
import { IdParams } from '../http/schemas.js';
import { findProvider } from '../providers/repository.js';
import { findAccountInScope } from '../accounts/scope.js';
import { issueToken } from './repository.js';

const TokenBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const IssuedToken = Type.Object({
  id: Type.String({ format: 'uuid' }),
  token: Type.String({ description: 'shown once; only its SHA-256 hash is stored' }),
  role: Type.String(),
});

export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/providers/:id/tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['tokens'],
        summary: 'Issue an operator token for a provider',
        params: IdParams,
        body: Type.Optional(TokenBody),
        response: { 201: IssuedToken, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const issued = await app.db.transaction().execute(async (tx) => {
        const provider = await findProvider(tx, request.params.id);
        if (!provider) throw notFound('Provider');
        const token = await issueToken(tx, { role: 'operator', providerId: provider.id }, request.principal.actor, request.body?.label ?? null);
        await audit(tx, { actor: request.principal.actor, action: 'token.issue', entity: 'api_token', entityId: token.id, details: { role: 'operator', providerId: provider.id } });
        return token;
      });
      return reply.code(201).send({ ...issued, role: 'operator' });
    },
  );

  app.post(
    '/accounts/:id/tokens',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['tokens'],
        summary: "Issue a resident token for one account",
        params: IdParams,
        body: Type.Optional(TokenBody),
        response: { 201: IssuedToken, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const issued = await app.db.transaction().execute(async (tx) => {
        const account = await findAccountInScope(tx, request.params.id, request.principal);
        if (!account) throw notFound('Account');
        const token = await issueToken(tx, { role: 'resident', accountId: account.id }, request.principal.actor, request.body?.label ?? null);
        await audit(tx, { actor: request.principal.actor, action: 'token.issue', entity: 'api_token', entityId: token.id, compoundId: account.compound_id, details: { role: 'resident', accountId: account.id } });
        return token;
      });
      return reply.code(201).send({ ...issued, role: 'resident' });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token (operators: their provider\'s tokens and their residents\' tokens)',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      await app.db.transaction().execute(async (tx) => {
        let query = tx
          .updateTable('api_tokens')
          .set({ revoked_at: new Date() })
          .where('api_tokens.id', '=', request.params.id)
          .where('revoked_at', 'is', null);
        if (principal.role === 'operator') {
          // Scope in the query: the operator's own provider tokens, or residents of its compounds.
          query = query.where((eb) =>
            eb.or([
              eb('api_tokens.provider_id', '=', principal.providerId),
              eb(
                'api_tokens.account_id',
                'in',
                eb
                  .selectFrom('accounts')
                  .innerJoin('compounds', 'compounds.id', 'accounts.compound_id')
                  .select('accounts.id')
                  .where('compounds.provider_id', '=', principal.providerId),
              ),
            ]),
          );
        }
        const result = await query.executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw notFound('Token');
        await audit(tx, { actor: principal.actor, action: 'token.revoke', entity: 'api_token', entityId: request.params.id });
      });
      // Committed: this process refuses the token from now on (others within the cache TTL).
      app.tokenCache.invalidateToken(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
