import { useState } from 'preact/hooks';
import { ApiError, type Api } from '../shared/api';
import type { Problem } from '../shared/types';
import { importSummaryZh } from '../shared/errors';
import { Bi, ErrorNote, Reason, Section, TableHead } from '../shared/ui';

/** "line 7: value" → line 7, field value (how the API names CSV rows; the header is line 1). */
function splitPath(path: string): { line: string; field: string } {
  const match = /^line (\d+)(?::\s*(.*))?$/.exec(path);
  return match ? { line: match[1]!, field: match[2] ?? '' } : { line: '', field: path };
}

function RowErrors({ problem }: { problem: Problem }) {
  const errors = problem.errors ?? [];
  return (
    <div role='alert'>
      <p class='error' data-testid='import-summary'>
        <Bi zh={importSummaryZh(problem)} en={problem.detail ?? problem.title} />
      </p>
      {errors.length > 0 && (
        <div class='table-scroll'>
          <table data-testid='import-errors'>
            <caption><Bi zh='未保存任何读数，请修正以下各行后重新上传。' en='Nothing was stored: fix these rows and upload again.' /></caption>
            <TableHead columns={[['行', 'Line', 'n'], ['字段', 'Field'], ['原因', 'Reason']]} />
            <tbody>
              {errors.map((error, index) => {
                const { line, field } = splitPath(error.path);
                return (
                  <tr key={index}>
                    <td class='n'>{line}</td>
                    <td>{field}</td>
                    <td><Reason error={error} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {problem.errorsOmitted
        ? (
          <p class='muted'>
            <Bi
              zh={`还有错误未列出（至少 ${problem.errorsOmitted} 处）；之后的行未检查。修正上面的行后再上传。`}
              en={
                `More errors not listed (at least ${problem.errorsOmitted}); the rows after them were not checked. ` +
                'Fix the rows above and upload again.'
              }
            />
          </p>
          )
        : null}
    </div>
  );
}

/** CSV upload of readings (header meterSerial,readAt,value[,source]): all or nothing, every bad row listed. */
export function ReadingImport({ api }: { api: Api }) {
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ accepted: number; duplicates: number }>();
  const [failure, setFailure] = useState<unknown>();

  async function upload(event: Event) {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setResult(undefined);
    setFailure(undefined);
    try {
      setResult(await api.json('/v1/readings/import', { method: 'POST', body: file, contentType: 'text/csv' }));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const problem = failure instanceof ApiError ? failure.problem : undefined;
  return (
    <Section id='import' zh='导入抄表读数' en='Import meter readings'>
      <form onSubmit={upload}>
        <label for='readings-file'><Bi zh='CSV 文件' en='CSV file' /></label>
        <input
          id='readings-file'
          type='file'
          accept='.csv,text/csv'
          aria-describedby='readings-format'
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
        />
        <p id='readings-format' class='muted'>
          <Bi zh='表头' en='Header' /> <code>meterSerial,readAt,value[,source]</code>
        </p>
        <div class='actions'>
          <button type='submit' class='primary' disabled={!file || busy}>
            <Bi zh='上传' en='Upload' />
          </button>
        </div>
      </form>
      <div aria-live='polite'>
        {result && (
          <p class='ok' data-testid='import-result'>
            <Bi
              zh={`已保存 ${result.accepted} 条读数，重复 ${result.duplicates} 条。`}
              en={`${result.accepted} stored, ${result.duplicates} duplicates skipped.`}
            />
          </p>
        )}
      </div>
      {problem && <RowErrors problem={problem} />}
      {!problem && <ErrorNote error={failure} />}
    </Section>
  );
}
