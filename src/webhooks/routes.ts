import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { IdParams } from '../http/schemas.js';
import { CreatedEndpointSchema, DeliveryListSchema, EndpointBody, EndpointListSchema, EVENT_CALLBACKS } from './schemas.js';
import { createEndpoint, listDeliveriesOut, listEndpointsOut, removeEndpoint } from './service.js';

const who = { roles: ['admin', 'operator'] as const };

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/webhooks',
    {
      config: who,
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook endpoint; answers its signing secret, once',
        description:
          'Events are POSTed as JSON `{id, type, createdAt, data}` with the Standard Webhooks headers `webhook-id`, ' +
          '`webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the ' +
          'base64-decoded secret after `whsec_`). Delivered at least once, in order per account; retried with exponential ' +
          'backoff for 24 hours until a 2xx; a 410 disables the endpoint.',
        body: EndpointBody,
        callbacks: EVENT_CALLBACKS,
        response: { 201: CreatedEndpointSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await createEndpoint(app.db, request.principal, request.body)),
  );

  app.get(
    '/webhooks',
    {
      config: who,
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook endpoints in scope',
        response: { 200: EndpointListSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => listEndpointsOut(app.db, request.principal),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: who,
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook endpoint',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await removeEndpoint(app.db, request.principal, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: who,
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery attempts, newest first (the last 200)",
        params: IdParams,
        response: { 200: DeliveryListSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listDeliveriesOut(app.db, request.principal, request.params.id),
  );
};
