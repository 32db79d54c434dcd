import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { hasRoute } from './features';
import type { Page } from './types';

/** A list route read a page at a time: the items so far, `more` while there is a next page. */
export function usePages<T>(api: Api, pathFor: (cursor: string | null) => string) {
  const [items, setItems] = useState<T[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();

  async function fetchPage(after: string | null) {
    setError(undefined);
    try {
      const page = await api.json<Page<T>>(pathFor(after));
      setItems((previous) => [...(after ? (previous ?? []) : []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    }
  }

  return { items, error, reload: () => fetchPage(null), more: cursor ? () => fetchPage(cursor) : undefined };
}

/**
 * GET of a route this server may not have (see features.ts): `data` stays undefined, with no
 * request made, while the server's OpenAPI document does not list `route`.
 */
export function useOptionalGet<T>(api: Api, route: string, path: string) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    hasRoute('get', route)
      .then((offered) => (offered ? api.json<T>(path) : undefined))
      .then((found) => live && setData(found))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [route, path]);
  return { data, error };
}
