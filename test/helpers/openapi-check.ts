import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

// Issue 31: every response the suite sees through the shared test app is checked against the
// document the app serves: its status must be documented for the operation, its media type
// among that status's, and a JSON body must match the documented schema.

type MediaTypes = Record<string, { schema?: object }>;
type Operation = { responses: Record<string, { content?: MediaTypes }> };
type Document = { paths: Record<string, Record<string, Operation>>; components?: object };

interface Route {
  method: string;
  pattern: RegExp;
  path: string;
  operation: Operation;
}

/** `/v1/invoices/{id}` → a pattern for one path segment per parameter. */
function pathPattern(path: string): RegExp {
  const escaped = path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`);
}

export class OpenApiCheck {
  private readonly routes: Route[];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Document) {
    this.routes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), pattern: pathPattern(path), path, operation })),
    );
    // Literal paths (/v1/invoices/{id}/void) before templated ones that would also match.
    this.routes.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
    // strict off: the document's schemas carry OpenAPI keywords (example, nullable) beside JSON Schema's.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
  }

  /** The operation a request reached, or undefined (an unknown path, a hidden route, HEAD or OPTIONS). */
  private operationOf(method: string, url: string): Route | undefined {
    const path = url.split('?')[0] as string;
    return this.routes.find((route) => route.method === method && route.pattern.test(path));
  }

  private validator(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // The components ride along so that `#/components/schemas/Problem` resolves.
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** What is wrong with this response for the document, or undefined when it is as documented. */
  problem(method: string, url: string, response: LightMyRequestResponse): string | undefined {
    const route = this.operationOf(method.toUpperCase(), url);
    if (!route) return undefined;
    const name = `${route.method} ${route.path} → ${response.statusCode}`;
    const documented = route.operation.responses[String(response.statusCode)];
    if (!documented) return `${name}: status not documented (documented: ${Object.keys(route.operation.responses).join(', ')})`;
    if (!documented.content || response.statusCode === 204) return undefined;
    const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const media = documented.content[mediaType];
    if (!media) return `${name}: media type "${mediaType}" not documented (documented: ${Object.keys(documented.content).join(', ')})`;
    if (!/json$/.test(mediaType) || !media.schema) return undefined;
    const validate = this.validator(`${route.method} ${route.path} ${response.statusCode} ${mediaType}`, media.schema);
    if (validate(JSON.parse(response.body))) return undefined;
    return `${name}: body does not match the documented schema: ${this.ajv.errorsText(validate.errors)}`;
  }
}

type InjectOptions = { method?: string; url?: string; path?: string };

/**
 * Wraps `app.inject` so that every response is checked against the document the app serves; a
 * response that is not as documented rejects the inject with what is wrong. A chained inject
 * (`app.inject()` with no options) is left alone.
 */
export function checkResponsesAgainstDocument(app: FastifyInstance): void {
  const inject = app.inject.bind(app) as (options: unknown) => Promise<LightMyRequestResponse>;
  let check: OpenApiCheck | undefined;
  const checked = async (options: string | InjectOptions): Promise<LightMyRequestResponse> => {
    const response = await inject(options);
    const { method = 'GET', url = '' } = typeof options === 'string' ? { url: options } : { ...options, url: options.url ?? options.path };
    check ??= new OpenApiCheck(app.swagger() as unknown as Document);
    const problem = check.problem(method, url, response);
    if (problem) throw new Error(`response not as documented in /openapi.json: ${problem}`);
    return response;
  };
  (app as { inject: unknown }).inject = (options?: string | InjectOptions, callback?: unknown) =>
    options === undefined || callback !== undefined ? inject(options) : checked(options);
}
