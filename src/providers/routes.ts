import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { audit } from '../audit/audit.js';
import { problemResponses } from '../http/problem.js';
import { insertProvider } from './repository.js';

const ProviderSchema = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() });

export const providerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/providers',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['providers'],
        summary: 'Register a service provider',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: ProviderSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const provider = await app.db.transaction().execute(async (tx) => {
        const created = await insertProvider(tx, request.body.name);
        await audit(tx, { actor: request.principal.actor, action: 'provider.create', entity: 'provider', entityId: created.id, details: { name: created.name } });
        return created;
      });
      return reply.code(201).send(provider);
    },
  );
};
