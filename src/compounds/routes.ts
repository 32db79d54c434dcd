import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { IANAZone } from 'luxon';
import { audit } from '../audit/audit.js';
import { badRequest, conflict, forbidden, notFound, problemResponses } from '../http/problem.js';
import { decodeCursor, Page, PageQuery, toPage } from '../http/pagination.js';
import { CompoundCode } from '../http/schemas.js';
import { findProvider } from '../providers/repository.js';
import { CompoundSchema, CreateCompoundBody, compoundOut } from './schemas.js';
import { findCompoundInScope, insertCompound, listCompoundsInScope, listSeasons } from './repository.js';

export const compoundRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/compounds',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['compounds'],
        summary: 'Create a compound (小区)',
        body: CreateCompoundBody,
        response: { 201: CompoundSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const body = request.body;
      let providerId = body.providerId;
      if (principal.role === 'operator') {
        if (providerId !== undefined && providerId !== principal.providerId) throw forbidden('Operators create compounds under their own provider only.');
        providerId = principal.providerId;
      }
      if (providerId === undefined) throw badRequest('providerId is required.', [{ path: 'body.providerId', message: 'is required for admin' }]);
      if (body.timeZone !== undefined && !IANAZone.isValidZone(body.timeZone)) {
        throw badRequest(`timeZone "${body.timeZone}" is not an IANA time zone.`, [{ path: 'body.timeZone', message: 'is not an IANA time zone' }]);
      }
      const compound = await app.db.transaction().execute(async (tx) => {
        if (!(await findProvider(tx, providerId))) throw notFound('Provider');
        const created = await insertCompound(tx, { ...body, providerId });
        if (!created) throw conflict(`A compound with code "${body.code}" already exists.`);
        await audit(tx, { actor: principal.actor, action: 'compound.create', entity: 'compound', entityId: created.id, compoundId: created.id, details: { ...body, providerId } });
        return created;
      });
      return reply.code(201).send(compoundOut(compound, []));
    },
  );

  app.get(
    '/compounds',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['compounds'],
        summary: 'List the compounds the caller may see, by code',
        querystring: Type.Object(PageQuery),
        response: { 200: Page(CompoundSchema), ...problemResponses(400, 401, 403) },
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
        summary: 'A compound with its seasons',
        params: Type.Object({ code: CompoundCode }),
        response: { 200: CompoundSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const compound = await findCompoundInScope(app.db, request.params.code, request.principal);
      if (!compound) throw notFound('Compound');
      return compoundOut(compound, await listSeasons(app.db, compound.id));
    },
  );
};
