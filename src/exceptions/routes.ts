import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sendCsv } from '../http/csv.js';
import { problemResponses } from '../http/problem.js';
import { CompoundCode, Period } from '../http/schemas.js';
import { EXCEPTION_CSV_COLUMNS, ExceptionListSchema } from './schemas.js';
import { compoundExceptions, exceptionCsvRows } from './service.js';

/** Meter data quality before billing (SPEC §9). */
export const exceptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/compounds/:code/exceptions',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['exceptions'],
        operationId: 'listCompoundExceptions',
        summary: "A compound's meter data exceptions of a month; Accept: text/csv or ?format=csv for CSV",
        description:
          'Kinds: missing_reading (an account open at the month\'s end, metered, with no reading in the month), ' +
          'zero_usage (readings but no advance while the compound\'s median units per m² is above 0), ' +
          'usage_spike (units per m² above 3× that median), billing_exception (accounts the latest run of the month ' +
          'left unbilled, unless billed since). The meter kinds are listed for billable months only.',
        params: Type.Object({ code: CompoundCode }),
        querystring: Type.Object({
          period: Period,
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
        }),
        response: {
          200: {
            description: 'The month\'s exceptions, in household order',
            content: {
              'application/json': { schema: ExceptionListSchema },
              'text/csv': { schema: Type.String({ description: `header ${EXCEPTION_CSV_COLUMNS.join(',')}` }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { period, format } = request.query;
      const list = await compoundExceptions(app.db, request.principal, request.params.code, period);
      const csvWanted = format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'));
      if (csvWanted) {
        return sendCsv(reply, `${list.compound}-${list.period}-exceptions.csv`, EXCEPTION_CSV_COLUMNS, exceptionCsvRows(list.items));
      }
      return reply.type('application/json; charset=utf-8').send(list);
    },
  );
};
