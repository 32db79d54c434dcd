/**
 * The OpenAPI document (/openapi.json, /docs), built by @fastify/swagger from the route schemas.
 * What every route shares is added here, once, so a route added later is documented the same way:
 * the error statuses the common layers can answer (auth, rate limit, strict input, body parsing),
 * each as application/problem+json with the one Problem component (SPEC §7).
 */
import type { SwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { describeMoney, nameResponseSchemas } from './openapi-components.js';
import { ProblemSchema } from './problem.js';

/** What each error status means on any operation; the problem's `detail` says what happened this time. */
const ERROR_MEANINGS: Record<number, string> = {
  400:
    'The request is malformed: a parameter or field is missing, of the wrong type or out of range, or text holds NUL or ' +
    'a lone surrogate, or the body is not valid JSON or UTF-8. `errors` names each field with a stable `code`.',
  401: 'No bearer token, or a token that is unknown or revoked.',
  403: "The token's role may not do this.",
  404: "Not found, or outside the caller's scope (the two answers are the same).",
  409:
    'The request conflicts with what is stored (the detail says how), or another change to the same compound is in ' +
    'progress (then with Retry-After; nothing was stored).',
  413: 'The body is larger than the server accepts (JSON: 16 MiB by default).',
  414: 'A path parameter is longer than the server accepts (100 characters).',
  415: 'The body has a Content-Type this operation does not accept.',
  422: 'Well-formed, but contradicts the stored data or the billing rules; `errors` names each field with a stable `code`.',
  429: 'Too many requests with this token, or too many failed authentications from this address or token prefix; see Retry-After.',
  500: 'An unexpected error; the detail carries a reference for the logs and never internals.',
  503: 'The database does not answer, or every connection is busy (Retry-After).',
};

/** Methods whose requests may carry a body: Fastify parses it (413 above the limit, 415 for an unknown media type). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ALL_ROLES = ['admin', 'operator', 'resident'];

declare module 'fastify' {
  interface FastifySchema {
    /**
     * An example request body for the document only: Ajv, which validates the body, refuses an
     * `example` keyword in the body schema itself.
     */
    bodyExample?: unknown;
  }
}

type RouteSchema = { response?: Record<string, unknown>; hide?: boolean; body?: object; bodyExample?: unknown };

/**
 * The error statuses an operation can answer: those its schema declares (its service's refusals)
 * and those of the layers every request passes through.
 */
export function errorStatuses(route: Pick<RouteOptions, 'method' | 'config' | 'url'>, schema: RouteSchema): number[] {
  const statuses = new Set(Object.keys(schema.response ?? {}).map(Number).filter((status) => status >= 400));
  // Strict input checks every query string and path (NUL, lone surrogates); a bad URL encoding is 400 too.
  statuses.add(400);
  statuses.add(500);
  if (/[:*]/.test(route.url)) statuses.add(414);
  const methods = ([] as string[]).concat(route.method);
  if (methods.some((method) => BODY_METHODS.has(method))) {
    statuses.add(413);
    statuses.add(415);
  }
  const roles = (route.config as { roles?: readonly string[] } | undefined)?.roles;
  if (roles) {
    // Authentication (401, 429 after repeated failures), the per-token limit (429), a busy pool (503).
    for (const status of [401, 429, 503]) statuses.add(status);
    if (!ALL_ROLES.every((role) => roles.includes(role))) statuses.add(403);
  }
  return [...statuses].sort((a, b) => a - b);
}

function problemResponse(status: number) {
  const description = ERROR_MEANINGS[status];
  if (!description) throw new Error(`no documented meaning for status ${status}: add it to ERROR_MEANINGS`);
  return { description, content: { 'application/problem+json': { schema: ProblemSchema } } };
}

/** Per route: every error status it can answer, documented as problem+json. */
export const documentRoute: SwaggerTransform = ({ schema, url, route }) => {
  const routeSchema = schema as RouteSchema | undefined;
  if (!routeSchema || routeSchema.hide) return { schema, url };
  const response: Record<string, unknown> = { ...routeSchema.response };
  for (const status of errorStatuses(route, routeSchema)) response[status] = problemResponse(status);
  const { bodyExample, ...documented } = routeSchema;
  const body = routeSchema.body && bodyExample !== undefined ? { ...routeSchema.body, example: bodyExample } : routeSchema.body;
  return { schema: { ...documented, ...(body ? { body } : {}), response }, url };
};

