import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { CompoundCode, Fen, IdParams, IsoDate, Period, SeasonLabel, Uuid } from '../http/schemas.js';
import { PaymentDetailsSchema } from '../providers/schemas.js';
import { InvoiceSchema } from '../invoices/schemas.js';
import { PlanSchema } from '../http/schemas.js';
import { createStatementCache } from './cache.js';
import { getStatementJson } from './service.js';

export const StatementSchema = Type.Object(
  {
    account: Type.Object({
      id: { ...Uuid, description: 'the account id' },
      holderName: Type.String({ description: 'masked for residents (王*)' }),
      phone: Type.Union([Type.String({ description: 'masked for residents (138****5678)' }), Type.Null()]),
    }, { description: 'the account and its holder' }),
    household: Type.Object({
      id: { ...Uuid, description: 'the household id' },
      compound: { ...CompoundCode, description: 'the compound code' },
      compoundName: Type.String({ description: "the compound's name (奥山世纪城小区)" }),
      building: Type.String({ description: 'building (栋)' }),
      unit: Type.String({ description: 'unit (单元)' }),
      room: Type.String({ description: 'room (室)' }),
      areaM2: Type.String({ description: 'floor area in m², decimal string' }),
    }, { description: "the account's household" }),
    season: SeasonLabel,
    seasons: Type.Array(SeasonLabel, { description: "the compound's seasons that overlap the occupancy, oldest first" }),
    plan: { ...PlanSchema, description: "the account's plan for the season" },
    capFen: Type.Integer({ description: 'season cap (metered) or fee (flat), prorated to the occupancy' }),
    billedFen: Type.Integer({ description: "totals of the season's non-void invoices" }),
    remainingCapFen: Type.Integer({ description: 'max(0, capFen − every charge billed this season)' }),
    capSavedFen: Type.Integer({
      description: "fen the cap took off this season's metered usage (Σ of the cap lines, as a positive amount)",
    }),
    balanceFen: Type.Integer({
      description: 'all time: invoiced − paid − credit (negative invoices are credit); negative is credit in hand',
    }),
    creditFen: Type.Integer({
      description: 'credit available: unallocated payments and negative invoices, spent on the next open invoices',
    }),
    invoices: Type.Array(InvoiceSchema, { description: "the season's invoices, void ones included" }),
    payments: Type.Array(Type.Object({
      id: { ...Uuid, description: 'the payment id' },
      amountFen: Fen,
      paidAt: Type.String({ description: 'ISO 8601 instant in the compound time zone' }),
      reference: Type.String({ description: "the payer's or the bank's reference" }),
      unallocatedFen: Fen,
    }), {
      description: "the account's payments, oldest first",
    }),
    pendingAdjustments: Type.Array(
      Type.Object({
        id: { ...Uuid, description: 'the adjustment id' },
        amountFen: Type.Integer({ description: 'fen; negative is a credit' }),
        description: Type.String({ description: 'the line text the next invoice will print' }),
        createdAt: Type.String({ description: 'when the correction or void was made (ISO 8601)' }),
      }),
      { description: "corrections and voids the account's next invoice will carry, oldest first" },
    ),
    usage: Type.Array(
      Type.Object({ period: Period, units: Type.String({ description: 'metered units of the month, decimal string' }), amountFen: Fen }),
      { description: "the season's months: units and that month's invoice total" },
    ),
    usageToDate: Type.Union(
      [
        Type.Object({
          readAt: Type.String({ description: 'the latest reading the usage runs to' }),
          units: Type.String({ description: 'units since where billing stands (the last invoice)' }),
          amountFen: Type.Integer({ description: "the usage charge the next invoice would bill now, against today's cap room" }),
        }),
        Type.Null(),
      ],
      {
        description:
          'what the next invoice would bill now for the usage since the last invoice, computed as the batch computes it; ' +
          'null for flat accounts, a season with no billable month left, or no reading since the last invoice',
      },
    ),
    projectedSeasonFen: Type.Integer({
      description:
        'billed + the average charge per elapsed service day × the remaining service days, at most capFen (metered; ' +
        'usageToDate counts as charged); the fee for flat accounts',
    }),
    due: Type.Object(
      {
        amountFen: Type.Integer({ description: 'what the open invoices (issued or partially paid, any season) still owe: Σ total − paid' }),
        earliestDueOn: Type.Union([IsoDate, Type.Null()], {
          description: 'the earliest dueOn of the open invoices; null when nothing is owed',
        }),
        overdue: Type.Boolean({ description: 'an open invoice is past its dueOn today (SPEC §9): the payment notice lists it' }),
        overdueFen: Type.Integer({ description: 'what the overdue invoices owe: the payment notice\'s total' }),
        invoiceNumbers: Type.Array(Type.String(), {
          description: 'the open invoices, earliest due first: the payment reference to quote',
        }),
      },
      { description: 'what the account owes now, by when, and the reference to quote (all seasons, not only the one asked for)' },
    ),
    provider: Type.Object(
      {
        name: Type.String({ description: "the compound's service provider" }),
        paymentDetails: Type.Union([PaymentDetailsSchema, Type.Null()], {
          description: 'how to pay it (PUT /v1/providers/{id}/payment-details); null when it has set none',
        }),
      },
      { description: 'whom to pay, and how' },
    ),
  },
  {
    title: 'Statement',
    description: "An account's season: cap or fee, billed, remaining cap, balance, its invoices, payments and monthly usage (SPEC §7).",
  },
);

export const statementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = createStatementCache(app.config.statementCacheEntries);
  app.get(
    '/accounts/:id/statement',
    {
      config: { roles: ['admin', 'operator', 'resident'] },
      schema: {
        tags: ['statements'],
        operationId: 'getStatement',
        summary: "An account's season statement (residents: their own, personal data masked)",
        description:
          'billedFen and invoices cover the requested season; balanceFen is ' +
          "all time (invoiced − paid). For residents the holder's name and phone are masked.",
        params: IdParams,
        querystring: Type.Object({ season: Type.Optional(SeasonLabel) }),
        response: { 200: answer("The account's statement for the season", StatementSchema), ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const sources = { pool: app.pool, db: app.db };
      const json = await getStatementJson(sources, cache, request.principal, request.params.id, request.query.season, (statement) =>
        String(reply.serialize(statement)),
      );
      // Bytes this route's own serializer produced (now or when cached): sent as they are.
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );
};
