import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { ERROR_CODES, errorWords, importSummaryZh, statusZh } from '../../web/shared/errors.js';

/** Every .ts file under src/. */
function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * The codes the server writes into field errors, read from its source: `code: '…'` literals, the
 * schema keywords' table and the reading import's set-wise codes (codeOf).
 */
function serverCodes(): Set<string> {
  const codes = new Set<string>();
  const texts = sources().map((file) => readFileSync(file, 'utf8'));
  // A code kept in a named constant (core/register.ts: NOT_MONOTONIC = 'not_monotonic'), written as `code: NAME`.
  const constants = new Map<string, string>();
  for (const text of texts) for (const match of text.matchAll(/\bconst ([A-Z_]+) = '([a-z_]+)'/g)) constants.set(match[1]!, match[2]!);
  for (const text of texts) {
    for (const match of text.matchAll(/\bcode: '([a-z_]+)'/g)) codes.add(match[1]!);
    for (const match of text.matchAll(/\bcode: ([A-Z_]+)\b/g)) if (constants.has(match[1]!)) codes.add(constants.get(match[1]!)!);
    const keywords = /const KEYWORD_CODES[^{]*\{([^}]*)\}/.exec(text);
    for (const match of keywords?.[1]?.matchAll(/: '([a-z_]+)'/g) ?? []) codes.add(match[1]!);
    const codeOf = /function codeOf\([\s\S]*?\n\}/.exec(text);
    for (const match of codeOf?.[0]?.matchAll(/return '([a-z_]+)'/g) ?? []) codes.add(match[1]!);
  }
  return codes;
}

t.test('the pages have 中文 and English for every code the server writes', async (t) => {
  const codes = serverCodes();
  t.ok(codes.size >= 15, `the scan finds the server's codes (${[...codes].join(', ')})`);
  const expectedCodes = [
    'required', 'unknown_field', 'wrong_type', 'out_of_range', 'column_count', 'not_monotonic', 'out_of_service', 'csv_quoting',
  ];
  for (const expected of expectedCodes) {
    t.ok(codes.has(expected), `the scan sees ${expected}`);
  }
  const missing = [...codes].filter((code) => !(code in ERROR_CODES));
  t.same(missing, [], 'no code without words in web/shared/errors.ts');
  for (const [code, [zh, en]] of Object.entries(ERROR_CODES)) {
    t.match(zh, /[\u4e00-\u9fff]/, `${code}: Chinese`);
    t.match(en, /^[A-Z][A-Za-z0-9 ,'()[\]-]+$/, `${code}: English`);
  }
});

t.test("a field error's words: the table's for a known code, the server's message otherwise", async (t) => {
  t.same(errorWords({ path: 'line 3: meterSerial', message: 'unknown meter "X-1…"', code: 'unknown_meter' }), {
    words: ['未知的表号', 'Unknown meter'],
    detail: 'unknown meter "X-1…"',
  });
  t.same(errorWords({ path: 'body.x', message: 'must be shiny', code: 'not_shiny' }), { detail: 'must be shiny' }, 'an unknown code');
  t.same(errorWords({ path: 'line 2', message: 'bad quoting' }), { detail: 'bad quoting' }, 'no code (an older server)');
  t.same(errorWords({ path: 'x', message: 'm', code: 'toString' }), { detail: 'm' }, 'not a property of every object');
});

t.test("a rejected import's summary in Chinese, and each status", async (t) => {
  const problem = {
    status: 422,
    errors: [
      { path: 'line 2: value', message: 'm', code: 'not_monotonic' },
      { path: 'line 2: readAt', message: 'm', code: 'in_future' },
      { path: 'line 4: columns', message: 'm', code: 'column_count' },
      { path: 'line 6: meterSerial', message: 'm', code: 'unknown_meter' },
    ],
  };
  t.equal(importSummaryZh(problem), '4 处错误，涉及 3 行，未保存任何读数。');
  t.equal(importSummaryZh({ ...problem, errorsOmitted: 10 }), '至少 14 处错误，涉及 3+ 行，未保存任何读数。');
  t.equal(importSummaryZh({ ...problem, status: 409, errors: problem.errors.slice(0, 2) }), '2 条读数与同一表同一时刻的另一读数冲突，未保存任何读数。');
  t.equal(importSummaryZh({ status: 413 }), '内容太大，未保存任何读数。');
  t.equal(statusZh(404), '未找到');
  t.equal(statusZh(418), '请求失败（418）');
});
