import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../shared/api';
import { localTime } from '../shared/format';
import { useOptionalGet } from '../shared/hooks';
import { Bi, ErrorNote, Section, TableHead, type Column } from '../shared/ui';

/* The provider's webhook endpoints and each one's recent delivery attempts (SPEC §9, GET /v1/webhooks…). */

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  disabled: boolean;
  createdAt: string;
}

interface Delivery {
  id: number;
  eventType: string;
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  outcome: 'delivered' | 'retrying' | 'gave_up' | 'gone';
  at: string;
}

const OUTCOME: Record<Delivery['outcome'], [string, string, string]> = {
  delivered: ['已送达', 'Delivered', 'paid'],
  retrying: ['将重试', 'Retrying', 'issued'],
  gave_up: ['已放弃', 'Gave up', 'overdue'],
  gone: ['端点已停用', 'Gone (410)', 'void'],
};

const ENDPOINT_COLUMNS: Column[] = [['地址', 'URL'], ['事件', 'Events'], ['状态', 'State'], ['投递', 'Deliveries']];
const DELIVERY_COLUMNS: Column[] = [
  ['时间 (UTC)', 'At (UTC)'], ['事件', 'Event'], ['次', 'Try', 'n'], ['结果', 'Outcome'], ['响应码', 'Code', 'n'], ['耗时', 'ms', 'n'],
];

/** How many of an endpoint's attempts the page shows (the API answers the last 200). */
const SHOWN = 20;

export function WebhookPanel({ api }: { api: Api }) {
  const endpoints = useOptionalGet<{ items: Endpoint[] }>(api, '/v1/webhooks', '/v1/webhooks');
  const [open, setOpen] = useState<Endpoint>();
  if (!endpoints.data && !endpoints.error) return null;
  const items = endpoints.data?.items ?? [];
  return (
    <Section id='webhooks' zh='推送端点' en='Webhooks'>
      <ErrorNote error={endpoints.error} />
      {endpoints.data && items.length === 0 && (
        <p class='muted' role='status'><Bi zh='还没有推送端点。' en='No webhook endpoint yet.' /></p>
      )}
      {items.length > 0 && (
        <div class='table-scroll'>
          <table data-testid='webhook-endpoints'>
            <TableHead columns={ENDPOINT_COLUMNS} />
            <tbody>
              {items.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td class='nowrap'><code>{endpoint.url}</code></td>
                  <td>{endpoint.events.join(', ')}</td>
                  <td>{endpoint.disabled ? <Bi zh='已停用' en='Disabled' /> : <Bi zh='启用' en='Active' />}</td>
                  <td>
                    <button type='button' class='link' aria-pressed={open?.id === endpoint.id} onClick={() => setOpen(endpoint)}>
                      <Bi zh='查看' en='Show' />
                      <span class='sr-only'> {endpoint.url}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <Deliveries key={open.id} api={api} endpoint={open} />}
    </Section>
  );
}

function Deliveries({ api, endpoint }: { api: Api; endpoint: Endpoint }) {
  const [items, setItems] = useState<Delivery[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    api.json<{ items: Delivery[] }>(`/v1/webhooks/${endpoint.id}/deliveries`).then(
      (page) => live && setItems(page.items.slice(0, SHOWN)),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, endpoint.id]);
  return (
    <>
      <h3><Bi zh='最近投递' en='Recent deliveries' /> <code>{endpoint.url}</code></h3>
      <ErrorNote error={error} />
      {items && items.length === 0 && <p class='muted' role='status'><Bi zh='还没有投递。' en='No delivery yet.' /></p>}
      {items && items.length > 0 && (
        <div class='table-scroll'>
          <table data-testid='webhook-deliveries'>
            <TableHead columns={DELIVERY_COLUMNS} />
            <tbody>
              {items.map((d) => {
                const [zh, en, badge] = OUTCOME[d.outcome];
                return (
                  <tr key={d.id}>
                    <td class='nowrap'>{localTime(d.at)}</td>
                    <td class='nowrap'>{d.eventType}</td>
                    <td class='n'>{d.attempt}</td>
                    <td>
                      <span class={`badge badge-${badge}`} title={d.error ?? undefined}><Bi zh={zh} en={en} /></span>
                    </td>
                    <td class='n'>{d.statusCode ?? '—'}</td>
                    <td class='n'>{d.durationMs}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
