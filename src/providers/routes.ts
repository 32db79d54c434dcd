import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Text } from '../http/schemas.js';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { createProvider } from './service.js';

const ProviderSchema = Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() });

export const providerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/providers',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['providers'],
        operationId: 'createProvider',
        summary: 'Register a service provider',
        description:
          'Admin only. A provider owns compounds; its operators (tokens issued by POST ' +
          '/v1/providers/{id}/tokens) see only them.',
        body: Type.Object({ name: Text({ maxLength: 200 }) }, { additionalProperties: false }),
        response: { 201: answer('The provider, registered', ProviderSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await createProvider(app.db, request.principal, request.body.name)),
  );
};
