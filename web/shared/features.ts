/**
 * Which routes this server offers, read from its own OpenAPI document (public, no token), so a page
 * never calls a route the server does not have: sections for newer routes stay hidden, with no
 * failed request, on a server that lacks them.
 */
let paths: Promise<Record<string, Record<string, unknown>>> | undefined;

export async function hasRoute(method: 'get' | 'post', path: string): Promise<boolean> {
  paths ??= fetch('/openapi.json', { headers: { accept: 'application/json' } })
    .then((response) => (response.ok ? response.json() : { paths: {} }))
    .then((document: { paths?: Record<string, Record<string, unknown>> }) => document.paths ?? {})
    .catch(() => ({}));
  return (await paths)[path]?.[method] !== undefined;
}
