import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { Fen, Text, Uuid } from '../http/schemas.js';
import { recordPayment } from './service.js';

export const PaymentBody = Type.Object(
  {
    accountId: Uuid,
    amountFen: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'positive integer fen' }),
    paidAt: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 instant; without an offset it is local to the compound' }),
    reference: Text({ maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const PaymentSchema = Type.Object({
  id: { ...Uuid, description: 'the payment id' },
  accountId: { ...Uuid, description: 'the account paid for' },
  amountFen: Fen,
  paidAt: Type.String({ description: 'ISO 8601 instant in the compound time zone' }),
  reference: Type.String({ description: "the payer's or the bank's reference" }),
  unallocatedFen: Type.Integer({ description: 'what is left as credit on the account' }),
  allocations: Type.Array(
    Type.Object({
      invoiceId: { ...Uuid, description: 'the invoice settled' },
      number: Type.String({ description: 'its number' }),
      amountFen: Fen,
    }),
    {
      description: 'invoices this payment settled, oldest first',
    }),
}, { title: 'Payment', description: 'A payment and how it was allocated to open invoices (SPEC §7).' });

export const paymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/payments',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['payments'],
        operationId: 'createPayment',
        summary: 'Record a payment; settles the oldest open invoices first, the rest is credit',
        description:
          'Requires an `Idempotency-Key` header. The first request answers 201; the same key with the same body answers 200 ' +
          'with the same payment (header `Idempotent-Replayed: true`); the same key with another body answers 409.',
        headers: Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 200 }) }),
        body: PaymentBody,
        // SPEC §5 worked example: the June invoice of 3,300 fen, paid in full.
        bodyExample: {
          accountId: '0b8e6a1c-2d3e-4f50-9a61-b7c8d9e0f1a2',
          amountFen: 3300,
          paidAt: '2026-07-05T10:30:00+08:00',
          reference: 'WX-20260705-0001',
        },
        response: {
          200: answer('The same payment, replayed for the same key and body', PaymentSchema),
          201: answer('The payment, recorded and allocated', PaymentSchema),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const { created, payment } = await recordPayment(app.db, request.principal, request.headers['idempotency-key'], request.body);
      if (!created) reply.header('idempotent-replayed', 'true');
      return reply.code(created ? 201 : 200).send(payment);
    },
  );
};
