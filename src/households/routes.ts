import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
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
        operationId: 'createHousehold',
        summary: 'Register a household (户) of a compound',
        description:
          'Building, unit and room name the household within its compound (409 if taken); areaM2 is the billed ' +
          'area. Households keep the order they were created in ("household order").',
        params: Type.Object({ code: CompoundCode }),
        body: CreateHouseholdBody,
        response: { 201: answer('The household, registered', HouseholdSchema), ...problemResponses(400, 401, 403, 404, 409, 422) },
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
        operationId: 'getHousehold',
        summary: 'A household with its meters and accounts',
        description: "Operators see their provider's households only; any other id answers 404.",
        params: IdParams,
        response: {
          200: answer('The household with its meters and accounts', HouseholdDetailSchema),
          ...problemResponses(400, 401, 403, 404),
        },
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
        operationId: 'listHouseholdMeters',
        summary: "A household's meters as a replacement chain (residents: their own household)",
        description:
          'Oldest first: each replaced meter with its final reading, then the active one.',
        params: IdParams,
        response: { 200: answer("The household's meters, oldest first", MeterChainSchema), ...problemResponses(400, 401, 403, 404, 429) },
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
        operationId: 'createMeter',
        summary: 'Install a meter, or replace the active one (replaces + finalReading)',
        description:
          'A first meter is installed with its initial reading. Replacing names the active meter (replaces) and ' +
          'its final reading; usage continues across the two registers (SPEC §4).',
        params: IdParams,
        body: CreateMeterBody,
        response: { 201: answer('The meter, installed', MeterSchema), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createMeter(app.db, request.principal, request.params.id, request.body)),
  );
};
