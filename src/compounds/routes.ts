import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound, problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { decodeCursor, Page, PageQuery, toPage } from '../http/pagination.js';
import { CompoundCode } from '../http/schemas.js';
import { CompoundSchema, CreateCompoundBody, compoundOut } from './schemas.js';
import { listSeasons } from '../seasons/repository.js';
import { findCompoundInScope, listCompoundsInScope } from './repository.js';
import { createCompound } from './service.js';

export const compoundRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/compounds',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['compounds'],
        operationId: 'createCompound',
        summary: 'Create a compound (小区)',
        description:
          "An operator's compound belongs to its own provider (providerId of another provider: 403). The code " +
          "is the compound's key in URLs and, upper-cased, in invoice numbers.",
        body: CreateCompoundBody,
        response: { 201: answer('The compound, created', CompoundSchema), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(compoundOut(await createCompound(app.db, request.principal, request.body), [])),
  );

  app.get(
    '/compounds',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['compounds'],
        operationId: 'listCompounds',
        summary: 'List the compounds the caller may see, by code',
        description:
          "Operators see their provider's compounds, the admin every compound. Paged with cursor and limit.",
        querystring: Type.Object(PageQuery),
        response: { 200: answer('A page of compounds', Page(CompoundSchema)), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 1)?.[0] as string | undefined;
      const rows = await listCompoundsInScope(app.db, request.principal, after, limit);
      return toPage(rows, limit, (row) => compoundOut(row), (row) => [row.code]);
    },
  );

  app.get(
    '/compounds/:code',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['compounds'],
        operationId: 'getCompound',
        summary: 'A compound with its seasons',
        description: "Operators see their provider's compounds only; any other code answers 404.",
        params: Type.Object({ code: CompoundCode }),
        response: { 200: answer('The compound and its seasons', CompoundSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const compound = await findCompoundInScope(app.db, request.params.code, request.principal);
      if (!compound) throw notFound('Compound');
      return compoundOut(compound, await listSeasons(app.db, compound.id));
    },
  );
};
