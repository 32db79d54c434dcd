import { Type, type Static } from '@sinclair/typebox';

/** RFC 9457 problem details; `errors` lists every invalid field (`readings[3].value`, `line 7: value`). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'a URI reference naming the kind of problem (/problems/invalid-data)' }),
    title: Type.String({ description: "the status's reason phrase (Unprocessable Content)" }),
    status: Type.Integer({ description: 'the HTTP status, repeated' }),
    detail: Type.Optional(Type.String({ description: 'what happened this time, in English' })),
    instance: Type.Optional(Type.String({ description: 'a URI reference of this occurrence, when there is one' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'the field: body.readings[3].value, querystring.cursor, line 7: value' }),
          message: Type.String({ description: 'what is wrong with it, in English' }),
          code: Type.Optional(Type.String({ description: 'stable reason, snake_case: required, wrong_type, unknown_field…' })),
        }),
        { description: 'every invalid field or row' },
      ),
    ),
    errorsOmitted: Type.Optional(
      Type.Integer({ description: 'errors found but not listed: the list stops at 1,000 (a reading import then stops reading the batch)' }),
    ),
  },
  { $id: 'Problem', title: 'Problem' },
);
export type Problem = Static<typeof ProblemSchema>;
export interface FieldError {
  path: string;
  message: string;
  /** Stable, snake_case (SPEC §7 "Details clients rely on"): pages show their own words for it. */
  code?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  408: 'request-timeout',
  409: 'conflict',
  413: 'content-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'invalid-data',
  429: 'rate-limited',
  431: 'headers-too-large',
  500: 'internal-error',
  503: 'unavailable',
};

export function problemType(status: number): string {
  return `/problems/${SLUGS[status] ?? 'error'}`;
}

export function problemTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/** Thrown by services and handlers; the error handler turns it into problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    detail: string,
    readonly errors?: FieldError[],
    readonly errorsOmitted?: number,
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toProblem(): Problem {
    const problem: Problem = {
      type: problemType(this.statusCode),
      title: problemTitle(this.statusCode),
      status: this.statusCode,
      detail: this.message,
    };
    // Every listed error carries a code (SPEC §7); a throw that names none gets the generic one.
    if (this.errors) problem.errors = this.errors.map((e) => ({ ...e, code: e.code ?? 'invalid' }));
    if (this.errorsOmitted) problem.errorsOmitted = this.errorsOmitted;
    return problem;
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpProblem(400, detail, errors);
export const forbidden = (detail = 'This role may not do this.') => new HttpProblem(403, detail);
/** Also the answer for anything outside the caller's scope: indistinguishable from a missing resource. */
export const notFound = (what: string) => new HttpProblem(404, `${what} not found.`);
export const conflict = (detail: string) => new HttpProblem(409, detail);
export const unprocessable = (detail: string, errors?: FieldError[], errorsOmitted?: number) =>
  new HttpProblem(422, detail, errors, errorsOmitted);

/** Response schemas for the error statuses a route can answer, all problem+json. */
export function problemResponses<const S extends number>(...statuses: S[]): Record<S, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ProblemSchema])) as Record<S, typeof ProblemSchema>;
}
