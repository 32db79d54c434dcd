import t from 'tap';
import { builtPage } from './build.js';

/** SPEC §10 / README: the resident page, on a phone, loads under 100 KB of gzipped JavaScript. */
const RESIDENT_BUDGET_BYTES = 100 * 1024;

t.test('the resident page\'s JavaScript stays under 100 KB gzipped', async (t) => {
  const resident = builtPage('app');
  const operator = builtPage('console');
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const figures = (page: typeof resident) =>
    `${kb(page.gzipBytes)} KB gzipped (${kb(page.rawBytes)} KB raw) in ${page.scripts.length} files`;
  t.comment(`/app/ JavaScript: ${figures(resident)}`);
  t.comment(`/console/ JavaScript: ${figures(operator)}`);
  t.ok(resident.scripts.some((script) => /uPlot/i.test(script)), 'the chart library is counted');
  t.ok(resident.gzipBytes < RESIDENT_BUDGET_BYTES, `${kb(resident.gzipBytes)} KB < ${kb(RESIDENT_BUDGET_BYTES)} KB`);
});
