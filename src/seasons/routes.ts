import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../http/problem.js';
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
        summary: 'Define or replace a season year (refused once it has invoices)',
        params: SeasonParams,
        body: PutSeasonBody,
        response: { 200: SeasonSchema, 201: SeasonSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { season, created } = await putSeason(app.db, request.principal, request.params.code, request.params.label, request.body);
      return reply.code(created ? 201 : 200).send(season);
    },
  );
};
