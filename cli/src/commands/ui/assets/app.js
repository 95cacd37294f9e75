// The page: loads what the console is (/api/info), shows it in the header, and mounts the
// page of the URL's hash (#/catalogue, #/streams, #/dead-letters/<type>, #/tail/<type>,
// #/fleet). Each page module exports mount(main, context, args) and returns what stops it.

import { get, setToken, explain } from './api.js';
import { h, replace, pill, empty, prose } from './dom.js';
import * as catalogue from './catalogue.js';
import * as streams from './streams.js';
import * as deadLetters from './dead_letters.js';
import * as tail from './tail.js';
import * as fleet from './fleet.js';

const pages = { catalogue, streams, 'dead-letters': deadLetters, tail, fleet };

let cachedCatalogue = null;
const context = {
  info: null,
  catalogue() {
    cachedCatalogue ??= get('/api/catalogue').catch((error) => { cachedCatalogue = null; throw error; });
    return cachedCatalogue;
  },
};

let stop = null;

function route() {
  if (stop) stop();
  stop = null;
  const [page, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const name = pages[page] ? page : 'catalogue';
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.page === name);
  }
  const main = document.getElementById('main');
  replace(main);
  document.title = `${name.replace('-', ' ')} · events ui`;
  stop = pages[name].mount(main, context, args.filter(Boolean)) || null;
}

function renderStatus() {
  const { info } = context;
  const backend = info.backend;
  const kinds = { redis: 'Redis', cluster: 'Redis Cluster', memory: 'in memory' };
  replace(document.getElementById('status'),
    h('span', { class: 'catalogue-name', title: info.catalogue.source },
      info.catalogue.name, ' ', h('span', { class: 'muted' }, info.catalogue.version)),
    backend.kind === 'memory'
      ? pill('in-memory demo', 'warn', backend.location)
      : pill(`${kinds[backend.kind] || backend.kind}: ${backend.location}`, 'neutral'),
    info.writes ? pill('writes allowed', 'danger', 'started with --allow-writes') : pill('read-only', 'neutral', 'start with --allow-writes to requeue and purge'));
  const banner = document.getElementById('banner');
  if (backend.note) {
    replace(banner, prose(backend.note));
    banner.hidden = false;
  }
}

function askForToken(message) {
  const banner = document.getElementById('banner');
  const input = h('input', { type: 'password', autocomplete: 'off', placeholder: 'EVENT_UI_TOKEN', 'aria-label': 'token' });
  const form = h('form', {
    class: 'token',
    onsubmit: (event) => {
      event.preventDefault();
      setToken(input.value.trim());
      location.reload();
    },
  }, message, ' ', input, ' ', h('button', { class: 'button primary', type: 'submit' }, 'Use token'));
  replace(banner, form);
  banner.hidden = false;
  input.focus();
}

async function start() {
  window.addEventListener('token-needed', () => askForToken('This console needs the bearer token it was started with.'));
  try {
    context.info = await get('/api/info');
  } catch (error) {
    if (error.status !== 401) {
      replace(document.getElementById('main'), empty(`The console does not answer: ${explain(error)}`));
    }
    return;
  }
  renderStatus();
  window.addEventListener('hashchange', route);
  route();
}

start();
