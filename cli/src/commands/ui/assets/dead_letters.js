// The Dead letters page: the types with dead letters; for one type, its dead letters with
// their provenance (live: new ones appear as they arrive); one dead letter with its event
// (sensitive fields redacted unless revealed) and what the catalogue says of it now; and
// requeue or purge, each after a confirmation, when the console allows writes.

import { get, post, explain } from './api.js';
import { h, replace, pill, empty, count, idTime, jsonView, payloadFirst, confirmAction } from './dom.js';

const LIVE_EVERY = 3000;

export function mount(main, context, args) {
  const [eventType, letterId] = args;
  const types = h('nav', { class: 'event-list', 'aria-label': 'types with dead letters' });
  const detail = h('article', { class: 'detail' });
  main.append(h('section', { class: 'page split' },
    h('aside', { class: 'sidebar' }, h('h3', {}, 'Event types'), types), detail));
  const state = {
    context, eventType, letterId, selected: new Set(), seen: null, live: true, reveal: false, notice: null,
    // The chosen letter keeps its box across refreshes; it is fetched again only when it
    // or the reveal choice changes, or after a write.
    letterBox: h('div', { id: 'letter' }), shown: null,
  };
  let timer = null;
  let generation = 0;
  const tick = async (mine) => {
    await Promise.all([loadTypes(types, state), state.eventType ? loadLetters(detail, state) : null]);
    if (mine !== generation) return;
    if (!state.eventType) chooseDefault(detail, state);
    if (state.live) timer = setTimeout(() => tick(mine), LIVE_EVERY);
  };
  state.restart = () => { clearTimeout(timer); generation += 1; tick(generation); };
  state.restart();
  return () => { generation += 1; clearTimeout(timer); };
}

