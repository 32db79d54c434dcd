import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Page } from '../http/pagination.js';
import { HttpProblem, problemResponses, unprocessable } from '../http/problem.js';
import { answer } from '../http/openapi.js';
import { notUtf8, textDefect } from '../http/strict-input.js';
import { csvSource, tooLarge } from './csv.js';
import { listReadings } from './lookup.js';
import type { ReadingField } from './rows.js';
import { ReadingListQuery, ReadingSchema } from './schemas.js';
import { importReadings, type ImportSource, type ReadingRow } from './service.js';

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

const emptyBatch = (path: string) =>
  unprocessable('The batch has no readings; nothing was stored.', [{ path, message: 'has no readings', code: 'empty' }]);

const CSV_FIELDS: ReadingField[] = ['meterSerial', 'readAt', 'value', 'source'];

/**
 * The CSV rows as they stream, refusing a cell PostgreSQL cannot store (NUL, a lone surrogate)
 * with 400, like the same text in a JSON body, a cell that was not UTF-8 (decoded as U+FFFD, never
 * part of a serial, instant, value or source), and a file with a header and no rows with 422.
 */
function strictCsv(source: ImportSource): ImportSource {
  async function * rows(): AsyncGenerator<ReadingRow> {
    let count = 0;
    for await (const row of source.rows) {
      for (const field of CSV_FIELDS) {
        const cell = row[field];
        if (typeof cell === 'string' && cell.includes('\uFFFD')) throw notUtf8();
        const defect = typeof cell === 'string' ? textDefect(cell) : undefined;
        if (defect) {
          const path = source.pathOf(row.line, field);
          throw new HttpProblem(400, `Invalid CSV: ${path} ${defect.message}.`, [{ path, ...defect }]);
        }
      }
      count += 1;
      yield row;
    }
    if (count === 0) throw emptyBatch('body');
  }
  return { ...source, rows: rows() };
}

/** Meter readings (SPEC §4, §7): JSON batches and CSV uploads, all or nothing. */
export const readingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The CSV body reaches the route as the raw stream: the import parses it while streaming.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.get(
    '/readings',
    {
      config: { roles: ['admin', 'operator', 'resident'] },
      schema: {
        tags: ['readings'],
        operationId: 'listReadings',
        summary: 'Readings the caller may see, in time order, with their ids (residents: their own household)',
        description:
          '`from` is inclusive, `to` exclusive; without an offset they are local times of each reading\'s compound. ' +
          '`correctedFrom` is the value a reading had before its first correction.',
        querystring: ReadingListQuery,
        response: { 200: answer('A page of readings', Page(ReadingSchema)), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => listReadings(app.db, request.principal, request.query),
  );

  app.post(
    '/readings',
    {
      config: { roles: ['admin', 'operator'] },
      schema: {
        tags: ['readings'],
        operationId: 'createReadings',
        summary: `Load up to ${MAX_JSON_READINGS} meter readings (all or nothing)`,
        description:
          'Each reading names its meter by serial. The batch is stored entirely or not at all: 422 lists every ' +
          'refused row as readings[i].field with a stable code (not_monotonic, unknown_meter, …). Identical ' +
          'readings already stored are skipped and counted as duplicates.',
        body: Type.Object({ readings: Type.Array(ReadingInput, { maxItems: MAX_JSON_READINGS }) }, { additionalProperties: false }),
        // SPEC §5 worked example: the register after March (10,400 units) and after June (500 more).
        bodyExample: {
          readings: [
            { meterSerial: 'SN-0001', readAt: '2026-03-31T20:00:00+08:00', value: '10400' },
            { meterSerial: 'SN-0001', readAt: '2026-06-30T20:00:00+08:00', value: '10900', source: 'automatic' },
          ],
        },
        response: { 201: answer('The batch, stored', ImportResultSchema), ...problemResponses(400, 401, 403, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const readings = request.body.readings;
      if (readings.length === 0) throw emptyBatch('body.readings');
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
      // Any other media type (JSON included) is refused before its body is read.
      onRequest: async (request) => {
        if (!/^text\/csv\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
          throw new HttpProblem(415, 'Upload readings as Content-Type: text/csv (a JSON batch goes to POST /v1/readings).');
        }
      },
      schema: {
        tags: ['readings'],
        operationId: 'importReadings',
        summary: 'Upload a CSV of readings: header meterSerial,readAt,value[,source] (all or nothing)',
        description:
          'Lines are named by file line, the header being line 1. ' +
          `Uploads above ${Math.round(app.config.csvUploadLimitBytes / 1024 / 1024)} MiB answer 413.`,
        consumes: ['text/csv'],
        response: { 201: answer('The file, stored', ImportResultSchema), ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
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
        const result = await importReadings(app.pool, request.principal, strictCsv(csvSource(body, limit)), {
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
