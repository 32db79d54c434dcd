import { useState } from 'preact/hooks';
import type { Api } from './api';

/**
 * Opens a printable page of the API (an invoice, a payment notice) in a new tab. The API wants the
 * bearer token in a header, so the page fetches the HTML and shows it from a blob: URL; the tab is
 * opened at the click, before the fetch, so no popup blocker stops it.
 */
export async function openPrintable(load: () => Promise<string>): Promise<void> {
  const tab = window.open('', '_blank');
  try {
    const html = await load();
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    if (tab) tab.location.href = url;
    else window.location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    tab?.close();
    throw error;
  }
}

/** Opens an API path's printable HTML in a new tab; `error` says why it could not. */
export function usePrintable(api: Api) {
  const [error, setError] = useState<unknown>();
  const open = (path: string) => {
    setError(undefined);
    openPrintable(() => api.html(path)).catch(setError);
  };
  return { open, error };
}
