import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
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
        operationId: 'createWebhookEndpoint',
        summary: 'Add a webhook endpoint; answers its signing secret, once',
        description:
          'Events are POSTed as JSON `{id, type, createdAt, data}` with the Standard Webhooks headers `webhook-id`, ' +
          '`webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed by the ' +
          'base64-decoded secret after `whsec_`). Delivered at least once, in order per account; retried with exponential ' +
          'backoff for 24 hours until a 2xx; a 410 disables the endpoint.',
        body: EndpointBody,
        callbacks: EVENT_CALLBACKS,
        response: {
          201: answer('The endpoint and its signing secret, shown once', CreatedEndpointSchema),
          ...problemResponses(400, 401, 403, 404),
        },
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
        operationId: 'listWebhookEndpoints',
        summary: 'Webhook endpoints in scope',
        description:
          "Operators see their provider's endpoints, the admin every endpoint. Secrets are never shown again.",
        response: { 200: answer('The endpoints', EndpointListSchema), ...problemResponses(401, 403) },
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
        operationId: 'deleteWebhookEndpoint',
        summary: 'Remove a webhook endpoint',
        description:
          'Events are no longer delivered to it.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...problemResponses(401, 403, 404) },
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
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's delivery attempts, newest first (the last 200)",
        description:
          'Each attempt with its event, attempt number, HTTP status or error, duration and outcome.',
        params: IdParams,
        response: { 200: answer('The delivery attempts, newest first', DeliveryListSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listDeliveriesOut(app.db, request.principal, request.params.id),
  );
};
