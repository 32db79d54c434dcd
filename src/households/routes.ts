import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { CompoundCode, IdParams } from '../http/schemas.js';
import { CreateHouseholdBody, CreateMeterBody, HouseholdDetailSchema, HouseholdSchema, MeterChainSchema, MeterSchema } from './schemas.js';
import { createHousehold, createMeter, getHousehold, listHouseholdMeters } from './service.js';

/** Operators' households and meters (SPEC §4, §7). */
export const householdRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator'] as const;

  app.post(
    '/compounds/:code/households',
    {
      config: { roles },
      schema: {
        tags: ['households'],
        summary: 'Register a household (户) of a compound',
        params: Type.Object({ code: CompoundCode }),
        body: CreateHouseholdBody,
        response: { 201: HouseholdSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createHousehold(app.db, request.principal, request.params.code, request.body)),
  );

  app.get(
    '/households/:id',
    {
      config: { roles },
      schema: {
        tags: ['households'],
        summary: 'A household with its meters and accounts',
        params: IdParams,
        response: { 200: HouseholdDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getHousehold(app.db, request.principal, request.params.id),
  );

  app.get(
    '/households/:id/meters',
    {
      config: { roles: ['admin', 'operator', 'resident'] },
      schema: {
        tags: ['households'],
        summary: "A household's meters as a replacement chain (residents: their own household)",
        params: IdParams,
        response: { 200: MeterChainSchema, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => listHouseholdMeters(app.db, request.principal, request.params.id),
  );

  app.post(
    '/households/:id/meters',
    {
      config: { roles },
      schema: {
        tags: ['households'],
        summary: 'Install a meter, or replace the active one (replaces + finalReading)',
        params: IdParams,
        body: CreateMeterBody,
        response: { 201: MeterSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createMeter(app.db, request.principal, request.params.id, request.body)),
  );
};
