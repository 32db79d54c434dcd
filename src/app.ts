import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import type pg from 'pg';
import type { Database } from './db/pool.js';
import { authPlugin } from './auth/plugin.js';
import { clientError, frameworkError, installErrorHandling } from './http/error-handler.js';
import { AJV_OPTIONS, installStrictInput, notBlankKeyword } from './http/strict-input.js';
import { securityPlugin } from './http/security.js';
import { ProblemSchema } from './http/problem.js';
import { SWAGGER_OPTIONS } from './http/openapi.js';
import { healthRoutes } from './operations/routes.js';
import { v1Routes } from './routes.js';
import { webPages } from './web/plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    /** The pg pool behind `db`, for the bulk paths that stream COPY on one client. */
    pool: pg.Pool;
    config: Config;
  }
}

export interface AppOptions {
  config: Config;
  db: Database;
  pool: pg.Pool;
  logger?: FastifyServerOptions['logger'];
  /** 'debug': one line per request at debug level instead of Fastify's two at info (the demo's terminal). */
  requestLogLevel?: 'info' | 'debug';
}

/** One line per request, at debug level, instead of Fastify's two at info; a failed request stays an error. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: error }, `${request.method} ${request.url}`);
    else reply.log.debug(line, `${request.method} ${request.url}`);
  }
}

/** Builds the whole service as one Fastify instance; server.ts only listens. */
export async function buildApp({ config, db, pool, logger = false, requestLogLevel = 'info' }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    ...(requestLogLevel === 'debug' ? { logController: new OneLinePerRequest() } : {}),
    bodyLimit: config.jsonBodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // No coercion, no silent removal: a body is refused unless it is exactly what its schema says (SPEC §7).
    ajv: { customOptions: AJV_OPTIONS, plugins: [notBlankKeyword] },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('db', db);
  app.decorate('pool', pool);
  app.decorate('config', config);
  app.addSchema(ProblemSchema);
  installErrorHandling(app);
  installStrictInput(app);
  await app.register(securityPlugin);

  await app.register(swagger, SWAGGER_OPTIONS);
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(authPlugin);
  await app.register(healthRoutes);
  await app.register(v1Routes, { prefix: '/v1' });
  await app.register(webPages);
  return app;
}
