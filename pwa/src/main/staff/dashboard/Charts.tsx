// The dashboard's charts, drawn with uPlot (one small chart library). This module is imported only by the dashboard,
// and only when it has figures to draw (import('./Charts')), so no other screen downloads the library.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  label: string;
  values: (number | null)[];
  colour: string;
  dash?: number[];
}

function useWidth(ref: { current: HTMLElement | null }, draw: (width: number) => () => void, deps: unknown[]) {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let dispose = draw(Math.max(200, el.clientWidth));
    let last = el.clientWidth;
    const observer = new ResizeObserver(() => {
      if (Math.abs(el.clientWidth - last) < 8) return;
      last = el.clientWidth;
      dispose();
      dispose = draw(Math.max(200, el.clientWidth));
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}

/** Month by month lines (this year and the year before), labels under the x axis. */
export function TrendChart({ labels, series, format, testid, xLabel }: { xLabel: string; labels: string[]; series: LineSeries[]; format: (v: number) => string; testid: string }) {
  const box = useRef<HTMLDivElement>(null);
  useWidth(
    box,
    (width) => {
      const xs = labels.map((_, i) => i);
      const plot = new uPlot(
        {
          width,
          height: 200,
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false } },
          axes: [
            { values: (_u, ticks) => ticks.map((i) => labels[Math.round(i)] ?? ''), space: 48 },
            { values: (_u, ticks) => ticks.map((v) => format(v)), size: 64 },
          ],
          series: [
            { label: xLabel, value: (_u: uPlot, i: number | null) => (i == null ? '—' : (labels[i] ?? '')) },
            ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, dash: s.dash, spanGaps: true, value: (_u: uPlot, v: number | null) => (v == null ? '—' : format(v)) })),
          ],
        },
        [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
        box.current!,
      );
      return () => plot.destroy();
    },
    [JSON.stringify(labels), JSON.stringify(series)],
  );
  return <div class="dash-chart" ref={box} data-testid={testid} />;
}

/** One bar per row (a technician, a site, an advisor). */
export function BarChart({ labels, values, format, colour, testid }: { labels: string[]; values: (number | null)[]; format: (v: number) => string; colour: string; testid: string }) {
  const box = useRef<HTMLDivElement>(null);
  useWidth(
    box,
    (width) => {
      const xs = labels.map((_, i) => i);
      const bars = uPlot.paths.bars!({ size: [0.6, 64] });
      const plot = new uPlot(
        {
          width,
          height: 200,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
          axes: [
            { values: (_u, ticks) => ticks.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), space: 24, incrs: [1] },
            { values: (_u, ticks) => ticks.map((v) => format(v)), size: 64 },
          ],
          series: [{}, { stroke: colour, fill: colour, paths: bars, points: { show: false } }],
        },
        [xs, values] as uPlot.AlignedData,
        box.current!,
      );
      return () => plot.destroy();
    },
    [JSON.stringify(labels), JSON.stringify(values)],
  );
  return <div class="dash-chart" ref={box} data-testid={testid} />;
}
