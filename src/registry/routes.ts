import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SeasonSchema } from '../compounds/schemas.js';
import { problemResponses } from '../http/problem.js';
import { CompoundCode, IdParams } from '../http/schemas.js';
import {
  AccountSchema,
  CreateAccountBody,
  CreateHouseholdBody,
  CreateMeterBody,
  HouseholdDetailSchema,
  HouseholdSchema,
  MeterSchema,
  PlanParams,
  PutPlanBody,
  PutSeasonBody,
  SeasonParams,
} from './schemas.js';
import { createAccount, createHousehold, createMeter, getAccount, getHousehold, putSeason, setPlan } from './service.js';

/** Operators' registry (SPEC §3, §4, §7): seasons, households, meters, accounts and plans. */
export const registryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator'] as const;

  app.put(
    '/compounds/:code/seasons/:label',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
        summary: 'Define or replace a season year (refused once it has invoices)',
        params: SeasonParams,
        body: PutSeasonBody,
        response: { 200: SeasonSchema, 201: SeasonSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const { season, created } = await putSeason(app.db, request.principal, request.params.code, request.params.label, request.body);
      return reply.code(created ? 201 : 200).send(season);
    },
  );

  app.post(
    '/compounds/:code/households',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
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
        tags: ['registry'],
        summary: 'A household with its meters and accounts',
        params: IdParams,
        response: { 200: HouseholdDetailSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getHousehold(app.db, request.principal, request.params.id),
  );

  app.post(
    '/households/:id/meters',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
        summary: 'Install a meter, or replace the active one (replaces + finalReading)',
        params: IdParams,
        body: CreateMeterBody,
        response: { 201: MeterSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createMeter(app.db, request.principal, request.params.id, request.body)),
  );

  app.post(
    '/accounts',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
        summary: 'Open an account (one open account per household)',
        body: CreateAccountBody,
        response: { 201: AccountSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createAccount(app.db, request.principal, request.body)),
  );

  app.get(
    '/accounts/:id',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
        summary: 'An account with its plans',
        params: IdParams,
        response: { 200: AccountSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getAccount(app.db, request.principal, request.params.id),
  );

  app.put(
    '/accounts/:id/plans/:season',
    {
      config: { roles },
      schema: {
        tags: ['registry'],
        summary: "Set an account's plan for a season (refused once the season has started)",
        params: PlanParams,
        body: PutPlanBody,
        response: { 200: AccountSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => setPlan(app.db, request.principal, request.params.id, request.params.season, request.body.plan),
  );
};
