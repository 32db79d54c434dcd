import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { problemResponses, HttpProblem } from '../http/problem.js';
import { answer } from '../http/openapi.js';

const Status = Type.Object({ status: Type.String() });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness: the process answers',
        description: 'Always `{status: "ok"}` while the process runs; it does not touch the database (see /ready).',
        security: [],
        response: { 200: answer('The process is alive', Status) },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary: 'Readiness: the database answers',
        description: 'Runs `SELECT 1`; 503 while the database does not answer, so a load balancer can take the instance out.',
        security: [],
        response: { 200: answer('The database answers', Status), ...problemResponses(503) },
      },
    },
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
