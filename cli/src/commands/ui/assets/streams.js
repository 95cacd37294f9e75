// The Streams page: per stream and consumer group, length, rate, pending, lag, consumers
// (idle ones marked) and dead letters, refreshed as the console samples them, with a chart
// of the chosen stream's lag per group and rate over the last minutes.

import { get, explain } from './api.js';
import { h, replace, pill, empty, count, duration } from './dom.js';
import { lineChart, legend, sparkline, ago } from './chart.js';

export function mount(main, context, args) {
  const state = { chosen: args[0] || null, streams: null, history: null, error: null };
  const head = h('div', { class: 'page-head' }, h('h1', {}, 'Streams'), h('span', { class: 'muted small', id: 'sampled' }));
  const problem = h('div', { class: 'problem', hidden: true });
  const cards = h('div', { class: 'cards' });
  const chart = h('section', { class: 'card chart-card', id: 'lag-chart' });
  const table = h('div', { class: 'table-wrap' });
  main.append(h('section', { class: 'page' }, head, problem, cards, chart, table));

  let timer = null;
  let stopped = false;
  const refresh = async () => {
    try {
      [state.streams, state.history] = await Promise.all([get('/api/streams'), get('/api/history')]);
      state.error = state.streams.error ? `Sampling failed, figures are from the last success: ${state.streams.error}` : null;
    } catch (error) {
      state.error = `The console does not answer: ${explain(error)}`;
    }
    if (stopped) return;
    render(state, { head, problem, cards, chart, table });
    const every = Math.max(1000, state.streams?.interval_ms || 2000);
    timer = setTimeout(refresh, every);
  };
  refresh();
  return () => { stopped = true; clearTimeout(timer); };
}

// Entries appended per second over the last ~10 s of samples (trimming shows as 0).
function rate(t, lengths) {
  let last = lengths.length - 1;
  while (last >= 0 && lengths[last] === null) last -= 1;
  if (last < 1) return null;
  let first = last;
  while (first > 0 && lengths[first - 1] !== null && t[last] - t[first - 1] <= 10000) first -= 1;
  if (first === last) first = last - 1;
  if (lengths[first] === null) return null;
  const seconds = (t[last] - t[first]) / 1000;
  return seconds > 0 ? Math.max(0, (lengths[last] - lengths[first]) / seconds) : null;
}

// Per second between samples: what `step(i)` says changed from sample i - 1 to i (null when a
// sample lacks a figure), never below 0.
function perSecond(t, step) {
  return t.map((ms, i) => {
    if (i === 0) return null;
    const change = step(i);
    const seconds = (ms - t[i - 1]) / 1000;
    return change === null || !(seconds > 0) ? null : Math.max(0, change / seconds);
  });
}

const delta = (values, i) => (values[i] === null || values[i - 1] === null ? null : values[i] - values[i - 1]);

// Entries appended: the growth of the stream (a trimmed stream grows less).
function rates(t, lengths) {
  return perSecond(t, (i) => delta(lengths, i));
}

// Entries a group acknowledged: appended, less what the group has not read yet (lag) and
// what it read and holds (pending).
function acknowledged(t, lengths, group) {
  return perSecond(t, (i) => {
    const [grew, lag, pending] = [delta(lengths, i), delta(group.lag, i), delta(group.pending, i)];
    return grew === null || lag === null || pending === null ? null : grew - lag - pending;
  });
}

function render(state, { head, problem, cards, chart, table }) {
  const { streams, history } = state;
  problem.hidden = !state.error;
  replace(problem, state.error || '');
  if (!streams) return;
  const age = streams.sampled_at_ms ? Date.now() - streams.sampled_at_ms : null;
  replace(head.querySelector('#sampled'), `sampled every ${duration(streams.interval_ms)}`, age !== null ? ` · last ${duration(Math.max(0, age))} ago` : '');
  const list = streams.streams;
  if (!list.length) {
    replace(cards);
    replace(chart, empty('No event streams (events:<type>) in this database yet.'));
    replace(table);
    return;
  }
  const groups = list.flatMap((s) => s.groups);
  const deadByType = new Map(list.map((s) => [s.event_type, s.dead_letters]));
  const dead = [...deadByType.values()].reduce((a, b) => a + b, 0);
  const lagKnown = groups.filter((g) => g.lag !== null);
  replace(cards,
    card('streams', count(list.length)),
    card('consumer groups', count(groups.length)),
    card('pending', count(groups.reduce((a, g) => a + g.pending, 0)), 'delivered, not acknowledged'),
    card('lag', count(lagKnown.reduce((a, g) => a + g.lag, 0)), 'entries not delivered yet'),
    card('dead letters', count(dead), null, dead ? 'danger' : '', '#/dead-letters'));
  const chosen = list.find((s) => s.stream === state.chosen)
    || [...list].sort((a, b) => lagOf(b) - lagOf(a) || b.length - a.length)[0];
  renderChart(chart, chosen, history, list, state);
  renderTable(table, list, history, chosen, streams.idle_after_ms);
}

// The time the charts cover: what the console has sampled so far, from one minute up to its
// whole window (ten minutes), so that a console just started does not draw at the edge only.
function chartSpan(history) {
  const now = history.t.length ? history.t[history.t.length - 1] : 0;
  const first = history.t.length ? history.t[0] : now;
  return Math.min(history.window_ms, Math.max(60000, now - first));
}

// A group's place among the stream's groups in the history, which gives it its colour.
function groupIndex(series, group) {
  return Math.max(0, Object.keys(series.groups).indexOf(group));
}

