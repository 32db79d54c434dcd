import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { problemResponses, HttpProblem } from '../http/problem.js';

const Status = Type.Object({ status: Type.String() });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: { tags: ['health'], security: [], response: { 200: Status } } }, async () => ({ status: 'ok' }));

  app.get(
    '/ready',
    { schema: { tags: ['health'], security: [], response: { 200: Status, ...problemResponses(503) } } },
    async () => {
      try {
        await sql`SELECT 1`.execute(app.db);
      } catch {
        throw new HttpProblem(503, 'The database does not answer.');
      }
      return { status: 'ready' };
    },
  );
};
