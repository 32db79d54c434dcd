import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { IdParams, Text } from '../http/schemas.js';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { PaymentDetailsBody, PaymentDetailsSchema } from './schemas.js';
import { createProvider, setPaymentDetails } from './service.js';

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

  app.put(
    '/providers/:id/payment-details',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['providers'],
        operationId: 'setProviderPaymentDetails',
        summary: "Set a provider's payment details (payee, bank account, QR, how to pay)",
        description:
          'Admins: any provider; operators: their own (another provider: 404). Replaces every detail: a field left out ' +
          'is cleared. bankName and bankAccount come together, as do noteZh and noteEn. Payment notices and resident ' +
          'statements show them (SPEC §9).',
        params: IdParams,
        body: PaymentDetailsBody,
        response: {
          200: answer("The provider's payment details, as stored", PaymentDetailsSchema),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => setPaymentDetails(app.db, request.principal, request.params.id, request.body),
  );
};
