/**
 * Hand-written SVG charts for the benchmark's figures: stacked horizontal bars (bundle composition), lines
 * over a logarithmic x axis (search scaling), and distributions on a logarithmic axis (latency per route).
 * Every chart has a title, labelled axes with units, and the numbers it shows written out.
 */
import { quantile } from './stats';

const WIDTH = 860;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#9c755f'];

export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number as a short label: 1234 -> 1,234; 0.0123 -> 0.0123. */
export function label(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}

const text = (x: number, y: number, content: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;

function document(height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    text(WIDTH / 2, 24, title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Powers of ten (and 2x, 5x between them when few) covering [min, max], for a logarithmic axis. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  const decades = Math.log10(max) - Math.log10(min);
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const s of steps) {
      const v = s * 10 ** e;
      if (v >= min / 1.0001 && v <= max * 1.0001) ticks.push(v);
    }
  }
  return ticks;
}

/** Round tick values from 0 to at least max, about five of them. */
export function linearTicks(max: number): number[] {
  if (max <= 0) return [0];
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) ticks.push(Number(v.toPrecision(6)));
  return ticks;
}

export interface StackedBar {
  label: string;
  segments: { name: string; value: number }[];
}

/** Horizontal stacked bars, one per row, the same segment names in the same colours; total at the end. */
export function stackedBarChart(options: { title: string; unit: string; bars: StackedBar[] }): string {
  const names = [...new Set(options.bars.flatMap((b) => b.segments.map((s) => s.name)))];
  const left = 170;
  const plotWidth = WIDTH - left - 90;
  const rowHeight = 28;
  const top = 70;
  const totals = options.bars.map((b) => b.segments.reduce((sum, s) => sum + s.value, 0));
  const ticks = linearTicks(Math.max(...totals, 1));
  const scale = (v: number) => (v / ticks.at(-1)!) * plotWidth;
  const body: string[] = [];
  names.forEach((name, i) => {
    const x = left + (i % 6) * 110;
    const y = 44 + Math.floor(i / 6) * 16;
    body.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${colorOf(i)}"/>`);
    body.push(text(x + 14, y, name));
  });
  const legendRows = Math.ceil(names.length / 6);
  const plotTop = top + (legendRows - 1) * 16;
  const plotBottom = plotTop + options.bars.length * rowHeight;
  for (const tick of ticks) {
    const x = left + scale(tick);
    body.push(`<line x1="${x}" y1="${plotTop - 4}" x2="${x}" y2="${plotBottom}" stroke="#ddd"/>`);
    body.push(text(x, plotBottom + 16, label(tick), 'text-anchor="middle"'));
  }
  body.push(text(left + plotWidth / 2, plotBottom + 34, options.unit, 'text-anchor="middle"'));
  options.bars.forEach((bar, row) => {
    const y = plotTop + row * rowHeight;
    body.push(text(left - 8, y + 15, bar.label, 'text-anchor="end"'));
    let x = left;
    for (const segment of bar.segments) {
      const w = scale(segment.value);
      const color = colorOf(names.indexOf(segment.name));
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${color}">` +
          `<title>${escapeXml(`${bar.label}: ${segment.name} ${label(segment.value)} ${options.unit}`)}</title></rect>`,
      );
      x += w;
    }
    body.push(text(x + 6, y + 15, `${label(totals[row]!)} ${options.unit}`));
  });
  return document(plotBottom + 50, options.title, body);
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

