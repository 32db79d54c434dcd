import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../http/problem.js';
import { Type } from '@sinclair/typebox';
import { Page } from '../http/pagination.js';
import { CompoundCode, IdParams } from '../http/schemas.js';
import { AccountSchema, CompoundAccountSchema, CompoundAccountsQuery, CreateAccountBody, PlanParams, PutPlanBody } from './schemas.js';
import { createAccount, getAccount, listCompoundAccountsPage, setPlan } from './service.js';

/** Operators' accounts and their plans per season (SPEC §4, §7). */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator'] as const;

  app.post(
    '/accounts',
    {
      config: { roles },
      schema: {
        tags: ['accounts'],
        summary: 'Open an account (one open account per household)',
        body: CreateAccountBody,
        response: { 201: AccountSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await createAccount(app.db, request.principal, request.body)),
  );

  app.get(
    '/compounds/:code/accounts',
    {
      config: { roles },
      schema: {
        tags: ['accounts'],
        summary: "A compound's accounts in household order, with their households and, given period, their invoices of that month",
        params: Type.Object({ code: CompoundCode }),
        querystring: CompoundAccountsQuery,
        response: { 200: Page(CompoundAccountSchema), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => listCompoundAccountsPage(app.db, request.principal, request.params.code, request.query),
  );

  app.get(
    '/accounts/:id',
    {
      config: { roles },
      schema: {
        tags: ['accounts'],
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
        tags: ['accounts'],
        summary: "Set an account's plan for a season (refused once the season has started)",
        params: PlanParams,
        body: PutPlanBody,
        response: { 200: AccountSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => setPlan(app.db, request.principal, request.params.id, request.params.season, request.body.plan),
  );
};
