/**
 * Strict at the door (SPEC §7): bodies are validated without coercion and unknown fields are
 * refused; every string of a body, query string or path is checked for NUL characters and lone
 * surrogates, which PostgreSQL cannot store, before anything reaches a service.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem, type FieldError } from './problem.js';

/** The Ajv options of every schema: no coercion (query strings and paths are converted below), no silent removal. */
export const AJV_OPTIONS = { allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: true } as const;

// With the u flag a surrogate pair is one code point, so this class matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why a string cannot be stored as text, as a field error's code and message; undefined when it can. */
export function textDefect(text: string): { code: string; message: string } | undefined {
  if (text.includes('\u0000')) return { code: 'nul_character', message: 'must not contain NUL characters' };
  if (LONE_SURROGATE.test(text)) return { code: 'lone_surrogate', message: 'must be well-formed Unicode (a lone surrogate was found)' };
  return undefined;
}

/** Ajv keyword `x-not-blank` (see `Text` in schemas.ts): a required string that is only whitespace is refused. */
export function notBlankKeyword<A extends { addKeyword: (definition: never) => unknown }>(ajv: A): A {
  ajv.addKeyword({
    keyword: 'x-not-blank',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    validate: function notBlank(enabled: boolean, data: string): boolean {
      if (!enabled || data.trim().length > 0) return true;
      (notBlank as unknown as { errors: object[] }).errors = [{ keyword: 'x-not-blank', message: 'must not be blank', params: {} }];
      return false;
    },
  } as never);
  return ajv;
}

const MAX_DEPTH = 64;

/** Every string (values and keys) of a parsed body, query or params object with a defect, by path. */
function textErrors(value: unknown, base: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: base, depth: 0 }];
  while (stack.length > 0 && errors.length < 100) {
    const item = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof item.value === 'string') {
      const defect = textDefect(item.value);
      if (defect) errors.push({ path: item.path, ...defect });
    } else if (Array.isArray(item.value)) {
      if (item.depth >= MAX_DEPTH) {
        errors.push({ path: item.path, code: 'too_deep', message: `must not nest deeper than ${MAX_DEPTH} levels` });
        continue;
      }
      item.value.forEach((v, i) => stack.push({ value: v, path: `${item.path}[${i}]`, depth: item.depth + 1 }));
    } else if (item.value !== null && typeof item.value === 'object' && isPlain(item.value)) {
      if (item.depth >= MAX_DEPTH) {
        errors.push({ path: item.path, code: 'too_deep', message: `must not nest deeper than ${MAX_DEPTH} levels` });
        continue;
      }
      for (const [key, v] of Object.entries(item.value)) {
        const path = `${item.path}.${key}`;
        const defect = textDefect(key);
        if (defect) errors.push({ path, ...defect });
        else stack.push({ value: v, path, depth: item.depth + 1 });
      }
    }
  }
  return errors.reverse();
}

/** Parsed JSON and query objects; not a CSV body's stream or a raw buffer. */
function isPlain(value: object): boolean {
  return !Buffer.isBuffer(value) && typeof (value as { pipe?: unknown }).pipe !== 'function';
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema> };

/** Query strings and path parameters arrive as text: numbers and booleans are converted as their schema says. */
function convertFlat(schema: unknown, values: unknown): void {
  const properties = (schema as JsonSchema | undefined)?.properties;
  if (!properties || values === null || typeof values !== 'object') return;
  const target = values as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const raw = target[name];
    if (typeof raw !== 'string') continue;
    const types = ([] as string[]).concat(property.type ?? []);
    if ((types.includes('integer') || types.includes('number')) && /^-?[0-9]+(\.[0-9]+)?$/.test(raw)) target[name] = Number(raw);
    else if (types.includes('boolean') && (raw === 'true' || raw === 'false')) target[name] = raw === 'true';
  }
}

/** Bytes at the end of `chunk` that start a UTF-8 sequence the next chunk completes. */
function incompleteTail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back += 1) {
    const byte = chunk[chunk.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

export const notUtf8 = () =>
  new HttpProblem(400, 'The body is not valid UTF-8.', [{ path: 'body', code: 'encoding', message: 'must be valid UTF-8' }]);

/**
 * Passes a body through unchanged, failing with 400 at the first byte sequence that is not UTF-8
 * (a lone surrogate sent as raw bytes would otherwise be decoded into U+FFFD and stored).
 */
function utf8Check(): Transform {
  let carry: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const keep = incompleteTail(bytes);
      carry = bytes.subarray(bytes.length - keep);
      if (isUtf8(bytes.subarray(0, bytes.length - keep))) callback(null, chunk);
      else callback(notUtf8());
    },
    flush(callback: TransformCallback) {
      callback(carry.length > 0 ? notUtf8() : null);
    },
  });
}

/** Installs the text check and the query/params conversion for every route. */
export function installStrictInput(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    // JSON only: Fastify's parser listens on the stream at once. A CSV body is read later, by the
    // import itself, where csv-parse has turned bad bytes into U+FFFD (refused per cell, readings/routes.ts).
    if (!/json/i.test(request.headers['content-type'] ?? '')) return payload;
    const checked = utf8Check();
    payload.on('error', (error) => checked.destroy(error));
    return payload.pipe(checked);
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const errors = [
      ...textErrors(request.params, 'params'),
      ...textErrors(request.query, 'querystring'),
      ...textErrors(request.body, 'body'),
    ];
    if (errors.length > 0) {
      throw new HttpProblem(400, `Invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
    }
    const schema = request.routeOptions.schema;
    if (schema?.querystring) convertFlat(schema.querystring, request.query);
    if (schema?.params) convertFlat(schema.params, request.params);
  });
}
