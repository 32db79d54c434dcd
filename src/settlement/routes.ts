import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { DecimalInput, Fen, IdParams, IsoDate, SeasonLabel, Text, Uuid } from '../http/schemas.js';
import { InvoiceSchema } from '../invoices/schemas.js';
import { closeAccount } from './close-account.js';
import { correctReading } from './correct-reading.js';
import { voidInvoice } from './void-invoice.js';

const Reason = Text({ maxLength: 500, description: 'why (kept in the audit log)' });

const AdjustmentSchema = Type.Object({
  id: Uuid,
  accountId: Uuid,
  season: SeasonLabel,
  amountFen: Fen,
  description: Type.String(),
  sourceInvoiceId: Type.Union([Uuid, Type.Null()]),
});

const CorrectedReadingSchema = Type.Object({
  id: Type.Integer(),
  meterSerial: Type.String(),
  readAt: Type.String({ description: 'ISO 8601 in the compound time zone' }),
  value: Type.String({ description: 'the corrected register value (decimal string)' }),
  source: Type.Union([Type.Literal('manual'), Type.Literal('automatic')]),
  previousValue: Type.String({ description: 'the value before the correction' }),
  adjustment: Type.Union([Type.Object({ amountFen: Fen, description: Type.String() }), Type.Null()], {
    description: 'the adjustment the next invoice will carry (null when nothing billed changes)',
  }),
  adjustments: Type.Array(AdjustmentSchema, { description: 'every adjustment stored (one per season whose billing changed)' }),
});

/**
 * Corrections and move-outs (SPEC §5 "Invoices"): corrected readings, voids and closing accounts,
 * settled by adjustments on later invoices or by a final invoice; issued invoices never change.
 */
export const correctionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const roles = ['admin', 'operator'] as const;

  app.patch(
    '/readings/:id',
    {
      config: { roles },
      schema: {
        tags: ['corrections'],
        operationId: 'correctReading',
        summary: 'Correct a reading; when already billed, the next invoice carries the adjustment',
        description:
          "The corrected value must stay monotonic against the meter's previous and next readings " +
          '(422 names the reading it contradicts). If an invoice ended at this reading, the season is replayed ' +
          'with the corrected usage (capped) and the difference is stored as an adjustment the next invoice carries. ' +
          'The original value is kept in the audit log.',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'reading id' }) }),
        body: Type.Object({ value: DecimalInput, reason: Reason }, { additionalProperties: false }),
        response: {
          200: answer('The corrected reading and the adjustments it caused', CorrectedReadingSchema),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request) => correctReading(app.db, request.principal, request.params.id, request.body),
  );

  app.post(
    '/invoices/:id/void',
    {
      config: { roles },
      schema: {
        tags: ['corrections'],
        operationId: 'voidInvoice',
        summary: 'Void an unpaid invoice; the next invoice re-bills what it carried',
        description:
          'Only an invoice without payments (paidFen 0) that is not void, not a final invoice and whose account is not closed. ' +
          'The void invoice keeps its number (numbering stays gapless).',
        params: IdParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: answer('The invoice, now void', InvoiceSchema), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => voidInvoice(app.db, request.principal, request.params.id, request.body),
  );

  app.post(
    '/accounts/:id/close',
    {
      config: { roles },
      schema: {
        tags: ['corrections'],
        operationId: 'closeAccount',
        summary: 'Close an account (move-out) and issue its final invoice at once',
        description:
          'closingReading is stored as a reading of the household\'s active meter at the start (00:00 local time) of closedOn, the ' +
          'instant the occupancy ends (it excludes closedOn); an account opened on closedOn starts from it. The final invoice settles ' +
          'the season against the cap or flat fee prorated to the occupancy; a negative total is a credit (status paid).',
        params: IdParams,
        body: Type.Object({ closedOn: IsoDate, closingReading: DecimalInput }, { additionalProperties: false }),
        response: { 201: answer('The final invoice', InvoiceSchema), ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await closeAccount(app.db, request.principal, request.params.id, request.body)),
  );
};
