import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cny } from '../shared/format';
import type { Statement } from '../shared/types';

const HEIGHT = 240;
const UNITS_COLOR = '#0b5cad';
const CNY_COLOR = '#b54708';
const AXIS_FONT = '11px system-ui, sans-serif';

/**
 * The season's months as bars of units (left axis) and a line of CNY (right axis). uPlot is loaded
 * when a chart is first drawn. The canvas is hidden from screen readers: the table beside it has
 * the same figures.
 */
export function UsageChart({ usage }: { usage: Statement['usage'] }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let plot: uPlot | undefined;
    let cancelled = false;
    const resize = new ResizeObserver(() => plot?.setSize({ width: element.clientWidth, height: HEIGHT }));
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const xs = usage.map((_, index) => index);
      const labels = usage.map((month) => String(Number(month.period.slice(5))));
      const options: uPlot.Options = {
        width: element.clientWidth,
        height: HEIGHT,
        scales: {
          x: { time: false, range: [-0.6, usage.length - 0.4] },
          units: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
          cny: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
        },
        axes: [
          {
            splits: () => xs,
            values: (_u, splits) => splits.map((index) => labels[index] ?? ''),
            grid: { show: false },
            size: 28,
            font: AXIS_FONT,
            gap: 4,
          },
          { scale: 'units', size: 44, font: AXIS_FONT, gap: 4 },
          {
            scale: 'cny',
            side: 1,
            size: 48,
            font: AXIS_FONT,
            gap: 4,
            grid: { show: false },
            values: (_u, splits) => splits.map((v) => `¥${v}`),
          },
        ],
        series: [
          { label: '月 Month', value: (_u, index) => (index === null ? '' : (usage[index]?.period ?? '')) },
          {
            label: '用量 Units',
            scale: 'units',
            stroke: UNITS_COLOR,
            fill: 'rgba(11, 92, 173, 0.35)',
            paths: UPlot.paths.bars!({ size: [0.7, 56] }),
            points: { show: false },
            value: (_u, _raw, _series, index) => (index === null ? '' : (usage[index]?.units ?? '')),
          },
          {
            label: '金额 CNY',
            scale: 'cny',
            stroke: CNY_COLOR,
            width: 2,
            points: { show: true, size: 7, fill: CNY_COLOR },
            value: (_u, _raw, _series, index) => (index === null ? '' : cny(usage[index]?.amountFen ?? 0)),
          },
        ],
        legend: { show: false },
      };
      // Plotting only: units and yuan as numbers for the canvas; the figures shown are the API's strings.
      const data: uPlot.AlignedData = [xs, usage.map((month) => Number(month.units)), usage.map((month) => month.amountFen / 100)];
      plot = new UPlot(options, data, element);
      resize.observe(element);
    });
    return () => {
      cancelled = true;
      resize.disconnect();
      plot?.destroy();
    };
  }, [usage]);

  return (
    <figure class='chart-figure'>
      <div ref={container} class='chart' aria-hidden='true' data-testid='usage-chart' />
      <figcaption class='chart-legend'>
        <span><i class='swatch units' /> 用量（字，左轴）<span class='en' lang='en'>units, left axis</span></span>
        <span><i class='swatch cny' /> 金额（元，右轴）<span class='en' lang='en'>CNY, right axis</span></span>
        <span class='muted'>横轴为月份 <span class='en' lang='en'>months along the bottom</span></span>
      </figcaption>
    </figure>
  );
}
