import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
