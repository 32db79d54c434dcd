import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { providerScope } from '../auth/principal.js';
import { notFound, problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { IdParams } from '../http/schemas.js';
import { findRunInScope, sweepInterruptedRuns } from './repository.js';
import { BillingRunSchema, CreateRunBody } from './schemas.js';
import { runBilling, runOut, type BillingRunOut } from './service.js';

/** Resolves after `ms` with undefined; `cancel` stops the timer. */
function timeout(ms: number): { elapsed: Promise<undefined>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return { elapsed, cancel: () => clearTimeout(timer) };
}

/**
 * POST /v1/billing-runs (the monthly batch) and GET /v1/billing-runs/{id}. A run that finishes
 * within BILLING_RUN_WAIT_SECONDS answers 201 with its record; a longer one answers 202 with the
 * record as it stands (status running, Location to poll) and goes on in this process, which
 * waits for it before closing. A process that dies mid-run leaves a run the next read records as
 * failed; running the month again finishes the job.
 */
export const billingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const inFlight = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...inFlight]);
  });

  app.post(
    '/billing-runs',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['billing'],
        operationId: 'createBillingRun',
        summary: 'Run the monthly batch for a period (one compound, or every compound of the caller)',
        description:
          'Idempotent: accounts already billed for the period are not billed again, and accounts already billed through ' +
          'a later month are skipped (counted in skippedAccounts). A month is billed only once it has ended in the ' +
          "compound's time zone (earlier: dryRun only) and, once the compound has billed a month of the season, only after " +
          'the billable month before it (409 naming it). An account that cannot be billed is left unbilled and listed in ' +
          'exceptions; the rest commit. A compound is billed entirely or not at all; a second run of the same compound and ' +
          'month waits for the first and then finds nothing to do. A non-billable month succeeds with 0 invoices. ' +
          'With estimate, an open metered account with no reading for the month is billed from an estimate (SPEC §9), ' +
          'its usage line marked estimated; the next real reading trues it up. ' +
          '201: the run finished (succeeded or failed). 202: the run is still going; poll the Location.',
        body: CreateRunBody,
        response: {
          201: answer('The run, finished (succeeded, partial or failed)', BillingRunSchema),
          202: answer('The run, still going: poll the Location', BillingRunSchema),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      let recorded!: (runId: string) => void;
      const started = new Promise<string>((resolve) => (recorded = resolve));
      const finished = runBilling(app, {
        period: request.body.period,
        compound: request.body.compound,
        dryRun: request.body.dryRun,
        estimate: request.body.estimate,
        actor: request.principal.actor,
        providerId: providerScope(request.principal),
        onStarted: recorded,
      });
      const logOutcome = (run: BillingRunOut) => {
        if (run.status === 'failed' || run.status === 'partial') {
          request.log.error({ runId: run.id, status: run.status, error: run.error }, 'billing run did not bill every compound');
        }
      };
      // Refusals (an unknown compound: 404) come before the run is recorded, and reject here.
      const runId = await Promise.race([started, finished.then((run) => run.id)]);
      const wait = timeout(app.config.billingRunWaitMs);
      const done = await Promise.race([finished, wait.elapsed]);
      wait.cancel();
      if (done) {
        logOutcome(done);
        return reply.code(201).send(done);
      }
      const background = finished.then(logOutcome, (err: unknown) => request.log.error({ err, runId }, 'billing run ended with an error'));
      inFlight.add(background);
      void background.finally(() => inFlight.delete(background));
      const run = await findRunInScope(app.db, runId, request.principal);
      if (!run) throw new Error(`billing run ${runId} vanished`);
      const out = await runOut(app.db, run);
      return reply.code(202).header('location', `/v1/billing-runs/${runId}`).send(out);
    },
  );

  app.get(
    '/billing-runs/:id',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['billing'],
        operationId: 'getBillingRun',
        summary: 'A billing run and its counts',
        description:
          'Poll this after a 202. A run whose process stopped part-way is reported failed here.',
        params: IdParams,
        response: { 200: answer('The run as it stands', BillingRunSchema), ...problemResponses(400, 401, 403, 404) },
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
      return runOut(app.db, run);
    },
  );
};
