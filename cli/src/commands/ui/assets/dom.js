// Building the page: elements from data (text always as text, never parsed as HTML),
// JSON shown with redacted values marked, and the formats of counts, ages and times.

export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'path', 'line', 'text', 'g', 'rect', 'circle', 'polyline', 'title'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.setAttribute('class', value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Text with `code` spans, as the schemas write descriptions.
export function prose(text) {
  return String(text ?? '').split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

export function pill(text, kind = '', title = undefined) {
  return h('span', { class: `pill ${kind}`, title }, text);
}

export function empty(message, ...more) {
  return h('div', { class: 'empty' }, h('p', {}, message), ...more);
}

const REDACTED = '[redacted]';

// An event with its payload fields first and its envelope fields (`envelope`) after.
export function payloadFirst(event, envelope) {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return event;
  const keys = Object.keys(event);
  const ordered = [...keys.filter((k) => !envelope.includes(k)), ...keys.filter((k) => envelope.includes(k))];
  return Object.fromEntries(ordered.map((k) => [k, event[k]]));
}

// JSON as nodes: keys, strings, numbers and literals styled, redacted values marked; pretty
// (indented, one member a line) or on one line.
export function jsonView(value, { inline = false } = {}) {
  return h('pre', { class: inline ? 'json inline' : 'json' }, jsonNodes(value, inline ? null : ''));
}

// `indent` is null for one line.
function jsonNodes(value, indent) {
  if (value === null) return h('span', { class: 'j-lit' }, 'null');
  const inner = indent === null ? null : indent + '  ';
  const open = (bracket) => (indent === null ? bracket : `${bracket}\n`);
  const lead = indent === null ? '' : inner;
  const after = (i, n) => (i + 1 < n ? (indent === null ? ', ' : ',\n') : (indent === null ? '' : '\n'));
  const close = (bracket) => (indent === null ? bracket : [indent, bracket]);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return [open('['), value.map((item, i) => [lead, jsonNodes(item, inner), after(i, value.length)]), close(']')];
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    return [open('{'), keys.map((key, i) => [
      lead, h('span', { class: 'j-key' }, JSON.stringify(key)), ': ', jsonNodes(value[key], inner), after(i, keys.length),
    ]), close('}')];
  }
  if (value === REDACTED) return h('span', { class: 'j-redacted', title: 'sensitive: hidden' }, REDACTED);
  if (typeof value === 'string') return h('span', { class: 'j-str' }, JSON.stringify(value));
  if (typeof value === 'number') return h('span', { class: 'j-num' }, String(value));
  return h('span', { class: 'j-lit' }, String(value));
}

export function count(n) {
  return n === null || n === undefined ? '?' : Number(n).toLocaleString('en');
}

// 1234 -> "1.2 s", 90000 -> "1 min 30 s".
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${m % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

// The time an entry id (`<ms>-<seq>`) was written, as UTC.
export function idTime(id) {
  const ms = Number(String(id).split('-')[0]);
  return Number.isFinite(ms) ? time(ms) : '?';
}

export function time(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Asks before a write: resolves true when the operator confirms.
export function confirmAction({ title, body, confirm, danger = false }) {
  const dialog = document.getElementById('confirm');
  replace(document.getElementById('confirm-title'), title);
  replace(document.getElementById('confirm-body'), body.map((line) => h('p', {}, line)));
  const ok = document.getElementById('confirm-ok');
  replace(ok, confirm);
  ok.className = `button ${danger ? 'danger' : 'primary'}`;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    document.getElementById('confirm-cancel').focus();
  });
}
