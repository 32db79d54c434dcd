import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
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
        operationId: 'createAccount',
        summary: 'Open an account (one open account per household)',
        description:
          'plan applies to the season containing openedOn (default metered). An openingReading must not contradict the ' +
          "meter's readings at the start of openedOn (422). A household with an open account answers 409.",
        body: CreateAccountBody,
        response: { 201: answer('The account, opened', AccountSchema), ...problemResponses(400, 401, 403, 404, 409, 422) },
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
        operationId: 'listCompoundAccounts',
        summary: "A compound's accounts in household order, with their households and, given period, their invoices of that month",
        description:
          'Paged with cursor and limit. With period, each account carries its invoices of that month (the ' +
          "console's month view).",
        params: Type.Object({ code: CompoundCode }),
        querystring: CompoundAccountsQuery,
        response: { 200: answer('A page of accounts', Page(CompoundAccountSchema)), ...problemResponses(400, 401, 403, 404, 429) },
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
        operationId: 'getAccount',
        summary: 'An account with its plans',
        description: "The account's holder, dates and its plan per season; operators see their provider's accounts only.",
        params: IdParams,
        response: { 200: answer('The account and its plans', AccountSchema), ...problemResponses(400, 401, 403, 404) },
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
        operationId: 'setAccountPlan',
        summary: "Set an account's plan for a season (refused once the season has started)",
        description:
          'The season must be defined (404 otherwise); once it has started the plan is fixed (409).',
        params: PlanParams,
        body: PutPlanBody,
        response: { 200: answer('The account with the plan set', AccountSchema), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => setPlan(app.db, request.principal, request.params.id, request.params.season, request.body.plan),
  );
};
