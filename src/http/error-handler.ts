import type { Socket } from 'node:net';
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

type AjvError = NonNullable<FastifyError['validation']>[number];

/** Stable codes of schema keywords (SPEC §7): clients match on these, not on the English message. */
const KEYWORD_CODES: Record<string, string> = {
  required: 'required',
  additionalProperties: 'unknown_field',
  type: 'wrong_type',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  exclusiveMinimum: 'out_of_range',
  exclusiveMaximum: 'out_of_range',
  minItems: 'out_of_range',
  maxItems: 'out_of_range',
  minLength: 'too_short',
  maxLength: 'too_long',
  pattern: 'format',
  format: 'format',
  const: 'not_allowed',
  enum: 'not_allowed',
  'x-not-blank': 'blank',
};

function fieldError(item: AjvError, context: string | undefined): FieldError {
  const message = item.keyword === 'additionalProperties' ? 'is not a known field' : (item.message ?? 'is invalid');
  return { path: validationPath(item, context), message, code: KEYWORD_CODES[item.keyword] ?? 'invalid' };
}

/**
 * One error per field. A union (anyOf) reports every branch: keep what the branch of the value's
 * own type said (a string failing the decimal pattern), else one wrong_type or not_allowed listing the choices.
 */
function fieldErrors(items: AjvError[], context: string | undefined): FieldError[] {
  const unions = new Set(items.filter((i) => i.keyword === 'anyOf').map((i) => i.instancePath));
  const out: FieldError[] = [];
  const done = new Set<string>();
  for (const item of items) {
    if (!unions.has(item.instancePath) || item.keyword === 'required' || item.keyword === 'additionalProperties') {
      if (item.keyword !== 'anyOf') out.push(fieldError(item, context));
      continue;
    }
    if (done.has(item.instancePath)) continue;
    done.add(item.instancePath);
    const branch = items.filter((i) => i.instancePath === item.instancePath && i.keyword !== 'anyOf');
    const specific = branch.find((i) => i.keyword !== 'type' && i.keyword !== 'const');
    if (specific) {
      out.push(fieldError(specific, context));
    } else if (branch.length > 0 && branch.every((i) => i.keyword === 'const')) {
      const allowed = branch.map((i) => JSON.stringify((i.params as { allowedValue?: unknown }).allowedValue)).join(', ');
      out.push({ path: validationPath(branch[0] as AjvError, context), message: `must be one of ${allowed}`, code: 'not_allowed' });
    } else {
      const types = [...new Set(branch.filter((i) => i.keyword === 'type').map((i) => (i.params as { type?: string }).type))];
      out.push({ path: validationPath(item, context), message: `must be ${types.join(' or ') || 'of another type'}`, code: 'wrong_type' });
    }
  }
  // Nested unions and repeated branches can say the same thing twice.
  return out.filter((e, i) => out.findIndex((o) => o.path === e.path && o.message === e.message) === i);
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type('application/problem+json; charset=utf-8').send(problem);
}

/** Fastify's own refusals before routing (bad URL encoding, a path parameter too long) as problem+json. */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : (error.statusCode ?? 400);
  const detail =
    error.code === 'FST_ERR_BAD_URL' ? 'The URL is not validly percent-encoded UTF-8.' : error.message || problemTitle(status);
  void sendProblem(reply, { type: problemType(status), title: problemTitle(status), status, detail });
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a request line or headers above
 * the limit, a malformed request, a timeout), written on the socket as problem+json too.
 */
export function clientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail =
    status === 431
      ? 'The URL or the headers are larger than the server accepts.'
      : status === 408
        ? 'The request took too long.'
        : 'Malformed HTTP request.';
  const body = JSON.stringify({ type: problemType(status), title: problemTitle(status), status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${problemTitle(status)}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
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
      const unique = fieldErrors(error.validation, error.validationContext);
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
