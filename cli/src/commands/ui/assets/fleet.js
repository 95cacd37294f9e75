// The Fleet page: what the running services registered in the fleet registry, refreshed every
// few seconds. Per service the versions it produces and the groups it reads in; per event
// type its producers, its consumer groups with the newest version they read and their lag,
// fingerprints that disagree (a released version edited in place) and stale instances, and
// instances built from other schemas than the catalogue this console shows.

import { get, explain } from './api.js';
import { h, replace, pill, empty, count, duration } from './dom.js';

const REFRESH_MS = 5000;

export function mount(main) {
  const head = h('div', { class: 'page-head' }, h('h1', {}, 'Fleet'), h('span', { class: 'muted small', id: 'fleet-read' }));
  const problem = h('div', { class: 'problem', hidden: true });
  const body = h('div', { id: 'fleet' });
  main.append(h('section', { class: 'page' }, head, problem, body));
  let timer = null;
  let stopped = false;
  const refresh = async () => {
    try {
      const fleet = await get('/api/fleet');
      if (stopped) return;
      problem.hidden = true;
      render(fleet, head, body);
    } catch (error) {
      if (stopped) return;
      replace(problem, `The fleet registry cannot be read: ${explain(error)}`);
      problem.hidden = false;
    }
    timer = setTimeout(refresh, REFRESH_MS);
  };
  refresh();
  return () => { stopped = true; clearTimeout(timer); };
}

const short = (fingerprint) => (fingerprint || '').slice(0, 12);
const version = (v) => (v === null || v === undefined ? '–' : `v${v}`);
const reads = (r) => (r === 'any' ? 'any version' : `up to v${r}`);

// The fingerprints of a type that disagree, as `version:fingerprint` keys.
function disagreeing(view) {
  const keys = new Set();
  for (const d of view.disagreements) {
    for (const use of d.fingerprints) keys.add(`${d.version}:${use.fingerprint}`);
  }
  return keys;
}

function stateCell(member, now) {
  const seen = duration(Math.max(0, now - member.seen_ms));
  return member.stale
    ? pill('stale', 'warn', `no heartbeat for ${seen} (stale after ${duration(member.stale_after_ms)})`)
    : pill('live', 'ok', `last heartbeat ${seen} ago`);
}

// `ours`: the fingerprints of the type's versions in the console's catalogue.
function fingerprintCell(member, version, bad, ours) {
  const fingerprint = member.fingerprints[version];
  if (!fingerprint) return h('span', { class: 'muted' }, '–');
  if (bad.has(`${version}:${fingerprint}`)) {
    return pill(short(fingerprint), 'danger', `v${version}: this fingerprint disagrees with another instance's (${fingerprint})`);
  }
  if (ours[version] && ours[version] !== fingerprint) {
    return h('span', { class: 'foreign' }, pill(short(fingerprint), 'warn', `v${version} differs from the catalogue this console shows (${short(ours[version])})`), ' ', h('span', { class: 'muted small' }, 'not this catalogue'));
  }
  return h('span', { class: 'mono', title: fingerprint }, short(fingerprint));
}

function render(fleet, head, body) {
  const now = fleet.read_at_ms;
  replace(head.querySelector('#fleet-read'), `read ${new Date(now).toLocaleTimeString()} · every ${duration(REFRESH_MS)}`);
  const types = Object.values(fleet.types);
  if (!types.length) {
    replace(body, empty('No service has registered in the fleet registry of this Redis yet.',
      h('p', { class: 'muted' }, 'Subscribers register at start; publishers when the service calls Publisher::register. events registry shows the same from the command line.')));
    return;
  }
  const members = types.flatMap((t) => [...t.producers, ...t.consumers].map((m) => ({ ...m, event_type: t.event_type })));
  const stale = members.filter((m) => m.stale).length;
  const conflicts = types.reduce((n, t) => n + t.disagreements.length, 0);
  const services = new Set(members.map((m) => m.service));
  replace(body,
    h('div', { class: 'cards' },
      stat('services', count(services.size)),
      stat('event types', count(types.length)),
      stat('instances', count(new Set(members.map((m) => m.instance)).size)),
      stat('stale instances', count(stale), stale ? 'warn' : ''),
      stat('disagreeing versions', count(conflicts), conflicts ? 'danger' : '')),
    servicesTable(members),
    types.map((view) => typeCard(view, now, fleet.catalogue[view.event_type] || {})));
}

function stat(label, value, kind = '') {
  return h('div', { class: `stat ${kind}` }, h('div', { class: 'card-value' }, value), h('div', { class: 'card-label' }, label));
}

