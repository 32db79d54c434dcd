import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sendCsv } from '../http/csv.js';
import { problemResponses } from '../http/problem.js';
import { CompoundCode, Fen, Period } from '../http/schemas.js';
import { compoundReport, REPORT_COLUMNS, reportCsvRows } from './service.js';

const Figures = {
  accountsBilled: Type.Integer({ description: 'distinct accounts with a non-void invoice of the month' }),
  usageUnits: Type.String({ description: 'sum of invoiced usage units, decimal string' }),
  grossFen: Type.Integer({ description: 'usage lines + flat lines, before the cap' }),
  capSavingsFen: Type.Integer({ description: '−(cap lines): what the season cap saved' }),
  adjustmentsFen: Type.Integer({ description: 'adjustment + final_settlement lines' }),
  netBilledFen: Type.Integer({ description: 'invoice totals = gross − capSavings + adjustments' }),
  paidFen: Fen,
  outstandingFen: Type.Integer({ description: 'netBilled − paid' }),
  cappedAccounts: Type.Integer({ description: 'distinct accounts with a cap line' }),
};
const FiguresSchema = Type.Object(Figures);

export const ReportSchema = Type.Object(
  {
    compound: { ...CompoundCode, description: 'the compound code' },
    period: Period,
    ...Figures,
    byPlan: Type.Object(
      {
        metered: { ...FiguresSchema, description: 'metered accounts' },
        flat: { ...FiguresSchema, description: 'flat (一口价) accounts' },
      },
      { description: 'the same figures for each plan' },
    ),
  },
  { title: 'Report', description: "A compound's month in figures, over its non-void invoices of the period." },
);

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/compounds/:code/reports/:period',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['reports'],
        operationId: 'getCompoundReport',
        summary: "A compound's month: billed, capped, paid and outstanding; Accept: text/csv for CSV",
        description:
          'Figures over the non-void invoices of the compound and period, in total and by plan. Accept: ' +
          'text/csv answers the same figures as CSV (rows metered, flat, total).',
        params: Type.Object({ code: CompoundCode, period: Period }),
        response: {
          200: {
            description: 'The month\'s figures (non-void invoices of the compound and period)',
            content: {
              'application/json': { schema: ReportSchema },
              'text/csv': { schema: Type.String({ description: `header ${REPORT_COLUMNS.join(',')}; rows metered, flat, total` }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const report = await compoundReport(app.db, request.principal, request.params.code, request.params.period);
      if ((request.headers.accept ?? '').includes('text/csv')) {
        return sendCsv(reply, `${report.compound}-${report.period}.csv`, REPORT_COLUMNS, reportCsvRows(report));
      }
      return reply.type('application/json; charset=utf-8').send(report);
    },
  );
};
