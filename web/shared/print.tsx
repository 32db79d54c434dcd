import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { Bi, ErrorNote, Loading } from './ui';

/**
 * The printable pages of the API (an invoice, a payment notice), each at a stable URL of the page
 * that links to it: /app/?invoice=<id>, /console/?invoice=<id>. The API wants the bearer token in a
 * header, so the address is the page's own: opened signed out (a bookmark, a shared link) it asks
 * for the token first, then fetches the HTML and shows it in place of the page.
 */
const PRINTABLE = {
  invoice: (id: string) => `/v1/invoices/${id}`,
  notice: (accountId: string) => `/v1/accounts/${accountId}/notice`,
} as const;

export type PrintKind = keyof typeof PRINTABLE;

export interface PrintRequest {
  kind: PrintKind;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The print view's address on this page: a link to open it in a new tab, to bookmark or to share. */
export function printHref(kind: PrintKind, id: string): string {
  return `${window.location.pathname}?${kind}=${encodeURIComponent(id)}`;
}

/** The print view this page's URL asks for, if any (an id that is not a UUID is no request). */
export function printRequest(search: string = window.location.search): PrintRequest | undefined {
  const params = new URLSearchParams(search);
  for (const kind of Object.keys(PRINTABLE) as PrintKind[]) {
    const id = params.get(kind);
    if (id !== null && UUID.test(id)) return { kind, id };
  }
  return undefined;
}

/** Puts the API's HTML document in place of the page's (its title, its style, its main landmark). */
function showDocument(html: string): void {
  const next = new DOMParser().parseFromString(html, 'text/html');
  const adopt = (parent: Node) => Array.from(parent.childNodes, (node) => document.importNode(node, true));
  document.documentElement.lang = next.documentElement.lang || document.documentElement.lang;
  document.head.replaceChildren(...adopt(next.head));
  document.body.replaceChildren(...adopt(next.body));
}

/** Loads a print view with the signed-in token and shows it; a 404 or a network failure is said in words. */
export function PrintView({ api, request }: { api: Api; request: PrintRequest }) {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.html(PRINTABLE[request.kind](request.id)).then(showDocument, setError);
  }, [api, request.kind, request.id]);
  return (
    <main id='main'>
      {error === undefined ? <Loading /> : <ErrorNote error={error} />}
      {error !== undefined && (
        <p>
          <a href={window.location.pathname}><Bi zh='返回' en='Back' /></a>
        </p>
      )}
    </main>
  );
}

/**
 * A link to a print view (to copy, bookmark or share) that a click opens in a new tab. The tab is
 * opened by script, with an opener: such a tab starts with a copy of this tab's sessionStorage, so
 * it is signed in already (a target=_blank link is noopener and would ask for the token again).
 */
export function PrintLink({ kind, id, zh, en, label }: { kind: PrintKind; id: string; zh: string; en: string; label?: string }) {
  const href = printHref(kind, id);
  const open = (event: MouseEvent) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (!window.open(href, '_blank')) window.location.assign(href);
  };
  return (
    <a href={href} onClick={open}>
      <Bi zh={zh} en={en} />
      {label && <span class='sr-only'> {label}</span>}
    </a>
  );
}
