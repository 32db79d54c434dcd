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