/** Lines over a logarithmic x axis and a linear y axis from 0, each point labelled with its value. */
export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}): string {
  const left = 80;
  const top = 60;
  const plotWidth = WIDTH - left - 180;
  const plotHeight = 300;
  const xs = options.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = options.series.flatMap((s) => s.points.map((p) => p.y));
  const xTicks = logTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = linearTicks(Math.max(...ys, 1));
  const [x0, x1] = [Math.log10(xTicks[0]!), Math.log10(xTicks.at(-1)!)];
  const sx = (x: number) =>
    left + (x1 === x0 ? plotWidth / 2 : ((Math.log10(x) - x0) / (x1 - x0)) * plotWidth);
  const sy = (y: number) => top + plotHeight - (y / yTicks.at(-1)!) * plotHeight;
  const body: string[] = [];
  for (const tick of yTicks) {
    body.push(
      `<line x1="${left}" y1="${sy(tick)}" x2="${left + plotWidth}" y2="${sy(tick)}" stroke="#ddd"/>`,
    );
    body.push(text(left - 6, sy(tick) + 4, label(tick), 'text-anchor="end"'));
  }
  for (const tick of xTicks) {
    body.push(text(sx(tick), top + plotHeight + 16, label(tick), 'text-anchor="middle"'));
  }
  body.push(
    `<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="black"/>`,
    text(left + plotWidth / 2, top + plotHeight + 36, options.xLabel, 'text-anchor="middle"'),
    text(
      18,
      top + plotHeight / 2,
      options.yLabel,
      `text-anchor="middle" transform="rotate(-90 18 ${top + plotHeight / 2})"`,
    ),
  );
  options.series.forEach((series, i) => {
    const color = colorOf(i);
    const path = series.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of series.points) {
      body.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${color}"/>`);
      body.push(text(sx(p.x) + 6, sy(p.y) - 6, label(p.y), `fill="${color}"`));
    }
    body.push(
      `<rect x="${left + plotWidth + 16}" y="${top + i * 18}" width="10" height="10" fill="${color}"/>`,
    );
    body.push(text(left + plotWidth + 30, top + i * 18 + 9, series.name));
  });
  return document(top + plotHeight + 50, options.title, body);
}

export interface Distribution {
  label: string;
  values: number[];
}

/**
 * One row per distribution on a logarithmic axis: every measurement a dot, the p10-p90 range a box, the
 * median a bar with its value written beside the row.
 */
export function distributionChart(options: { title: string; unit: string; rows: Distribution[] }): string {
  const left = 230;
  const top = 50;
  const plotWidth = WIDTH - left - 110;
  const rowHeight = 36;
  const all = options.rows.flatMap((r) => r.values).filter((v) => v > 0);
  const ticks = logTicks(Math.min(...all) * 0.9, Math.max(...all) * 1.1);
  const lo = Math.log10(Math.min(ticks[0]!, Math.min(...all)));
  const hi = Math.log10(Math.max(ticks.at(-1)!, Math.max(...all)));
  const sx = (v: number) => left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1)) * plotWidth;
  const bottom = top + options.rows.length * rowHeight;
  const body: string[] = [];
  for (const tick of ticks) {
    body.push(`<line x1="${sx(tick)}" y1="${top}" x2="${sx(tick)}" y2="${bottom}" stroke="#ddd"/>`);
    body.push(text(sx(tick), bottom + 16, label(tick), 'text-anchor="middle"'));
  }
  body.push(text(left + plotWidth / 2, bottom + 36, `${options.unit} (logarithmic)`, 'text-anchor="middle"'));
  options.rows.forEach((row, i) => {
    const y = top + i * rowHeight + rowHeight / 2;
    const color = colorOf(i);
    body.push(text(left - 8, y + 4, row.label, 'text-anchor="end"'));
    if (row.values.length === 0) return;
    const [p10, p50, p90] = [0.1, 0.5, 0.9].map((q) => quantile(row.values, q)) as [number, number, number];
    body.push(
      `<rect x="${sx(p10).toFixed(1)}" y="${y - 9}" width="${Math.max(1, sx(p90) - sx(p10)).toFixed(1)}" height="18" fill="${color}" fill-opacity="0.25" stroke="${color}"/>`,
    );
    for (const v of row.values) {
      body.push(`<circle cx="${sx(v).toFixed(1)}" cy="${y}" r="2" fill="${color}" fill-opacity="0.6"/>`);
    }
    body.push(
      `<line x1="${sx(p50)}" y1="${y - 12}" x2="${sx(p50)}" y2="${y + 12}" stroke="black" stroke-width="2"/>`,
    );
    body.push(text(left + plotWidth + 8, y + 4, `p50 ${label(p50)} ${options.unit}`));
  });
  return document(bottom + 50, options.title, body);
}
