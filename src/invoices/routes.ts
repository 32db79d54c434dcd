import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { badRequest, notFound, problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';

const PERIOD_RE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import { decodeCursor, Page, PageQuery, toPage } from '../http/pagination.js';
import { CompoundCode, IdParams, Period, Uuid } from '../http/schemas.js';
import { invoiceHtml } from './html.js';
import { findInvoiceInScope, listInvoicesInScope, loadInvoiceLines, type InvoiceCursor } from './repository.js';
import { InvoiceSchema, InvoiceStatusSchema, invoiceOut } from './schemas.js';

/** True when the client prefers text/html over JSON (a browser, or `Accept: text/html`). */
export function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  if (html < 0) return false;
  const json = accept.indexOf('application/json');
  return json < 0 || html < json;
}

export const InvoiceListQuery = Type.Object({
  compound: Type.Optional(CompoundCode),
  period: Type.Optional(Period),
  accountId: Type.Optional(Uuid),
  status: Type.Optional(InvoiceStatusSchema),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the invoice number, any case' })),
  room: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: "the household's room, exactly as registered" })),
  order: Type.Optional(
    Type.Union([Type.Literal('oldest'), Type.Literal('newest')], {
      default: 'oldest',
      description: 'oldest first (period, then number), or newest first',
    }),
  ),
  ...PageQuery,
});

/** Invoices for operators (their provider's compounds), residents (their own account) and admins. */
export const invoiceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator', 'resident'] as const;

  app.get(
    '/invoices/:id',
    {
      config: { roles },
      schema: {
        tags: ['invoices'],
        operationId: 'getInvoice',
        summary: 'An invoice with its lines; with Accept: text/html a printable bilingual page',
        description:
          "Operators see their provider's invoices, residents their own account's; any other id answers 404. " +
          'Accept: text/html answers the printable page.',
        params: IdParams,
        response: {
          200: {
            description: 'The invoice',
            content: {
              'application/json': { schema: InvoiceSchema },
              'text/html': { schema: Type.String({ description: 'printable invoice (中文 / English)' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const invoice = await findInvoiceInScope(app.pool, request.params.id, request.principal);
      if (!invoice) throw notFound('Invoice');
      if (prefersHtml(request)) {
        return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(invoiceHtml(invoice));
      }
      const { row, lines } = invoice;
      return reply.type('application/json; charset=utf-8').send(invoiceOut(row, lines, row.compound_code, row.today));
    },
  );

  app.get(
    '/invoices',
    {
      config: { roles },
      schema: {
        tags: ['invoices'],
        operationId: 'listInvoices',
        summary: 'Invoices the caller may see, by period then number, oldest or newest first (residents: only their own)',
        description:
          'Filters combine (compound, period, accountId, status, number, room); order=newest lists the latest first. ' +
          'Paged with cursor and limit; lines included.',
        querystring: InvoiceListQuery,
        response: { 200: answer('A page of invoices', Page(InvoiceSchema)), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { cursor, limit = 50, order, ...filters } = request.query;
      const after = decodeCursor(cursor, 3) as InvoiceCursor | undefined;
      if (after && !(PERIOD_RE.test(String(after[0])) && typeof after[1] === 'string' && UUID_RE.test(String(after[2])))) {
        throw badRequest('cursor is not a cursor returned by this list.', [{ path: 'querystring.cursor', message: 'is invalid' }]);
      }
      const rows = await listInvoicesInScope(app.db, request.principal, filters, after, limit, order);
      const page = rows.slice(0, limit);
      const lines = await loadInvoiceLines(app.db, page.map((r) => r.id));
      return toPage(
        rows,
        limit,
        (row) => invoiceOut(row, lines.get(row.id) ?? [], row.compound_code, row.today),
        (row) => [row.period, row.number, row.id],
      );
    },
  );
};
