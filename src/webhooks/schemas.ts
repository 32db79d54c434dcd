import { Type } from '@sinclair/typebox';
import { Uuid } from '../http/schemas.js';
import { EVENT_TYPES } from './events.js';

export const EventTypeSchema = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));

export const EndpointBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http or https, no credentials in it' }),
    events: Type.Array(EventTypeSchema, { minItems: 1, maxItems: EVENT_TYPES.length }),
    providerId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const EndpointSchema = Type.Object({
  id: Uuid,
  providerId: Type.Union([Uuid, Type.Null()], { description: "null: an admin's endpoint for every provider" }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  disabled: Type.Boolean({ description: 'true once a receiver answered 410 Gone' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const CreatedEndpointSchema = Type.Intersect([
  EndpointSchema,
  Type.Object({ secret: Type.String({ description: 'whsec_…: shown only here; signs every delivery (Standard Webhooks)' }) }),
]);

export const EndpointListSchema = Type.Object({ items: Type.Array(EndpointSchema), nextCursor: Type.Null() });

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  eventId: Uuid,
  eventType: Type.String(),
  accountId: Type.Union([Uuid, Type.Null()]),
  attempt: Type.Integer(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union(['delivered', 'retrying', 'gave_up', 'gone'].map((o) => Type.Literal(o))),
  at: Type.String({ format: 'date-time' }),
});

export const DeliveryListSchema = Type.Object({ items: Type.Array(DeliverySchema), nextCursor: Type.Null() });

const Timestamp = Type.String({ format: 'date-time' });
const Date_ = Type.String({ format: 'date' });

/** An invoice's `data` (invoice.issued; invoice.overdue adds what is owed). */
const InvoiceData = Type.Object({
  invoiceId: Uuid,
  number: Type.String(),
  accountId: Uuid,
  householdId: Uuid,
  compound: Type.String(),
  period: Type.String(),
  issuedOn: Date_,
  dueOn: Date_,
  totalFen: Type.Integer(),
  status: Type.String(),
  billingRunId: Type.Union([Uuid, Type.Null()]),
});

/** The `data` of each event type (SPEC §9), as the outbox writes it (outbox.ts, cap-thresholds.ts, overdue.ts). */
const EVENT_DATA = {
  'invoice.issued': InvoiceData,
  'invoice.overdue': Type.Composite([
    InvoiceData,
    Type.Object({ paidFen: Type.Integer(), owedFen: Type.Integer({ description: 'totalFen − paidFen, on the day it became overdue' }) }),
  ]),
  'payment.recorded': Type.Object({
    paymentId: Uuid,
    accountId: Uuid,
    amountFen: Type.Integer(),
    paidAt: Timestamp,
    reference: Type.String(),
  }),
  'billing_run.finished': Type.Object({
    runId: Uuid,
    period: Type.String(),
    status: Type.String(),
    startedAt: Timestamp,
    finishedAt: Timestamp,
    compounds: Type.Array(
      Type.Object({ compound: Type.String(), status: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }),
      { description: "the run's compounds of the receiving provider" },
    ),
  }),
  'account.cap_threshold': Type.Object({
    accountId: Uuid,
    householdId: Uuid,
    compound: Type.String(),
    season: Type.String(),
    thresholdPercent: Type.Union([Type.Literal(50), Type.Literal(80), Type.Literal(100)]),
    billedFen: Type.Integer({ description: "the season's charges with the invoice that reached the threshold" }),
    capFen: Type.Integer({ description: "the account's season cap (flat: its fee), prorated to its occupancy" }),
    invoiceId: Uuid,
  }),
} as const;

/**
 * The events as OpenAPI 3.0 callbacks of POST /v1/webhooks (3.0 has no `webhooks` section): each
 * body POSTed to the endpoint's url, with the Standard Webhooks headers.
 */
export const EVENT_CALLBACKS = Object.fromEntries(
  Object.entries(EVENT_DATA).map(([type, data]) => [
    type,
    {
      '{$request.body#/url}': {
        post: {
          requestBody: {
            description: `${type}: \`id\` is also the \`webhook-id\` header; \`webhook-timestamp\` and \`webhook-signature\` sign it.`,
            content: { 'application/json': { schema: Type.Object({ id: Uuid, type: Type.Literal(type), createdAt: Timestamp, data }) } },
          },
          responses: {
            '2XX': { description: 'delivered: no more tries' },
            410: { description: 'the endpoint is disabled' },
            default: { description: 'tried again with exponential backoff for 24 hours' },
          },
        },
      },
    },
  ]),
);
