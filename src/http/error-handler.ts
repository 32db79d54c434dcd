import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LOCK_NOT_AVAILABLE, RETRYABLE, sqlState } from '../db/locks.js';
import { HttpProblem, problemTitle, problemType, type FieldError, type Problem } from './problem.js';

function validationPath(error: NonNullable<FastifyError['validation']>[number], context: string | undefined): string {
  const base = context ?? 'body';
  const pointer = (error.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('');
  const missing = error.keyword === 'required' ? `.${(error.params as { missingProperty?: string }).missingProperty}` : '';
  const extra = error.keyword === 'additionalProperties' ? `.${(error.params as { additionalProperty?: string }).additionalProperty}` : '';
  return `${base}${pointer}${missing}${extra}`;
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json; charset=utf-8').send(problem);
}

/** Seconds a client is asked to wait before it tries a busy write again. */
const BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * A write that could not get its locks in time (db/locks.ts) or lost a race twice: 409, with the
 * reason and a Retry-After; every connection busy (the pool's wait ran out): 503. Else undefined.
 */
function contentionProblem(error: unknown): Problem | undefined {
  const state = sqlState(error);
  if (state === LOCK_NOT_AVAILABLE || (state !== undefined && RETRYABLE.has(state))) {
    return {
      type: problemType(409),
      title: problemTitle(409),
      status: 409,
      detail:
        'Another change to the same compound is in progress (for example the monthly batch billing it), so this request ' +
        `was not applied. Nothing was stored; try again in ${BUSY_RETRY_AFTER_SECONDS} s.`,
    };
  }
  if (error instanceof Error && /timeout exceeded when trying to connect/.test(error.message)) {
    return {
      type: problemType(503),
      title: problemTitle(503),
      status: 503,
      detail: `Every database connection is busy. Nothing was stored; try again in ${BUSY_RETRY_AFTER_SECONDS} s.`,
    };
  }
  return undefined;
}

/** The one error handler: every error leaves as application/problem+json, 5xx without internals. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(reply, error.toProblem());
    }
    if (error.validation) {
      const errors: FieldError[] = error.validation.map((item) => ({
        path: validationPath(item, error.validationContext),
        message: item.message ?? 'is invalid',
      }));
      // Anyof branches repeat the same path; keep one message per path and text.
      const unique = errors.filter((e, i) => errors.findIndex((o) => o.path === e.path && o.message === e.message) === i);
      return sendProblem(reply, {
        type: problemType(400),
        title: problemTitle(400),
        status: 400,
        detail: `Invalid request: ${unique.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors: unique,
      });
    }
    const contention = contentionProblem(error);
    if (contention) {
      request.log.warn({ err: error }, 'request refused under contention');
      return sendProblem(reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS)), contention);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(reply, { type: problemType(status), title: problemTitle(status), status, detail: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, {
      type: problemType(500),
      title: problemTitle(500),
      status: 500,
      detail: `An unexpected error occurred. Reference: ${request.id}`,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: problemType(404),
      title: problemTitle(404),
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
