import type { Problem } from './types';

/** An answer of the API other than 2xx, with its problem+json body when it has one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  /** JSON-encoded unless it is a Blob or a string (sent as it is, with `contentType`). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Calls the REST API with a bearer token; every page goes through here. */
export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  private async send(path: string, accept: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept, authorization: `Bearer ${this.token}`, ...options.headers };
    let body: BodyInit | undefined;
    if (options.body instanceof Blob || typeof options.body === 'string') {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'text/plain';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const method = options.method ?? (body === undefined ? 'GET' : 'POST');
    const response = await fetch(path, { method, headers, body, cache: 'no-store' });
    if (response.ok) return response;
    const json = (response.headers.get('content-type') ?? '').includes('json');
    const problem = json ? ((await response.json().catch(() => undefined)) as Problem | undefined) : undefined;
    if (response.status === 401) this.onUnauthorized();
    throw new ApiError(response.status, problem);
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await (await this.send(path, 'application/json', options)).json()) as T;
  }

  /** JSON with the status, for routes whose 201 and 202 mean different things. */
  async jsonWithStatus<T>(path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const response = await this.send(path, 'application/json', options);
    return { status: response.status, body: (await response.json()) as T };
  }

  async html(path: string): Promise<string> {
    return (await this.send(path, 'text/html', {})).text();
  }

  /** Saves an API answer as a file (a CSV): the token goes in a header, so the page fetches it and hands the browser a blob. */
  async download(path: string, accept: string, fileName: string): Promise<void> {
    const blob = await (await this.send(path, accept, {})).blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
