import type { ComponentChildren } from 'preact';
import { ApiError } from './api';
import { errorWords, statusZh } from './errors';
import { cny } from './format';
import type { FieldError, InvoiceStatus } from './types';

/** Chinese first, English beside it (as the invoice print view writes it). */
export function Bi({ zh, en }: { zh: string; en: string }) {
  return (
    <>
      {zh} <span class='en' lang='en'>{en}</span>
    </>
  );
}

export function Section({ id, zh, en, children }: { id: string; zh: string; en: string; children: ComponentChildren }) {
  return (
    <section class='card' aria-labelledby={`${id}-title`} id={id}>
      <h2 id={`${id}-title`}>
        <Bi zh={zh} en={en} />
      </h2>
      {children}
    </section>
  );
}

export function Money({ fen }: { fen: number }) {
  return <span class={fen < 0 ? 'money credit' : 'money'}>{cny(fen)}</span>;
}

const STATUS: Record<InvoiceStatus, [string, string]> = {
  issued: ['待付款', 'Issued'],
  partially_paid: ['部分付款', 'Partly paid'],
  paid: ['已付清', 'Paid'],
  void: ['已作废', 'Void'],
};

export function StatusBadge({ status, overdue }: { status: InvoiceStatus; overdue?: boolean | undefined }) {
  const [zh, en] = overdue ? ['逾期', 'Overdue'] : (STATUS[status] ?? [status, status]);
  return (
    <span class={`badge badge-${overdue ? 'overdue' : status}`}>
      <Bi zh={zh} en={en} />
    </span>
  );
}

/** What went wrong, in words: the API's status in Chinese and its problem detail, or the network failure. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${statusZh(error.status)} · ${error.message}`;
  if (error instanceof TypeError) return '无法连接服务器 Cannot reach the server';
  return error instanceof Error ? error.message : String(error);
}

/** A field error's reason: 中文 and English for its code, the server's message as the detail (alone for an unknown code). */
export function Reason({ error }: { error: FieldError }) {
  const { words, detail } = errorWords(error);
  if (!words) return <span lang='en'>{detail}</span>;
  return (
    <>
      <Bi zh={words[0]} en={words[1]} />
      <br />
      <small class='muted' lang='en'>{detail}</small>
    </>
  );
}

/** An error, and each invalid field the API named with its reason. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const fields = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  return (
    <div role='alert'>
      <p class='error'>{describeError(error)}</p>
      {fields.length > 0 && (
        <ul class='field-errors'>
          {fields.map((field, index) => (
            <li key={index}>
              <code>{field.path}</code> <Reason error={field} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading() {
  return (
    <p class='muted' role='status'>
      <Bi zh='加载中…' en='Loading…' />
    </p>
  );
}

/** The next page of a list, while there is one. */
export function MoreButton({ more }: { more: (() => Promise<void>) | undefined }) {
  if (!more) return null;
  return (
    <div class='actions'>
      <button type='button' onClick={() => { void more(); }}>
        <Bi zh='更多' en='More' />
      </button>
    </div>
  );
}

/** A page's top bar: its title and the sign-out button, after a skip link to the content. */
export function TopBar({ zh, en, onSignOut }: { zh: string; en: string; onSignOut: () => void }) {
  return (
    <>
      <a class='skip' href='#main'>跳到内容 Skip to content</a>
      <header class='topbar'>
        <h1>
          <Bi zh={zh} en={en} />
        </h1>
        <button type='button' onClick={onSignOut}>
          <Bi zh='退出' en='Sign out' />
        </button>
      </header>
    </>
  );
}

/** A column: Chinese, English, and whether it holds figures (right-aligned). */
export type Column = [zh: string, en: string, numeric?: 'n'];

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map(([zh, en, numeric]) => (
          <th scope='col' class={numeric} key={en}>
            <Bi zh={zh} en={en} />
          </th>
        ))}
      </tr>
    </thead>
  );
}
