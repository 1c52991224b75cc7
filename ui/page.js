// The live page: every app and companion from GET /v1/status, kept current by the `transition`
// events of GET /v1/events. No framework and no HTML from data: every text goes in through
// textContent (app ids, reasons and failures come from manifests and the engine).
import { HttpError, readEvents, request } from './live-stream.js';
import { createChartView } from './state-chart.js';

const TRANSITIONS_SHOWN = 5;
const RETRY_MS = 2000;

const token = takeToken();
const rows = new Map(); // key ("app" or "app/companion") → the status row, updated by transitions
const recent = new Map(); // key → its last transitions, newest last
let selected;
const chart = createChartView(document.getElementById('chart'));

/** `#token=…` from the address (a fragment never reaches a server or its logs), kept for reloads in this tab. */
function takeToken() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem('podwarden-token', decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem('podwarden-token') ?? undefined;
}

function keyOf(entry) {
  return entry.companion === undefined ? entry.appId : `${entry.appId}/${entry.companion}`;
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.map((child) => (typeof child === 'string' ? document.createTextNode(child) : child)));
  return node;
}

/** 45s, 12m, 3h, 2d: like kubectl's AGE. */
function age(at) {
  const seconds = Math.max(0, Math.floor((Date.now() - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Which chart draws a row's machine; none for rows no machine stands behind. */
function chartOf(row) {
  if (row.state === 'manifest-error' || row.state === 'unclaimed') return undefined;
  // A companion with no readiness is a systemd unit's machine (status-rows.ts).
  return row.companion !== undefined && row.ready === undefined ? 'companionUnit' : 'app';
}

function readyText(ready) {
  return ready === undefined ? '—' : ready ? 'yes' : 'no';
}

function transitionLine(transition) {
  const line = element('div', { 'data-to': transition.to }, `${transition.from ?? '·'} → ${transition.to}`);
  line.append(
    element(
      'span',
      { class: 'at', 'data-at': String(transition.at), title: new Date(transition.at).toLocaleString() },
      ` ${age(transition.at)} ago`,
    ),
  );
  return line;
}

function rowElement(key, row) {
  const reason = row.failure && row.failure !== row.reason ? `${row.reason} (${row.failure})` : row.reason;
  const tr = element(
    'tr',
    {
      'data-key': key,
      class: [row.companion === undefined ? 'app' : 'companion', key === selected ? 'selected' : ''].join(' ').trim(),
    },
    element('td', { 'data-field': 'key' }, key),
    element('td', { 'data-field': 'state' }, element('span', { class: 'state', 'data-state': row.state }, row.state)),
    element('td', { 'data-field': 'ready' }, readyText(row.ready)),
    element('td', { 'data-field': 'restarts' }, String(row.restarts ?? 0)),
    element(
      'td',
      { 'data-field': 'age', ...(row.since === undefined ? {} : { 'data-since': String(row.since) }) },
      row.since === undefined ? '—' : age(row.since),
    ),
    element('td', { 'data-field': 'reason' }, reason ?? ''),
    element(
      'td',
      { 'data-field': 'transitions' },
      ...(recent.get(key) ?? []).slice(-TRANSITIONS_SHOWN).reverse().map(transitionLine),
    ),
  );
  tr.addEventListener('click', () => select(key));
  return tr;
}

function render() {
  const keys = [...rows.keys()].sort((a, b) => a.localeCompare(b));
  document.querySelector('#apps tbody').replaceChildren(...keys.map((key) => rowElement(key, rows.get(key))));
  document.getElementById('empty').hidden = keys.length > 0;
  if (selected === undefined || !rows.has(selected)) selected = keys[0];
  const row = selected === undefined ? undefined : rows.get(selected);
  document.getElementById('detail').hidden = row === undefined;
  if (!row) return;
  document.getElementById('detail-key').textContent = selected;
  document.getElementById('detail-state').textContent = row.state;
  chart
    .show(chartOf(row), row.state)
    .catch((error) => showProblem(`The state chart cannot be shown: ${error.message}`));
}

function select(key) {
  selected = key;
  render();
}

function remember(transition) {
  const key = keyOf(transition);
  const list = recent.get(key) ?? [];
  list.push(transition);
  recent.set(key, list.slice(-TRANSITIONS_SHOWN * 4));
}

/** A transition says what the row's machine now is; counts restarts as status-rows.ts does. */
function apply(transition) {
  const key = keyOf(transition);
  const row = rows.get(key) ?? {
    appId: transition.appId,
    restarts: 0,
    ...(transition.companion === undefined ? {} : { companion: transition.companion }),
  };
  rows.set(key, {
    ...row,
    state: transition.to,
    reason: transition.reason,
    failures: transition.failures,
    failure: transition.failure,
    ready: transition.ready,
    since: transition.at,
    restarts: (row.restarts ?? 0) + (transition.to === 'backoff' ? 1 : 0),
  });
  remember(transition);
}

function showProblem(text) {
  const problem = document.getElementById('problem');
  problem.textContent = text ?? '';
  problem.hidden = !text;
}

function setConnection(state, text) {
  const badge = document.getElementById('connection');
  badge.dataset.state = state;
  badge.textContent = text;
}

/**
 * Subscribes first, then reads the snapshot: a transition that happens in between is held and
 * applied after it when it is newer than what the snapshot says of its row.
 */
async function follow() {
  let held = [];
  await readEvents('../v1/events', token, (name, data) => {
    if (name === 'hello') {
      void loadSnapshot().then(
        () => {
          for (const transition of held) {
            const row = rows.get(keyOf(transition));
            if (!row || row.since === undefined || transition.at > row.since) apply(transition);
          }
          held = undefined;
          setConnection('live', 'live');
          showProblem();
          render();
        },
        (error) => failed(error),
      );
    } else if (name === 'transition') {
      if (held) held.push(data);
      else {
        apply(data);
        render();
      }
    }
  });
}

async function loadSnapshot() {
  const [status, last] = await Promise.all([
    request('../v1/status', token).then((response) => response.json()),
    request('../v1/transitions', token).then((response) => response.json()),
  ]);
  rows.clear();
  for (const row of status.apps) rows.set(keyOf(row), row);
  recent.clear();
  for (const transition of last.transitions) remember(transition);
}

function failed(error) {
  setConnection('lost', 'not connected');
  if (error instanceof HttpError && error.status === 401) {
    showProblem('This address needs the API token: open /ui/#token=<your --api-token> (the token stays in this tab).');
  } else {
    showProblem(`podwarden is not answering (${error.message}); trying again…`);
  }
}

async function run() {
  for (;;) {
    setConnection('connecting', 'connecting…');
    try {
      await follow();
      failed(new Error('the event stream ended'));
    } catch (error) {
      failed(error);
      if (error instanceof HttpError && error.status === 401) return;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

// Ages move on without events.
setInterval(() => {
  for (const cell of document.querySelectorAll('td[data-field="age"][data-since]'))
    cell.textContent = age(Number(cell.dataset.since));
  for (const span of document.querySelectorAll('span.at[data-at]'))
    span.textContent = ` ${age(Number(span.dataset.at))} ago`;
}, 1000);

void run();
