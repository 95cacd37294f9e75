// Line charts in SVG: time on x (the last minutes, now at the right), one line per series,
// gaps where a sample had no value; and sparklines for table cells.

import { h } from './dom.js';

const COLORS = ['#2f6fed', '#d9480f', '#2b8a3e', '#9c36b5', '#0b7285', '#e67700', '#5c7cfa', '#c2255c'];

export function color(index) {
  return COLORS[index % COLORS.length];
}

// A round upper bound for the y axis: 1, 2, 5, 10, 20, 50, ...
function ceiling(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function label(value) {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(value < 10 && value % 1 ? 1 : 0));
}

// How far back a tick is: `30 s`, `5 min`.
export function ago(ms) {
  return ms < 120000 ? `${Math.round(ms / 1000)} s` : `${+(ms / 60000).toFixed(1)} min`;
}

// Points of one series as polyline segments, split where values are missing.
function segments(t, values, x, y) {
  const parts = [];
  let current = [];
  values.forEach((value, i) => {
    if (value === null || value === undefined) {
      if (current.length) parts.push(current);
      current = [];
    } else {
      current.push(`${x(t[i]).toFixed(1)},${y(value).toFixed(1)}`);
    }
  });
  if (current.length) parts.push(current);
  return parts;
}

// series: [{ name, values, color? }] aligned with t (ms since the epoch); color is an index
// into the palette (the series' own index by default), so one group keeps one colour.
// width and height are pixels: the chart is drawn at its size, so its text stays readable.
export function lineChart({ t, series, windowMs, now, width = 800, height = 160, title }) {
  const pad = { left: 46, right: 12, top: 12, bottom: 24 };
  const end = now ?? (t.length ? t[t.length - 1] : Date.now());
  const start = end - windowMs;
  const max = ceiling(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null))));
  const x = (ms) => pad.left + ((ms - start) / windowMs) * (width - pad.left - pad.right);
  const y = (v) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const grid = [0, max / 2, max].map((v) => h('g', {},
    h('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid-line' }),
    h('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, label(v))));
  const ticks = [0, 0.5, 1].map((share) => h('text', {
    x: pad.left + share * (width - pad.left - pad.right),
    y: height - 6,
    'text-anchor': share === 0 ? 'start' : share === 1 ? 'end' : 'middle',
    class: 'axis',
  }, share === 1 ? 'now' : `−${ago(windowMs * (1 - share))}`));
  const lines = series.map((s, index) => segments(t, s.values, x, y).map((points) => points.length === 1
    ? h('circle', { cx: points[0].split(',')[0], cy: points[0].split(',')[1], r: 2.5, fill: color(s.color ?? index) })
    : h('polyline', { points: points.join(' '), fill: 'none', stroke: color(s.color ?? index), 'stroke-width': 2, 'stroke-linejoin': 'round', dataset: { series: s.name } })));
  return h('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: 'chart',
    role: 'img',
    'aria-label': title,
    dataset: { points: t.length, max },
  }, h('title', {}, title), grid, ticks, lines);
}

// A legend: swatch, name, the last value.
export function legend(series, format = label, kind = '') {
  return h('div', { class: `legend ${kind}` }, series.map((s, index) => {
    const last = [...s.values].reverse().find((v) => v !== null && v !== undefined);
    return h('span', { class: 'legend-item' },
      h('span', { class: 'swatch', dataset: { color: (s.color ?? index) % COLORS.length } }),
      s.name, ' ',
      h('strong', { dataset: { series: s.name, value: last ?? '' } }, last === undefined ? '–' : format(last)));
  }));
}

export function sparkline(t, values, windowMs, now, colorIndex = 0) {
  const width = 120;
  const height = 26;
  const end = now ?? (t.length ? t[t.length - 1] : Date.now());
  const max = Math.max(1, ...values.filter((v) => v !== null));
  const x = (ms) => ((ms - (end - windowMs)) / windowMs) * width;
  const y = (v) => 2 + (1 - v / max) * (height - 4);
  return h('svg', { viewBox: `0 0 ${width} ${height}`, class: 'spark', 'aria-hidden': 'true' },
    segments(t, values, x, y).map((points) => h('polyline', { points: points.join(' '), fill: 'none', stroke: color(colorIndex), 'stroke-width': 1.5 })));
}