type Operation = {
  operationId?: string;
  summary?: string;
  responses?: Record<string, object>;
  callbacks?: Record<string, Record<string, Record<string, Operation>>>;
};
type Paths = Record<string, Record<string, Operation>>;

/**
 * @fastify/swagger keeps only a callback's body and responses: each callback operation is named
 * here after its event (invoice.issued: operationId invoiceIssued, summary "The invoice.issued event").
 */
function nameCallbacks(paths: Paths): void {
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    for (const [event, expressions] of Object.entries(operation.callbacks ?? {})) {
      for (const callback of Object.values(expressions).flatMap((item) => Object.values(item))) {
        callback.operationId ??= event.replace(/[._]([a-z])/g, (_match, letter: string) => letter.toUpperCase());
        callback.summary ??= `The ${event} event, POSTed to the endpoint's url`;
      }
    }
  }
}

/** The whole document: titled response schemas (Problem, Invoice…) become components; callbacks are named. */
export const documentObject: SwaggerTransformObject = (document) => {
  const openapi = (document as { openapiObject: { paths: Paths; components: { schemas?: object } } }).openapiObject;
  const { paths, schemas } = nameResponseSchemas(openapi.paths);
  nameCallbacks(paths);
  const components = { ...openapi.components, schemas: { ...openapi.components.schemas, ...schemas } };
  describeMoney([paths, components.schemas]);
  return { ...openapi, paths, components } as ReturnType<SwaggerTransformObject>;
};

export const TAGS: Array<{ name: string; description: string }> = [
  { name: 'health', description: 'Liveness and readiness, without a token.' },
  { name: 'providers', description: 'Heat service providers (供热公司), registered by the admin.' },
  { name: 'tokens', description: 'Bearer tokens: who a token is, issuing operator and resident tokens, revoking them.' },
  { name: 'compounds', description: 'Residential compounds (小区) and their time zones.' },
  { name: 'seasons', description: "A compound's season years: heating and cooling dates, tariff, cap and flat fee (SPEC §3)." },
  { name: 'households', description: 'Households (户) and their meters, replacements included (SPEC §4).' },
  { name: 'accounts', description: 'Accounts of households and their plan per season (SPEC §4).' },
  { name: 'readings', description: 'Meter readings: JSON batches, CSV uploads and the readings lookup (SPEC §4).' },
  { name: 'corrections', description: 'Corrected readings, void invoices and move-outs, settled on later invoices (SPEC §5).' },
  { name: 'invoices', description: 'Monthly and final invoices with their lines (SPEC §5, §7).' },
  { name: 'statements', description: "An account's season: cap, billed, balance, invoices, payments, usage (SPEC §7)." },
  { name: 'payments', description: 'Payments, idempotent by key, settling the oldest open invoices first (SPEC §7).' },
  { name: 'billing', description: 'The monthly batch: billing runs and their outcomes (SPEC §6).' },
  { name: 'reports', description: "A compound's month in figures, as JSON or CSV." },
  { name: 'exceptions', description: 'Meter data exceptions before billing: missing readings, zero usage, spikes (SPEC §9).' },
  { name: 'arrears', description: 'Overdue invoices by account, aged in buckets (SPEC §9).' },
  { name: 'notices', description: 'Printable payment notices (缴费通知书) for overdue invoices (SPEC §9).' },
  { name: 'webhooks', description: 'Webhook endpoints, their signed events (see the callbacks) and their deliveries.' },
];

/** @fastify/swagger's options: the document's head, and the two transforms above. */
export const SWAGGER_OPTIONS: SwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'Ground-source heat-pump billing API',
      description:
        'Metered and flat (一口价) billing of heat-pump heating and cooling, exact to the fen. Money is integer fen ' +
        '(1 CNY = 100 fen); units, rates and areas are decimal strings. Every error is application/problem+json ' +
        '(RFC 9457). A resource outside the caller\'s scope answers 404, exactly as a missing one.',
      version: '1.0.0',
      license: { name: 'Proprietary: all rights reserved (no licence is granted)' },
      contact: { name: 'The operators of this billing service' },
    },
    servers: [{ url: '/', description: 'the server that serves this document' }],
    tags: TAGS,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  },
  // Shared schemas are named by their $id (the Problem component), not def-0.
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  transform: documentRoute,
  transformObject: documentObject,
};

/**
 * A success response's schema with the sentence the document shows for that status (else "Default
 * Response"), in @fastify/swagger's x-response-description: the schema keeps its own description.
 */
export function answer<T extends object>(description: string, schema: T): T {
  return { ...schema, 'x-response-description': description };
}
