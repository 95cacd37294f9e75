// The Catalogue page: every event type, searchable, grouped by domain; for the one chosen,
// its compatibility level and versions (newest first), each with its fields, the migration
// from the version before as a diff, and its JSON Schema to download; then the named types
// its fields use.

import { get, explain } from './api.js';
import { h, replace, pill, empty, prose } from './dom.js';

export function mount(main, context, args) {
  const list = h('nav', { class: 'event-list', 'aria-label': 'event types' });
  const found = h('div', { class: 'muted small' });
  const search = h('input', { type: 'search', placeholder: 'Search events and fields', 'aria-label': 'search' });
  const detail = h('article', { class: 'detail' }, h('p', { class: 'muted' }, 'Loading the catalogue…'));
  main.append(h('section', { class: 'page split' },
    h('aside', { class: 'sidebar' }, search, found, list), detail));

  context.catalogue().then((catalogue) => {
    const chosen = catalogue.events.find((e) => e.name === args[0]) || catalogue.events[0];
    const show = () => renderList(list, found, catalogue, search.value, chosen?.name);
    search.addEventListener('input', show);
    show();
    list.querySelector('.active')?.scrollIntoView({ block: 'center' });
    if (chosen) renderEvent(detail, catalogue, chosen);
    else replace(detail, empty('This catalogue has no events.'));
  }, (error) => replace(detail, empty(`The catalogue could not be loaded: ${explain(error)}`)));
}

function matches(event, words) {
  const text = [event.name, event.description, ...event.versions.flatMap((v) => v.fields.flatMap((f) => [f.name, f.type]))]
    .join(' ').toLowerCase();
  return words.every((word) => text.includes(word));
}

function renderList(list, found, catalogue, query, chosen) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const events = catalogue.events.filter((event) => matches(event, words));
  replace(found, words.length ? `${events.length} of ${catalogue.events.length} event types` : `${catalogue.events.length} event types`);
  const domains = new Map();
  for (const event of events) {
    if (!domains.has(event.domain)) domains.set(event.domain, []);
    domains.get(event.domain).push(event);
  }
  replace(list, [...domains].map(([domain, members]) => [
    h('h3', {}, domain),
    members.map((event) => h('a', {
      href: `#/catalogue/${event.name}`,
      class: event.name === chosen ? 'event-link active' : 'event-link',
      dataset: { event: event.name },
    }, h('span', { class: 'mono' }, event.name),
    h('span', { class: 'versions' }, event.versions.map((v) => v.tag).join(' ')))),
  ]));
  if (!events.length) list.append(h('p', { class: 'muted' }, 'Nothing matches.'));
}

function renderEvent(detail, catalogue, event) {
  const latest = event.versions[event.versions.length - 1];
  const used = usedTypes(catalogue, event);
  replace(detail,
    h('header', { class: 'event-head' },
      h('h1', { class: 'mono' }, event.name),
      h('div', { class: 'badges' },
        pill(event.compatibility, 'accent', event.compatibility_inherited
          ? 'compatibility level: the catalogue default' : 'compatibility level: set on this event'),
        event.compatibility_inherited ? h('span', { class: 'muted small' }, 'catalogue default') : null,
        pill(`${event.versions.length} version${event.versions.length > 1 ? 's' : ''}`, 'neutral'),
        pill(`latest ${latest.tag}`, 'neutral'),
        event.defined_at ? h('span', { class: 'muted small mono' }, event.defined_at) : null),
      h('p', { class: 'description' }, prose(event.description))),
    [...event.versions].reverse().map((version) => renderVersion(event, version)),
    used.length ? h('section', { class: 'card' },
      h('h2', {}, 'Named types used'),
      used.map(renderType)) : null);
}

function renderVersion(event, version) {
  return h('section', { class: 'card version', id: `version-${version.tag}`, dataset: { version: version.tag } },
    h('div', { class: 'card-head' },
      h('h2', {}, version.tag, ' ', h('span', { class: 'muted struct mono' }, version.struct)),
      h('button', {
        class: 'button small',
        type: 'button',
        title: `download ${version.schema_file}`,
        onclick: () => download(version.schema_url, version.schema_file),
      }, 'JSON Schema ↓')),
    h('p', { class: 'description' }, prose(version.description)),
    version.requires_user_id
      ? h('p', { class: 'small' }, h('code', {}, 'user_id'), ' (envelope) is required: ', prose(version.requires_user_id))
      : null,
    version.migration ? migration(event, version.migration) : null,
    h('h3', {}, `Fields of ${version.tag}`),
    fieldsTable(version.fields));
}