function servicesTable(members) {
  const byService = new Map();
  for (const m of members) {
    if (!byService.has(m.service)) byService.set(m.service, { produces: [], reads: [], stale: 0, instances: new Set() });
    const s = byService.get(m.service);
    s.instances.add(m.instance);
    if (m.stale) s.stale += 1;
    if (m.role === 'producer') s.produces.push(`${m.event_type} ${version(m.produces)}`);
    else s.reads.push(`${m.event_type} (${m.group}, ${reads(m.reads)})`);
  }
  const rows = [...byService.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => h('tr', { dataset: { service: name } },
    h('td', { class: 'mono nowrap' }, name),
    h('td', {}, [...new Set(s.produces)].map((p) => h('div', { class: 'mono' }, p))),
    h('td', {}, [...new Set(s.reads)].map((r) => h('div', { class: 'mono' }, r))),
    h('td', { class: 'num' }, count(s.instances.size), s.stale ? [' ', pill(`${s.stale} stale`, 'warn')] : null)));
  return h('section', { class: 'card' },
    h('h2', {}, 'Services'),
    h('table', { class: 'grid compact services' },
      h('thead', {}, h('tr', {}, ['service', 'produces', 'reads (group, newest readable)', 'instances'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows)));
}

function typeCard(view, now, ours) {
  const bad = disagreeing(view);
  const producers = view.producers.map((m) => h('tr', { class: m.stale ? 'stale' : '', dataset: { instance: m.instance } },
    h('td', { class: 'mono nowrap' }, m.service),
    h('td', { class: 'mono small' }, m.instance),
    h('td', { class: 'mono' }, version(m.produces)),
    h('td', {}, fingerprintCell(m, m.produces, bad, ours)),
    h('td', {}, stateCell(m, now))));
  const groups = view.groups.map((g) => h('tr', { dataset: { group: g.group } },
    h('td', { class: 'mono nowrap' }, g.group),
    h('td', { class: 'mono' }, g.services.join(', ')),
    h('td', {}, reads(g.reads)),
    h('td', { class: 'num' }, count(g.live), g.stale ? [' ', pill(`${g.stale} stale`, 'warn')] : null),
    h('td', { class: g.lag ? 'num lagging' : 'num' }, g.lag === null ? '?' : count(g.lag))));
  const consumers = view.consumers.filter((m) => m.stale || Object.keys(m.fingerprints).some((v) => bad.has(`${v}:${m.fingerprints[v]}`)));
  return h('section', { class: 'card fleet-type', dataset: { type: view.event_type } },
    h('div', { class: 'card-head' },
      h('h2', {}, h('a', { class: 'mono', href: `#/catalogue/${view.event_type}` }, view.event_type)),
      view.disagreements.length ? pill('fingerprints disagree', 'danger') : null),
    view.disagreements.map((d) => h('div', { class: 'problem disagreement' },
      `v${d.version} is registered with ${d.fingerprints.length} different wire shapes (edited in place after release): `,
      d.fingerprints.map((use, i) => [i ? '; ' : '', h('span', { class: 'mono' }, short(use.fingerprint)), ` by ${use.instances.join(', ')}`]))),
    h('h3', {}, 'Producers'),
    producers.length
      ? h('table', { class: 'grid compact producers' },
        h('thead', {}, h('tr', {}, ['service', 'instance', 'publishes', 'fingerprint', 'state'].map((t) => h('th', {}, t)))),
        h('tbody', {}, producers))
      : h('p', { class: 'muted' }, 'No producer registered.'),
    h('h3', {}, 'Consumer groups'),
    groups.length
      ? h('table', { class: 'grid compact groups' },
        h('thead', {}, h('tr', {}, ['group', 'services', 'reads', 'live instances', 'lag'].map((t) => h('th', {}, t)))),
        h('tbody', {}, groups))
      : h('p', { class: 'muted' }, 'No consumer group registered.'),
    consumers.length
      ? [h('h3', {}, 'Consumer instances to look at'),
        h('table', { class: 'grid compact consumers' },
          h('thead', {}, h('tr', {}, ['service', 'instance', 'group', 'knows', 'fingerprint', 'state'].map((t) => h('th', {}, t)))),
          h('tbody', {}, consumers.map((m) => h('tr', { class: m.stale ? 'stale' : '', dataset: { instance: m.instance } },
            h('td', { class: 'mono nowrap' }, m.service),
            h('td', { class: 'mono small' }, m.instance),
            h('td', { class: 'mono' }, m.group),
            h('td', { class: 'mono' }, version(m.knows)),
            h('td', {}, fingerprintCell(m, m.knows, bad, ours)),
            h('td', {}, stateCell(m, now))))))]
      : null);
}