async function loadTypes(nav, state) {
  try {
    const streams = await get('/api/streams');
    const byType = new Map();
    for (const s of streams.streams) byType.set(s.event_type, s.dead_letters);
    state.types = byType;
    const sorted = [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    replace(nav, sorted.length ? sorted.map(([type, n]) => h('a', {
      href: `#/dead-letters/${type}`,
      class: type === state.eventType ? 'event-link active' : 'event-link',
      dataset: { type },
    }, h('span', { class: 'mono' }, type), n ? pill(count(n), 'danger') : h('span', { class: 'muted small' }, '0')))
      : h('p', { class: 'muted' }, 'No event streams.'));
  } catch (error) {
    replace(nav, h('p', { class: 'problem' }, explain(error)));
  }
}

function chooseDefault(detail, state) {
  const withLetters = [...(state.types || [])].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (withLetters.length) {
    location.replace(`#/dead-letters/${withLetters[0][0]}`);
  } else {
    replace(detail, empty('No dead letters in any stream.',
      h('p', { class: 'muted' }, 'A consumer group dead-letters an event that cannot be decoded or that failed max_retries times; it then appears here with its provenance.')));
  }
}

async function loadLetters(detail, state) {
  let page;
  try {
    page = await get(`/api/dead-letters/${state.eventType}?count=200`);
  } catch (error) {
    replace(detail, empty(explain(error)));
    return;
  }
  const fresh = state.seen ? page.letters.filter((l) => !state.seen.has(l.id)).map((l) => l.id) : [];
  state.seen = new Set(page.letters.map((l) => l.id));
  for (const id of [...state.selected]) if (!state.seen.has(id)) state.selected.delete(id);
  const writes = state.context.info.writes;
  const requeueOk = state.context.info.backend.requeue;
  const why = !writes ? 'read-only: start events ui with --allow-writes' : !requeueOk ? 'requeue needs Redis (the in-memory demo broker cannot re-deliver)' : null;
  const selectedIds = () => [...state.selected];
  const toggleAll = h('input', {
    type: 'checkbox',
    'aria-label': 'select all',
    checked: page.letters.length > 0 && page.letters.every((l) => state.selected.has(l.id)),
    onchange: (event) => {
      for (const l of page.letters) event.target.checked ? state.selected.add(l.id) : state.selected.delete(l.id);
      state.restart();
    },
  });
  const live = h('input', {
    type: 'checkbox',
    checked: state.live,
    onchange: (event) => { state.live = event.target.checked; state.restart(); },
  });
  replace(detail,
    h('div', { class: 'page-head' },
      h('h1', {}, 'Dead letters ', h('span', { class: 'mono' }, state.eventType)),
      h('span', { class: 'muted small' }, `${count(page.total)} in `, h('span', { class: 'mono' }, page.key)),
      h('label', { class: 'live' }, live, ' live')),
    state.notice ? h('div', { class: `notice ${state.notice.kind}`, role: 'status' }, state.notice.text) : null,
    h('div', { class: 'toolbar' },
      h('button', {
        class: 'button', type: 'button', id: 'requeue-selected',
        disabled: !!why || state.selected.size === 0, title: why,
        onclick: () => act(state, 'requeue', { ids: selectedIds() }, page),
      }, `Requeue selected (${state.selected.size})`),
      h('button', {
        class: 'button', type: 'button', id: 'purge-selected',
        disabled: !writes || state.selected.size === 0, title: writes ? null : why,
        onclick: () => act(state, 'purge', { ids: selectedIds() }, page),
      }, `Purge selected (${state.selected.size})`),
      h('button', {
        class: 'button danger-outline', type: 'button', id: 'purge-all',
        disabled: !writes || page.total === 0, title: writes ? null : why,
        onclick: () => act(state, 'purge', { all: true }, page),
      }, 'Purge all'),
      why ? h('span', { class: 'muted small' }, why) : null),
    page.letters.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid letters' },
      h('thead', {}, h('tr', {}, h('th', {}, toggleAll), ['id', 'original entry', 'group', 'attempts', 'dead-lettered at', 'error'].map((name) => h('th', {}, name)))),
      h('tbody', {}, page.letters.map((letter) => {
        const p = letter.provenance;
        const box = h('input', {
          type: 'checkbox',
          'aria-label': `select ${letter.id}`,
          checked: state.selected.has(letter.id),
          onclick: (event) => event.stopPropagation(),
          onchange: (event) => { event.target.checked ? state.selected.add(letter.id) : state.selected.delete(letter.id); state.restart(); },
        });
        const classes = [letter.id === state.letterId ? 'chosen' : '', fresh.includes(letter.id) ? 'new' : ''].join(' ');
        return h('tr', {
          class: `clickable ${classes}`,
          dataset: { id: letter.id },
          onclick: () => { location.hash = `#/dead-letters/${state.eventType}/${letter.id}`; },
        },
        h('td', {}, box),
        h('td', { class: 'mono nowrap' }, letter.id),
        h('td', { class: 'mono nowrap' }, p.original_id || '–'),
        h('td', { class: 'mono nowrap' }, p.group || '–'),
        h('td', { class: 'num' }, p.attempts || '–'),
        h('td', { class: 'nowrap mono' }, p.dead_lettered_at || idTime(letter.id)),
        h('td', { class: 'error-text' }, p.error || ''));
      })))) : empty(`No dead letters of ${state.eventType}.`),
    page.next_after ? h('p', { class: 'muted small' }, `Showing the oldest ${page.letters.length}; purge or requeue them to see the next.`) : null,
    state.letterBox);
  const wanted = state.letterId ? `${state.letterId} ${state.reveal}` : null;
  if (wanted === state.shown) return;
  state.shown = wanted;
  if (!state.letterId) replace(state.letterBox);
  else if (state.seen.has(state.letterId)) await showLetter(state.letterBox, state, why);
  else replace(state.letterBox, empty(`Dead letter ${state.letterId} is not in the dead-letter stream (any more).`));
}

