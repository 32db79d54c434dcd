import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { providerScope } from '../auth/principal.js';
import { notFound, problemResponses } from '../http/problem.js';
import { IdParams } from '../http/schemas.js';
import { findRunInScope, sweepInterruptedRuns } from './repository.js';
import { BillingRunSchema, CreateRunBody } from './schemas.js';
import { runBilling, runOut } from './service.js';

/** POST /v1/billing-runs (the monthly batch, synchronous) and GET /v1/billing-runs/{id}. */
export const billingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/billing-runs',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['billing'],
        summary: 'Run the monthly batch for a period (one compound, or every compound of the caller)',
        description:
          'Idempotent: accounts already billed for the period are skipped. A compound is billed entirely or not at all; a second run of the same compound and month waits for the first and then finds nothing to do. A non-billable month succeeds with 0 invoices.',
        body: CreateRunBody,
        response: { 201: BillingRunSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const run = await runBilling(app, {
        period: request.body.period,
        compound: request.body.compound,
        dryRun: request.body.dryRun,
        actor: request.principal.actor,
        providerId: providerScope(request.principal),
      });
      if (run.status === 'failed') request.log.error({ runId: run.id, error: run.error }, 'billing run failed');
      return reply.code(201).send(run);
    },
  );

  app.get(
    '/billing-runs/:id',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['billing'],
        summary: 'A billing run and its counts',
        params: IdParams,
        response: { 200: BillingRunSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      let run = await findRunInScope(app.db, request.params.id, request.principal);
      if (!run) throw notFound('Billing run');
      // A run whose process died part-way is told apart from a live one here too.
      if (run.status === 'running' && (await sweepInterruptedRuns(app.db, run.id)) > 0) {
        run = await findRunInScope(app.db, request.params.id, request.principal);
        if (!run) throw notFound('Billing run');
      }
      return runOut(run);
    },
  );
};
