// The Tail page: the newest events of a type as they arrive (read with XRANGE after the last
// id seen; the console joins no group and acknowledges nothing), newest first, each with
// what the catalogue finds wrong with it, sensitive fields redacted unless revealed.

import { get, explain } from './api.js';
import { h, replace, pill, empty, idTime, jsonView, payloadFirst } from './dom.js';

const EVERY = 1000;
const KEPT = 200;

export function mount(main, context, args) {
  const state = { eventType: args[0] || null, entries: [], lastId: null, reveal: false, follow: true, error: null, open: new Set() };
  const picker = h('select', {
    'aria-label': 'event type',
    onchange: (event) => { location.hash = `#/tail/${event.target.value}`; },
  });
  const follow = h('input', { type: 'checkbox', checked: true, onchange: (event) => { state.follow = event.target.checked; schedule(); } });
  const reveal = h('input', {
    type: 'checkbox',
    onchange: (event) => { state.reveal = event.target.checked; state.entries = []; state.lastId = null; schedule(); },
  });
  const status = h('span', { class: 'muted small', id: 'tail-status' });
  const list = h('div', {
    class: 'tail',
    id: 'tail',
    onclick: (event) => {
      const entry = event.target.closest('.entry');
      if (!entry || window.getSelection().toString()) return;
      const id = entry.dataset.id;
      state.open.has(id) ? state.open.delete(id) : state.open.add(id);
      render(list, status, state, context.info.envelope_fields);
    },
  });
  main.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Tail'), picker,
      h('label', { class: 'live' }, follow, ' follow'),
      h('label', { class: 'live', title: 'show sensitive fields; the console logs that it did' }, reveal, ' reveal sensitive fields'),
      status),
    list));

  context.catalogue().then((catalogue) => get('/api/streams').then((streams) => {
    const types = new Set([...streams.streams.map((s) => s.event_type), ...catalogue.events.map((e) => e.name)]);
    const sorted = [...types].sort();
    state.eventType ??= streams.streams[0]?.event_type || sorted[0];
    replace(picker, sorted.map((type) => h('option', { value: type, selected: type === state.eventType }, type)));
    schedule();
  })).catch((error) => replace(list, empty(explain(error))));

  let timer = null;
  let generation = 0;
  function schedule() {
    clearTimeout(timer);
    generation += 1;
    poll(generation);
  }
  async function poll(mine) {
    if (!state.eventType) return;
    const query = new URLSearchParams({ count: state.lastId ? '100' : '20' });
    if (state.lastId) query.set('after', state.lastId);
    if (state.reveal) query.set('reveal', 'sensitive');
    try {
      const page = await get(`/api/streams/${state.eventType}/entries?${query}`);
      if (mine !== generation) return;
      state.error = null;
      state.entries = [...page.entries.reverse(), ...state.entries].slice(0, KEPT);
      state.lastId = page.last_id;
      state.knownType = page.known_type;
    } catch (error) {
      if (mine !== generation) return;
      state.error = explain(error);
    }
    render(list, status, state, context.info.envelope_fields);
    if (state.follow) timer = setTimeout(() => poll(mine), EVERY);
  }
  return () => { generation += 1; clearTimeout(timer); };
}

function render(list, status, state, envelope) {
  replace(status, state.error ? pill(state.error, 'danger')
    : `${state.entries.length} shown${state.follow ? ' · following' : ' · paused'}${state.knownType === false ? ' · not in the catalogue: unchecked' : ''}`);
  if (!state.entries.length) {
    replace(list, empty(`No events in events:${state.eventType} yet; new ones appear here as they are written.`));
    return;
  }
  replace(list, state.entries.map((entry) => {
    const event = entry.event;
    const open = state.open.has(entry.id);
    return h('article', { class: `entry${entry.problem ? ' problem-entry' : ''}${open ? ' open' : ''}`, dataset: { id: entry.id }, title: open ? 'click to fold' : 'click to unfold' },
      h('div', { class: 'entry-head' },
        h('span', { class: 'mono' }, entry.id),
        h('span', { class: 'muted' }, idTime(entry.id)),
        event.version ? pill(event.version, 'neutral') : null,
        event.source_service ? h('span', { class: 'muted small' }, `from ${event.source_service}`) : null,
        entry.problem ? pill('problem', 'danger', entry.problem) : null,
        entry.redacted.fields.length ? h('span', { class: 'muted small' }, `${entry.redacted.fields.length} hidden`) : null),
      entry.problem ? h('p', { class: 'small error-text' }, entry.problem) : null,
      jsonView(payloadFirst(event, envelope), { inline: !open }));
  }));
}
