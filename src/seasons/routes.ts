import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { PutSeasonBody, SeasonParams, SeasonSchema } from './schemas.js';
import { putSeason } from './service.js';

/** Operators' seasons (SPEC §3, §7): a compound's season years and their tariffs. */
export const seasonRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator'] as const;

  app.put(
    '/compounds/:code/seasons/:label',
    {
      config: { roles },
      schema: {
        tags: ['seasons'],
        operationId: 'putSeason',
        summary: 'Define or replace a season year (refused once it has invoices)',
        description:
          'Heating and cooling windows, the unit rate, the cap per m² and the flat fee of one season year (SPEC ' +
          '§3). 201 when the season is new, 200 when it replaced one; 409 once the season has invoices.',
        params: SeasonParams,
        body: PutSeasonBody,
        response: {
          200: answer('The season, replaced', SeasonSchema),
          201: answer('The season, defined', SeasonSchema),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { season, created } = await putSeason(app.db, request.principal, request.params.code, request.params.label, request.body);
      return reply.code(created ? 201 : 200).send(season);
    },
  );
};
