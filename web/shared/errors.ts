/** One invalid field of a problem (SPEC §7): `code` is stable, `message` English. */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

/** What a summary reads of a problem (web/shared/types.ts Problem). */
interface Rejected {
  status: number;
  errors?: FieldError[];
  errorsOmitted?: number;
}

/** Chinese, then English. */
export type Words = readonly [zh: string, en: string];

/**
 * 中文 and English for each stable `code` of a problem's field errors (SPEC §7): the schema
 * keywords (src/http/error-handler.ts), the strict-input checks (src/http/strict-input.ts), the
 * reading import's row and set-wise checks (src/readings). The one table the pages use;
 * test/web/errors.test.ts fails when the server emits a code that is missing here.
 */
export const ERROR_CODES: Readonly<Record<string, Words>> = {
  required: ['必填', 'Required'],
  unknown_field: ['不是已知字段', 'Not a known field'],
  wrong_type: ['类型不对', 'Wrong type'],
  out_of_range: ['超出允许范围', 'Out of range'],
  too_short: ['太短', 'Too short'],
  too_long: ['太长', 'Too long'],
  format: ['格式不对', 'Wrong format'],
  not_allowed: ['不是允许的取值', 'Not an allowed value'],
  blank: ['不能为空白', 'Must not be blank'],
  invalid: ['无效', 'Invalid'],
  nul_character: ['含有 NUL 字符', 'Contains a NUL character'],
  lone_surrogate: ['含有残缺的 Unicode 字符', 'Contains malformed Unicode'],
  too_deep: ['嵌套层级过深', 'Nested too deeply'],
  encoding: ['不是有效的 UTF-8 编码', 'Not valid UTF-8'],
  empty: ['没有读数', 'No readings'],
  column_count: ['列数与表头不一致', 'Wrong number of columns'],
  csv_header: ['表头应为 meterSerial,readAt,value[,source]', 'The header must be meterSerial,readAt,value[,source]'],
  csv_quoting: ['引号用法有误', 'Bad quoting'],
  csv_malformed: ['不是有效的 CSV', 'Not valid CSV'],
  unknown_meter: ['未知的表号', 'Unknown meter'],
  not_monotonic: ['读数不能倒退', 'A meter reading must not go down'],
  conflict: ['同一表同一时刻已有另一读数', 'Another value for the same meter and time'],
  in_future: ['时间在将来', 'In the future'],
  out_of_service: ['不在该表的使用期内（安装前或拆除后）', "Outside the meter's service (before installation or after removal)"],
};

/**
 * What to show for a field error: the table's words for its code, with the server's message
 * (which names the values: the meter, the earlier reading) as the detail; for a code the table does
 * not know, or no code, the server's English message alone.
 */
export function errorWords(error: FieldError): { words?: Words; detail: string } {
  const words = error.code !== undefined && Object.hasOwn(ERROR_CODES, error.code) ? ERROR_CODES[error.code] : undefined;
  return words ? { words, detail: error.message } : { detail: error.message };
}

const STATUS: Readonly<Record<number, string>> = {
  400: '请求有误',
  401: '令牌无效或已撤销',
  403: '无权操作',
  404: '未找到',
  408: '请求超时',
  409: '与其他数据冲突',
  413: '内容太大',
  415: '内容类型不对',
  422: '内容有误',
  429: '请求太频繁，请稍后再试',
  500: '服务器出错',
  503: '服务暂不可用，请稍后再试',
};

/** The status of an API answer in Chinese, beside the server's English detail. */
export function statusZh(status: number): string {
  return STATUS[status] ?? `请求失败（${status}）`;
}

/**
 * The Chinese summary of a rejected reading import (the English is the server's detail): how many
 * errors in how many rows, from the listed errors; CSV rows are "line N: field", JSON rows "readings[N].field".
 */
export function importSummaryZh(problem: Rejected): string {
  const errors = problem.errors ?? [];
  const rows = new Set(errors.map((e) => /^(line \d+|readings\[\d+\])/.exec(e.path)?.[1] ?? e.path)).size;
  const omitted = problem.errorsOmitted ?? 0;
  const count = omitted > 0 ? `至少 ${errors.length + omitted} 处错误` : `${errors.length} 处错误`;
  if (problem.status === 409) return `${errors.length} 条读数与同一表同一时刻的另一读数冲突，未保存任何读数。`;
  if (errors.length === 0) return `${statusZh(problem.status)}，未保存任何读数。`;
  return `${count}，涉及 ${rows}${omitted > 0 ? '+' : ''} 行，未保存任何读数。`;
}
