import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { IdParams } from '../http/schemas.js';
import { paymentNotice } from './service.js';

export const noticeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/accounts/:id/notice',
    {
      config: { roles: ['admin', 'operator', 'resident'] },
      schema: {
        tags: ['notices'],
        operationId: 'getPaymentNotice',
        summary: "A printable bilingual payment notice (缴费通知书) for the account's overdue invoices",
        description:
          "HTML in Chinese and English, to print or send; residents get their own account's.",
        params: IdParams,
        response: {
          200: {
            description: 'an HTML page: amounts due, due dates, the invoice numbers as payment reference',
            content: { 'text/html': { schema: Type.String() } },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const html = await paymentNotice(app.db, request.principal, request.params.id);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(html);
    },
  );
};