function fieldsTable(fields) {
  if (!fields.length) return h('p', { class: 'muted' }, 'No payload fields.');
  return h('table', { class: 'grid fields' },
    h('thead', {}, h('tr', {}, ['field', 'type', 'presence', 'default', 'constraints', 'description'].map((name) => h('th', {}, name)))),
    h('tbody', {}, fields.map((field) => h('tr', { dataset: { field: field.name } },
      h('td', { class: 'mono nowrap' }, field.name, field.sensitive ? [' ', pill('sensitive', 'danger', 'redacted in Debug, logs and this console')] : null),
      h('td', { class: 'mono nowrap type' }, field.type),
      h('td', { class: 'nowrap' }, field.optional ? h('span', { class: 'muted' }, 'optional') : 'required'),
      h('td', { class: 'mono' }, field.default === null ? '' : JSON.stringify(field.default)),
      h('td', {}, field.constraints.map((c) => h('span', { class: 'constraint', title: c.key }, c.text))),
      h('td', { class: 'description' }, prose(field.description))))));
}

const MARKS = {
  added: ['+', 'added'], removed: ['−', 'removed'], renamed: ['→', 'renamed'],
  copied: ['⧉', 'copied'], mapped: ['⇢', 'mapped'], changed: ['~', 'changed'], same: ['=', 'same'],
};

function typeText(side) {
  return side ? `${side.type}${side.optional ? '?' : ''}` : '';
}

function migration(event, migration) {
  const from = `v${migration.from}`;
  const to = `v${migration.to}`;
  const moved = migration.rows.filter((row) => row.change !== 'same');
  const same = migration.rows.filter((row) => row.change === 'same');
  return h('div', { class: 'migration', dataset: { from, to } },
    h('h3', {}, `Migration ${from} → ${to}`),
    h('p', { class: 'small muted' }, migration.function
      ? ['Built by the function ', h('span', { class: 'mono' }, migration.function), ' (a Rust migration).']
      : `Readers of ${to} get ${event.name} ${from} events upgraded on the way in, field by field:`),
    h('table', { class: 'grid diff' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'field'), h('th', {}, from), h('th', {}, to), h('th', {}, 'how'))),
      h('tbody', {},
        moved.map((row) => {
          const [mark, label] = MARKS[row.change] || ['?', row.change];
          return h('tr', { class: `change-${row.change}`, dataset: { field: row.field, change: row.change } },
            h('td', { class: 'mark', title: label }, mark),
            h('td', { class: 'mono nowrap' }, row.field, row.change === 'renamed' ? h('span', { class: 'muted' }, ` ← ${row.from}`) : null),
            h('td', { class: 'mono nowrap' }, typeText(row.before)),
            h('td', { class: 'mono nowrap' }, typeText(row.after)),
            h('td', {}, h('span', { class: `pill ${row.change}` }, label), ' ', prose(row.notes.join('; '))));
        }),
        same.length ? h('tr', { class: 'change-same' },
          h('td', { class: 'mark' }, '='),
          h('td', { colspan: 4, class: 'muted' }, `${same.length} unchanged: `, h('span', { class: 'mono' }, same.map((row) => row.field).join(', ')))) : null)));
}

function usedTypes(catalogue, event) {
  const names = new Set();
  const scan = (text) => {
    for (const type of catalogue.types) if (new RegExp(`\\b${type.name}\\b`).test(text)) names.add(type.name);
  };
  for (const version of event.versions) for (const field of version.fields) scan(field.type);
  for (const type of catalogue.types) {
    if (names.has(type.name) && type.kind === 'record') for (const field of type.fields) scan(field.type);
  }
  return catalogue.types.filter((type) => names.has(type.name));
}

function renderType(type) {
  return h('div', { class: 'named-type' },
    h('h3', {}, h('span', { class: 'mono' }, type.name), ' ',
      pill(type.kind === 'enum' ? (type.open ? 'open enum' : 'closed enum') : 'record', 'neutral')),
    h('p', { class: 'description' }, prose(type.description)),
    type.kind === 'enum'
      ? h('table', { class: 'grid compact' }, h('tbody', {}, type.values.map((value) => h('tr', {},
        h('td', { class: 'mono nowrap' }, value.wire), h('td', { class: 'description' }, prose(value.description))))))
      : fieldsTable(type.fields));
}

async function download(url, file) {
  try {
    const schema = await get(url);
    const blob = new Blob([JSON.stringify(schema, null, 2) + '\n'], { type: 'application/schema+json' });
    const link = h('a', { href: URL.createObjectURL(blob), download: file });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } catch (error) {
    alert(`The schema could not be downloaded: ${explain(error)}`);
  }
}