async function showLetter(box, state, why) {
  let letter;
  try {
    letter = await get(`/api/dead-letters/${state.eventType}/${state.letterId}${state.reveal ? '?reveal=sensitive' : ''}`);
  } catch (error) {
    replace(box, empty(explain(error)));
    return;
  }
  const writes = state.context.info.writes;
  const p = letter.provenance;
  const hidden = letter.redacted.fields.length;
  const ok = letter.catalogue.startsWith('ok');
  replace(box, h('section', { class: 'card letter', dataset: { id: letter.id } },
    h('div', { class: 'card-head' },
      h('h2', {}, 'Dead letter ', h('span', { class: 'mono' }, letter.id)),
      h('div', { class: 'actions' },
        h('button', {
          class: 'button', type: 'button', id: 'requeue-one', disabled: !!why, title: why,
          onclick: () => act(state, 'requeue', { ids: [letter.id] }, null, letter),
        }, 'Requeue'),
        h('button', {
          class: 'button danger-outline', type: 'button', id: 'purge-one', disabled: !writes, title: writes ? null : why,
          onclick: () => act(state, 'purge', { ids: [letter.id] }, null, letter),
        }, 'Purge'))),
    h('table', { class: 'grid provenance compact' }, h('tbody', {},
      ['original_stream', 'original_id', 'group', 'consumer', 'attempts', 'dead_lettered_at', 'error'].map((name) => h('tr', {},
        h('th', {}, name.replace(/_/g, ' ')),
        h('td', { class: name === 'error' ? 'error-text' : 'mono' }, p[name] ?? '–'))),
      h('tr', {}, h('th', {}, 'catalogue now'), h('td', {}, pill(ok ? 'valid' : 'problem', ok ? 'ok' : 'danger'), ' ', letter.catalogue)))),
    h('div', { class: 'card-head' },
      h('h3', {}, 'Event'),
      h('button', {
        class: 'button small', type: 'button', id: 'reveal',
        onclick: () => { state.reveal = !state.reveal; state.restart(); },
      }, state.reveal ? 'Hide sensitive fields' : 'Reveal sensitive fields')),
    letter.revealed
      ? h('p', { class: 'small warn-text' }, 'Sensitive fields are shown; the console logged that they were.')
      : hidden ? h('p', { class: 'small muted' }, letter.redacted.whole_payload
        ? 'The catalogue does not know this event\'s shape, so every payload value is hidden.'
        : `Hidden as sensitive: ${letter.redacted.fields.join(', ')}.`) : null,
    jsonView(payloadFirst(letter.event, state.context.info.envelope_fields))));
}

async function act(state, action, selection, page, letter = null) {
  const n = selection.all ? page.total : selection.ids.length;
  const what = n === 1 ? 'dead letter' : 'dead letters';
  const subject = selection.all ? `all ${count(n)} ${what}` : letter ? `dead letter ${letter.id}` : `${n} ${what}`;
  const body = action === 'requeue'
    ? [
      `Requeue ${subject} of ${state.eventType}?`,
      letter
        ? `Entry ${letter.provenance.original_id} of ${letter.provenance.original_stream} becomes pending again for group ${letter.provenance.group}, and only for it; its subscribers handle it on their next claim pass. Other groups see nothing, and nothing is appended to the stream.`
        : 'Each original entry becomes pending again for the group that dead-lettered it, and only for it; their subscribers handle them on their next claim pass. Nothing is appended to the stream.',
      letter ? 'The dead letter is then deleted. Handlers must be idempotent.' : 'The dead letters are then deleted. Handlers must be idempotent.',
    ]
    : [`Delete ${subject} of ${state.eventType} for good?`, 'Their provenance and events are gone afterwards; this cannot be undone.'];
  const confirmed = await confirmAction({
    title: action === 'requeue' ? 'Requeue' : 'Purge',
    body,
    confirm: action === 'requeue' ? 'Requeue' : 'Purge',
    danger: action === 'purge',
  });
  if (!confirmed) return;
  try {
    const report = await post(`/api/dead-letters/${state.eventType}/${action}`, selection);
    state.notice = { kind: 'ok', text: summary(action, report) };
    state.selected.clear();
    if (letter) history.replaceState(null, '', `#/dead-letters/${state.eventType}`);
    if (letter) state.letterId = null;
  } catch (error) {
    state.notice = { kind: 'danger', text: `${action} failed: ${explain(error)}` };
  }
  state.shown = null;
  state.restart();
}

function summary(action, report) {
  if (action === 'purge') return `Deleted ${report.deleted} dead letter${report.deleted === 1 ? '' : 's'}.`;
  const parts = [`Requeued ${report.requeued.length} to the groups that dead-lettered them; their subscribers claim them on the next claim pass.`];
  if (report.already_pending.length) parts.push(`${report.already_pending.length} were pending in their group already.`);
  if (report.original_missing.length) parts.push(`${report.original_missing.length} kept: their original entry is gone from the stream (${report.original_missing.join(', ')}).`);
  const failed = Object.entries(report.failed || {});
  if (failed.length) parts.push(`${failed.length} kept: ${failed.map(([id, why]) => `${id}: ${why}`).join('; ')}.`);
  return parts.join(' ');
}