function lagOf(stream) {
  return stream.groups.reduce((a, g) => a + (g.lag || 0), 0);
}

function card(label, value, title, kind = '', href = null) {
  const body = [h('div', { class: 'card-value' }, value), h('div', { class: 'card-label' }, label)];
  return href
    ? h('a', { class: `stat ${kind}`, href, title }, body)
    : h('div', { class: `stat ${kind}`, title }, body);
}

function renderChart(chart, stream, history, list, state) {
  const series = history.streams[stream.stream] || { length: [], groups: {} };
  // Colour 0 is the stream's appends; each group keeps its colour in both charts.
  const lagSeries = Object.entries(series.groups).map(([name, g], i) => ({ name, values: g.lag, color: i + 1 }));
  const throughput = [
    { name: 'appended', values: rates(history.t, series.length), color: 0 },
    ...Object.entries(series.groups).map(([name, g], i) => ({ name, values: acknowledged(history.t, series.length, g), color: i + 1 })),
  ];
  const select = h('select', {
    'aria-label': 'stream',
    onchange: (event) => { location.hash = `#/streams/${event.target.value}`; },
  }, list.map((s) => h('option', { value: s.stream, selected: s.stream === stream.stream }, s.stream)));
  const window = chartSpan(history);
  const now = history.t.length ? history.t[history.t.length - 1] : Date.now();
  // Two charts side by side, two thirds and one third of the card, drawn at their size.
  const inner = Math.max(600, chart.clientWidth - 38) - 24;
  replace(chart,
    h('div', { class: 'card-head' },
      h('h2', {}, h('span', { class: 'mono' }, stream.stream), h('span', { class: 'muted small' }, ` · last ${ago(window)}`)),
      select),
    h('div', { class: 'charts' },
      h('div', {},
        h('h3', {}, 'Lag per group'),
        lagSeries.length
          ? [lineChart({ t: history.t, series: lagSeries, windowMs: window, now, width: Math.floor(inner * 2 / 3), title: `lag of the groups of ${stream.stream}` }), legend(lagSeries, undefined, 'lag-legend')]
          : h('p', { class: 'muted' }, 'No consumer group reads this stream.')),
      h('div', {},
        h('h3', {}, 'Per second: appended, acknowledged by each group'),
        lineChart({ t: history.t, series: throughput, windowMs: window, now, width: Math.floor(inner / 3), title: `entries appended to ${stream.stream} and acknowledged per second` }),
        legend(throughput, (v) => v.toFixed(v < 10 ? 1 : 0), 'rate-legend'))));
  chart.dataset.stream = stream.stream;
  state.chosen = stream.stream;
}

function consumersCell(group, idleAfter) {
  if (!group.consumers.length) return h('span', { class: 'muted' }, 'none');
  return h('div', { class: 'consumers' }, group.consumers.map((c) => h('div', { class: c.idle ? 'consumer idle' : 'consumer' },
    h('span', { class: 'mono' }, c.name),
    h('span', { class: 'muted' }, ` ${c.pending} pending · idle ${duration(c.idle_ms)}`),
    c.idle ? [' ', pill('idle', 'warn', `no read for more than ${duration(idleAfter)}`)] : null)));
}

function renderTable(table, list, history, chosen, idleAfter) {
  const heads = ['stream', 'length', 'appended/s', 'dead letters', 'group', 'consumers', 'pending', 'lag', 'oldest pending', 'lag history'];
  const rows = list.flatMap((stream) => {
    const series = history.streams[stream.stream] || { length: [], groups: {} };
    const perSecond = rate(history.t, series.length);
    const span = Math.max(1, stream.groups.length);
    const head = [
      h('td', { rowspan: span, class: 'mono nowrap' }, h('a', { href: `#/streams/${stream.stream}` }, stream.stream)),
      h('td', { rowspan: span, class: 'num' }, count(stream.length)),
      h('td', { rowspan: span, class: 'num' }, perSecond === null ? '–' : perSecond.toFixed(perSecond < 10 ? 1 : 0)),
      h('td', { rowspan: span, class: 'num' }, stream.dead_letters
        ? h('a', { class: 'dead', href: `#/dead-letters/${stream.event_type}` }, count(stream.dead_letters))
        : h('span', { class: 'muted' }, '0')),
    ];
    const base = { class: stream.stream === chosen.stream ? 'chosen' : '', dataset: { stream: stream.stream } };
    if (!stream.groups.length) {
      return [h('tr', base, head, h('td', { colspan: 6, class: 'muted' }, 'no consumer group'))];
    }
    return stream.groups.map((group, index) => {
      const lag = series.groups[group.group]?.lag || [];
      return h('tr', { ...base, dataset: { stream: stream.stream, group: group.group } },
        index === 0 ? head : null,
        h('td', { class: 'mono nowrap' }, group.group),
        h('td', {}, consumersCell(group, idleAfter)),
        h('td', { class: 'num' }, count(group.pending)),
        h('td', { class: group.lag ? 'num lagging' : 'num', dataset: { lag: group.lag ?? '' } }, group.lag === null ? '?' : count(group.lag)),
        h('td', { class: 'num' }, group.oldest_pending_age_ms === null ? '–' : duration(group.oldest_pending_age_ms)),
        h('td', {}, sparkline(history.t, lag, chartSpan(history), undefined, groupIndex(series, group.group) + 1)));
    });
  });
  replace(table, h('table', { class: 'grid streams' },
    h('thead', {}, h('tr', {}, heads.map((name) => h('th', {}, name)))),
    h('tbody', {}, rows)));
}
