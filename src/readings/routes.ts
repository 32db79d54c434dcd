import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponses } from '../http/problem.js';
import { csvSource, tooLarge } from './csv.js';
import type { ReadingField } from './rows.js';
import { importReadings } from './service.js';

export const MAX_JSON_READINGS = 50_000;

const ReadingInput = Type.Object(
  {
    meterSerial: Type.Optional(Type.String({ description: 'serial of a meter of your compounds' })),
    readAt: Type.Optional(Type.String({ description: 'ISO 8601; without offset = the compound local time' })),
    value: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'cumulative register value ≥ 0, up to 3 decimals' })),
    source: Type.Optional(Type.String({ description: 'manual (default) or automatic' })),
  },
  { additionalProperties: false },
);

const ImportResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'readings stored' }),
  duplicates: Type.Integer({ description: 'identical readings already stored or repeated in the batch, skipped' }),
});

const jsonPath = (index: number, field: ReadingField) => `readings[${index}].${field}`;

/** Meter readings (SPEC §4, §7): JSON batches and CSV uploads, all or nothing. */
export const readingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The CSV body reaches the route as the raw stream: the import parses it while streaming.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.post(
    '/readings',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['readings'],
        summary: `Load up to ${MAX_JSON_READINGS} meter readings (all or nothing)`,
        body: Type.Object({ readings: Type.Array(ReadingInput, { maxItems: MAX_JSON_READINGS }) }, { additionalProperties: false }),
        response: { 201: ImportResultSchema, ...problemResponses(400, 401, 403, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const readings = request.body.readings;
      const result = await importReadings(
        app.pool,
        request.principal,
        { rows: readings.map((r, line) => ({ ...r, line })), pathOf: jsonPath },
        { actor: request.principal.actor, format: 'json' },
      );
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/readings/import',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['readings'],
        summary: 'Upload a CSV of readings: header meterSerial,readAt,value[,source] (all or nothing)',
        description:
          'Lines are named by file line, the header being line 1. ' +
          `Uploads above ${Math.round(app.config.csvUploadLimitBytes / 1024 / 1024)} MiB answer 413.`,
        consumes: ['text/csv'],
        response: { 201: ImportResultSchema, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const limit = app.config.csvUploadLimitBytes;
      const declared = Number(request.headers['content-length']);
      const body = request.body as Readable;
      if (Number.isFinite(declared) && declared > limit) {
        body.resume();
        reply.header('connection', 'close');
        throw tooLarge(limit);
      }
      try {
        const result = await importReadings(app.pool, request.principal, csvSource(body, limit), {
          actor: request.principal.actor,
          format: 'csv',
        });
        return reply.code(201).send(result);
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 413) reply.header('connection', 'close');
        throw error;
      }
    },
  );
};
