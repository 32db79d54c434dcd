/**
 * Named component schemas for the OpenAPI document: a response schema with a `title` (Invoice,
 * Statement, Problem…) is written once under components/schemas and referenced wherever it
 * appears, so a generated client gets one type per title. Requests stay inline (the fuzz test and
 * Swagger UI read them there).
 */
import { isDeepStrictEqual } from 'node:util';

type Schema = Record<string, unknown>;
type Response = { description?: string; content?: Record<string, { schema?: unknown }> };
type Operation = { responses?: Record<string, Response> };

const MONEY = 'fen, integer (1 CNY = 100 fen)';

/**
 * Every money field (a property named …Fen), in requests, responses and callbacks, says so in its
 * description (SPEC §2: money is integer fen), whatever its route wrote. Changes `value` in place.
 */
export function describeMoney(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(describeMoney);
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'example') continue;
    if (key === 'properties' && item !== null && typeof item === 'object') {
      for (const [name, property] of Object.entries(item as Record<string, Schema>)) {
        if (!name.endsWith('Fen') || '$ref' in property) continue;
        const said = typeof property.description === 'string' ? property.description : '';
        if (!said.startsWith('fen, integer')) property.description = said ? `${MONEY}: ${said}` : MONEY;
      }
    }
    describeMoney(item);
  }
}

const withoutDescription = ({ description: _description, ...shape }: Schema) => shape;

class Components {
  readonly schemas: Record<string, Schema> = {};

  /** The schema itself, or a reference to its component when it has a title; nested ones first. */
  name(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.name(item));
    if (value === null || typeof value !== 'object') return value;
    const schema = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === 'example' ? item : this.name(item)]));
    const title = schema.title;
    if (typeof title !== 'string') return schema;
    this.register(title, schema);
    return { $ref: `#/components/schemas/${title}` };
  }

  private register(title: string, schema: Schema): void {
    const known = this.schemas[title];
    if (!known) {
      this.schemas[title] = schema;
      return;
    }
    if (!isDeepStrictEqual(withoutDescription(known), withoutDescription(schema))) {
      throw new Error(`two different schemas are titled ${title}: give one another title`);
    }
    if (known.description === undefined && schema.description !== undefined) known.description = schema.description;
  }
}

/** Moves the titled response schemas of `paths` into components; answers the new paths and the components. */
export function nameResponseSchemas(paths: Record<string, Record<string, Operation>>) {
  const components = new Components();
  const named = Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, operation]) => [
          method,
          { ...operation, responses: nameResponses(components, operation.responses ?? {}) },
        ]),
      ),
    ]),
  );
  return { paths: named, schemas: components.schemas };
}

function nameResponses(components: Components, responses: Record<string, Response>): Record<string, Response> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      if (!response.content) return [status, response];
      const content = Object.fromEntries(
        Object.entries(response.content).map(([media, body]) => [
          media,
          body.schema === undefined ? body : { ...body, schema: components.name(body.schema) },
        ]),
      );
      return [status, { ...response, content }];
    }),
  );
}
