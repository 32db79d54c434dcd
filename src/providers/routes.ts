import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Text } from '../http/schemas.js';
import { problemResponses } from '../http/problem.js';
import { createProvider } from './service.js';

const ProviderSchema = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() });

export const providerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/providers',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['providers'],
        summary: 'Register a service provider',
        body: Type.Object({ name: Text({ maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: ProviderSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await createProvider(app.db, request.principal, request.body.name)),
  );
};
