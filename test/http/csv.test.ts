import t from 'tap';
import { parse } from 'csv-parse/sync';
import { csvChunks, csvLine, neutraliseCell } from '../../src/http/csv.js';
import { testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';

t.test('a cell that would start a formula gets a leading quote; numbers stay numbers', async (t) => {
  for (const cell of ['=1+2', '=HYPERLINK("http://x","y")', '+1+cmd|/c calc', '-2+3', '-', '@SUM(A1)', '\t=1', '\r=1', '+', '=']) {
    t.equal(neutraliseCell(cell), `'${cell}`, JSON.stringify(cell));
  }
  for (const cell of ['-123.45', '-400', '0', '+12', '1500.5', '王芳', 'a=b', '1-2-301', '', "'=already"]) {
    t.equal(neutraliseCell(cell), cell, JSON.stringify(cell));
  }
  t.equal(neutraliseCell(-1_000), -1_000);
  t.equal(neutraliseCell(null), '');
  t.equal(neutraliseCell(undefined), '');
});

t.test('lines are RFC 4180: quoted when they must be, parsed back to the same cells', async (t) => {
  const cells = ['plain', 'a,b', 'say "hi"', 'two\nlines', '=cmd', -12.5, '-7', null, '王芳'];
  t.equal(csvLine(cells), 'plain,"a,b","say ""hi""","two\nlines",\'=cmd,-12.5,-7,,王芳\n');
  const columns = ['a', 'b'] as const;
  const rows = Array.from({ length: 2500 }, (_, i) => ({ a: `r${i}`, b: i % 2 ? '@x' : -i }));
  const chunks = [...csvChunks(columns, rows)];
  t.equal(chunks.length, 3, 'a chunk per thousand rows');
  const parsed = parse(chunks.join(''), { columns: true }) as Array<Record<string, string>>;
  t.equal(parsed.length, 2500);
  t.same(parsed[1], { a: 'r1', b: "'@x" });
  t.same(parsed[2], { a: 'r2', b: '-2' });
  t.same(parse(csvLine(cells)), [['plain', 'a,b', 'say "hi"', 'two\nlines', "'=cmd", '-12.5', '-7', '', '王芳']]);
});

t.test('the CSVs the API writes neutralise what people typed and keep negative amounts', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  await insertDefaultSeason(db, alpha.compound.id);
  const evil = await insertHome(db, alpha.compound.id, { holderName: '=HYPERLINK("http://evil","x")', phone: null });
  await db.updateTable('households').set({ building: '+1', unit: '@2', room: '-3' }).where('id', '=', evil.householdId).execute();
  await insertInvoice(db, {
    compoundId: alpha.compound.id,
    accountId: evil.accountId,
    householdId: evil.householdId,
    period: '2025-12',
    issuedOn: '2025-12-26',
    dueOn: '2026-01-10',
    lines: [...meteredLines('100', 3_300), { kind: 'adjustment', amountFen: -1_300 }],
  });
  const csvHeaders = { ...alpha.headers, accept: 'text/csv' };
  const arrears = await app.inject({ url: '/v1/compounds/alpha/arrears?asOf=2026-02-01', headers: csvHeaders });
  t.equal(arrears.statusCode, 200);
  const rows = parse(arrears.body, { columns: true }) as Array<Record<string, string>>;
  // The mask keeps the first character, here the `=`.
  t.match(rows[0], { home: "'+1-@2--3", holderName: `'=${'*'.repeat(27)}`, overdueFen: '2000' });
  for (const row of rows) for (const cell of Object.values(row)) t.notMatch(cell, /^[=+@]/, `no formula in ${cell}`);

  const report = await app.inject({ url: '/v1/compounds/alpha/reports/2025-12', headers: csvHeaders });
  t.equal(report.statusCode, 200);
  const reportRows = parse(report.body, { columns: true }) as Array<Record<string, string>>;
  t.match(reportRows[0], { plan: 'metered', adjustmentsFen: '-1300', netBilledFen: '2000' }, 'negative amounts stay numbers');
});
