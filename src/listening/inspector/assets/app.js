// cmzon-hook inspector: the page `listen --ui` serves. Plain ES module, no framework, no build
// step, nothing fetched from elsewhere (the server's Content-Security-Policy allows 'self'
// only). The HTTP API it talks to is described in the repository's UI16.md; every POST
// carries the per-run token from <meta name="cmzon-token">.

const TOKEN = document.querySelector('meta[name="cmzon-token"]')?.content ?? '';
const LIST_LIMIT = 1000;
// After a flood (the stream's `resync`, or a burst too big to apply row by row) the list is
// fetched with fewer rows: each fetch of it costs listen time while it is busy.
const RESYNC_LIMIT = 200;
const VERDICT_LABEL = { valid: 'valid', invalid: 'invalid', missing: 'unsigned', unchecked: 'unchecked' };

const $ = (sel, root = document) => root.querySelector(sel);

/** Create an element: h('div.a.b', {attrs}, children...). */
function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const state = {
  entries: [], // newest first (id descending)
  byId: new Map(),
  total: 0,
  dropped: 0,
  cursor: null, // id highlighted in the list
  open: null, // id shown in the detail pane
  checked: new Set(),
  detail: null, // the Detail object of `open`
  info: null, // GET /api/info when the server has it
  types: new Set(),
  statuses: new Set(),
  fetching: false, // a list fetch is under way
  again: 0, // when not 0: fetch once more when it is done, with this limit
  pendingLive: null, // entries the stream pushed while a list fetch is in flight
  view: 'text', // body view: tree | text | hex
};

// ---------------------------------------------------------------------------------------------
// API

async function api(path, options = {}) {
  const init = { headers: { Accept: 'application/json' }, ...options };
  if (init.method === 'POST') {
    init.headers = { ...init.headers, 'Content-Type': 'application/json', 'X-Cmzon-Token': TOKEN };
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const msg = (data && data.error) || text.trim() || `HTTP ${res.status}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

function filterParams() {
  const p = new URLSearchParams();
  const q = $('#search').value.trim();
  if (q) p.set('q', q);
  for (const [key, sel] of [['verdict', '#f-verdict'], ['kind', '#f-kind'], ['type', '#f-type'], ['status', '#f-status']]) {
    const v = $(sel).value;
    if (v) p.set(key, v);
  }
  return p;
}

function filtersActive() {
  return [...filterParams().keys()].length > 0;
}

/** Does an entry pushed by the event stream pass the current filters? `null`: cannot tell here. */
function matches(e) {
  const p = filterParams();
  if (p.has('q')) return null;
  if (p.has('verdict') && e.signature !== p.get('verdict')) return false;
  if (p.has('kind') && !(e.kinds || []).includes(p.get('kind'))) return false;
  if (p.has('type') && !(e.types || []).includes(p.get('type'))) return false;
  if (p.has('status')) {
    const s = p.get('status');
    const st = String(e.status ?? '');
    if (/^[1-5]xx$/.test(s) ? st[0] !== s[0] : st !== s) return false;
  }
  return true;
}

/**
 * Fetch the list (with the current filters) and show it. One fetch at a time: asking during a
 * fetch runs one more right after it, so a flood of events cannot starve the list.
 */
async function refresh(limit = LIST_LIMIT) {
  if (document.hidden) {
    state.stale = true; // fetched when the tab shows again: a hidden tab costs listen nothing
    return;
  }
  if (state.fetching) {
    state.again = Math.min(state.again || limit, limit);
    return;
  }
  state.fetching = true;
  const p = filterParams();
  p.set('limit', String(limit));
  state.pendingLive = [];
  try {
    const data = await api(`/api/requests?${p}`);
    const live = state.pendingLive;
    state.pendingLive = null;
    state.entries = (data.requests || []).slice().sort((a, b) => b.id - a.id);
    state.byId = new Map(state.entries.map((e) => [e.id, e]));
    state.total = data.total ?? state.entries.length;
    state.dropped = data.dropped ?? 0;
    for (const e of state.entries) learn(e);
    for (const id of [...state.checked]) if (!state.byId.has(id)) state.checked.delete(id);
    keepInView(() => {
      renderList();
      // Events the stream delivered while the list was being fetched may be missing from it.
      for (const e of live) if (!state.byId.has(e.id) && matches(e)) insertEntry(e);
    });
  } catch (err) {
    state.pendingLive = null;
    toast(`Could not load requests: ${err.message}`, 'error');
  } finally {
    state.fetching = false;
    if (state.again) {
      const next = state.again;
      state.again = 0;
      refresh(next);
    }
  }
}

let refreshTimer = null;
/** Fetch the list again shortly; a fetch already scheduled is not postponed (floods). */
function refreshSoon(limit = LIST_LIMIT) {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh(limit);
  }, 150);
}

/** Fetch the list once typing pauses. */
let typingTimer = null;
function refreshAfterTyping() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(refresh, 200);
}

function learn(e) {
  let grew = false;
  for (const t of e.types || []) {
    if (!state.types.has(t)) {
      state.types.add(t);
      grew = true;
    }
  }
  if (e.status != null && !state.statuses.has(e.status)) {
    state.statuses.add(e.status);
    grew = true;
  }
  if (grew) renderFilterOptions();
}

function renderFilterOptions() {
  const typeSel = $('#f-type');
  const cur = typeSel.value;
  const types = [...state.types].sort();
  typeSel.replaceChildren(h('option', { value: '', text: 'any type' }), ...types.map((t) => h('option', { value: t, text: t })));
  if (cur && !types.includes(cur)) typeSel.append(h('option', { value: cur, text: cur }));
  typeSel.value = cur;
  const stSel = $('#f-status');
  const scur = stSel.value;
  const codes = [...state.statuses].sort((a, b) => a - b).map(String);
  stSel.replaceChildren(
    h('option', { value: '', text: 'any status' }),
    ...['2xx', '4xx', '5xx'].map((c) => h('option', { value: c, text: c })),
    ...codes.map((c) => h('option', { value: c, text: c })),
  );
  stSel.value = scur;
}

// ---------------------------------------------------------------------------------------------
// Live updates

let source = null;
function connect() {
  source?.close();
  source = new EventSource('/api/events');
  const live = $('#live');
  let hadError = false;
  source.addEventListener('open', () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
    live.title = 'Event stream';
    if (hadError) refresh(); // events may have been missed while disconnected
    hadError = false;
  });
  source.addEventListener('error', () => {
    hadError = true;
    live.dataset.state = 'down';
    live.textContent = source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting';
  });
  source.addEventListener('request', (ev) => take(ev.data));
  source.addEventListener('resync', onResync);
}

// Entries from the stream are applied in batches (at most every FLUSH_MS); past FLOOD_RATE a
// second the page switches to flood mode (below). So a flood costs the tab, and listen, two
// small fetches every few seconds, not thousands of rows a second; a hidden tab takes nothing
// until it shows again.
const FLUSH_MS = 40;
const BURST = 500;
const FLOOD_RATE = 200;
const FLOOD_POLL_MS = 3000;
// Rows a flood's poll fetches: a screenful; nobody reads further down while it lasts.
const FLOOD_LIMIT = 50;
const incoming = [];
let flushTimer = null;
let windowStart = 0;
let windowCount = 0;
let flooding = false;

/**
 * Flood mode: past FLOOD_RATE requests a second nobody reads rows one by one. The page closes
 * its event stream (listen then keeps nothing for it) and every FLOOD_POLL_MS fetches the
 * newest request's number and, when it moved, the newest FLOOD_LIMIT rows. Once fewer than
 * half FLOOD_RATE a second arrive, the stream reopens and the full list is fetched.
 */
function startFlood() {
  if (flooding) return;
  flooding = true;
  source?.close();
  incoming.length = 0;
  const live = $('#live');
  live.dataset.state = 'flood';
  live.textContent = 'flood';
  live.title = `More than ${FLOOD_RATE} requests a second: the list shows the newest ${FLOOD_LIMIT}, fetched every ${FLOOD_POLL_MS / 1000} s`;
  pollFlood(null, Date.now());
}

async function pollFlood(lastTop, lastAt) {
  let top = lastTop;
  try {
    const data = await api('/api/requests?limit=1');
    top = data.requests?.[0]?.id ?? null;
  } catch {
    // listen gone or busy: try again at the next poll
  }
  const now = Date.now();
  const rate = lastTop === null || top === null ? Infinity : ((top - lastTop) * 1000) / (now - lastAt);
  if (rate < FLOOD_RATE / 2) {
    flooding = false;
    windowCount = 0;
    connect();
    refresh();
    return;
  }
  if (top !== lastTop) refresh(FLOOD_LIMIT);
  setTimeout(() => pollFlood(top, now), FLOOD_POLL_MS);
}

/**
 * The stream's `resync`: the list was cleared (refetch it), or this tab fell behind, which
 * only a flood does (listen dropped what it could not take): flood mode, not a refetch of
 * rows nobody can read at that pace.
 */
function onResync(ev) {
  incoming.length = 0; // the list fetched next has them
  let reason = null;
  try {
    reason = JSON.parse(ev.data).reason;
  } catch {
    // an older listen: no reason given
  }
  if (reason === 'behind' && !document.hidden) startFlood();
  else refresh(RESYNC_LIMIT);
}

/** One `request` event's data (an Entry as JSON text), parsed only when it will be shown. */
function take(data) {
  if (document.hidden) {
    state.stale = true;
    return;
  }
  const now = Date.now();
  if (now - windowStart > 1000) {
    windowStart = now;
    windowCount = 0;
  }
  windowCount += 1;
  if (flooding) return;
  if (windowCount > FLOOD_RATE) {
    startFlood();
    return;
  }
  let e;
  try {
    e = JSON.parse(data);
  } catch {
    return;
  }
  if (state.pendingLive) {
    if (state.pendingLive.length < BURST) state.pendingLive.push(e);
    else state.again = RESYNC_LIMIT; // too many to merge: fetch again once this one is done
  }
  incoming.push(e);
  if (!flushTimer) flushTimer = setTimeout(flush, FLUSH_MS);
}

function flush() {
  flushTimer = null;
  const batch = incoming.splice(0);
  keepInView(() => applyBatch(batch));
  countsSoon();
}

/**
 * Run `change` (rows added or the list replaced) so that someone scrolled down to read keeps
 * the same row at the same place; at the top, new rows simply show up.
 */
function keepInView(change) {
  const pane = $('.list-pane');
  if (pane.scrollTop <= 0) {
    change();
    return;
  }
  const top = pane.getBoundingClientRect().top + ($('.list thead')?.offsetHeight ?? 0);
  const anchor = [...$('#rows').children].find((tr) => tr.getBoundingClientRect().bottom > top);
  const id = anchor?.dataset.id;
  const offset = anchor ? anchor.getBoundingClientRect().top - top : 0;
  change();
  const again = id ? rowEl(id) : null;
  if (again) pane.scrollTop += again.getBoundingClientRect().top - top - offset;
}

// The stream says what arrived, not what the store let go (it keeps the newest 10,000 or so):
// after live entries, the true count and the dropped number are asked for, at most once a
// second, with a list of one.
let countsTimer = null;
function countsSoon() {
  if (countsTimer) return;
  countsTimer = setTimeout(async () => {
    const p = filterParams();
    p.set('limit', '1');
    try {
      const data = await api(`/api/requests?${p}`);
      state.total = data.total ?? state.total;
      state.dropped = data.dropped ?? state.dropped;
      renderCounts();
    } catch {
      // the next list fetch says it
    } finally {
      countsTimer = null;
    }
  }, 1000);
}

/**
 * Apply a batch of entries from the stream with one DOM update: the common case (all newer
 * than the top row) is one fragment prepended, then the counts once. Entries the page cannot
 * filter itself (a body search is on) make it fetch the list instead.
 */
function applyBatch(batch) {
  const top = state.entries.length ? state.entries[0].id : -Infinity;
  const onTop = [];
  let refetch = false;
  for (const e of batch) {
    learn(e);
    const ok = matches(e);
    if (ok === null) {
      refetch = true;
      continue;
    }
    if (!ok) continue;
    const old = state.byId.get(e.id);
    if (old) {
      Object.assign(old, e);
      rowEl(e.id)?.replaceWith(row(old));
      continue;
    }
    state.total += 1;
    if (e.id > top) onTop.push(e);
    else insertEntry(e);
  }
  if (onTop.length) {
    onTop.sort((a, b) => b.id - a.id);
    const fresh = onTop.length <= 5; // a flood is not worth animating
    const frag = document.createDocumentFragment();
    for (const e of onTop) {
      state.byId.set(e.id, e);
      const tr = row(e);
      if (fresh) tr.classList.add('fresh');
      frag.append(tr);
    }
    state.entries = onTop.concat(state.entries);
    $('#rows').prepend(frag);
    trimList();
  }
  if (refetch) refreshSoon();
  renderForwardColumn();
  renderEmpty();
  renderCounts();
}

/** Keep at most LIST_LIMIT rows (the oldest go). */
function trimList() {
  while (state.entries.length > LIST_LIMIT) {
    const gone = state.entries.pop();
    state.byId.delete(gone.id);
    rowEl(gone.id)?.remove();
  }
}

function insertEntry(e) {
  state.byId.set(e.id, e);
  let i = 0;
  while (i < state.entries.length && state.entries[i].id > e.id) i++;
  state.entries.splice(i, 0, e);
  const tbody = $('#rows');
  const next = state.entries[i + 1];
  const tr = row(e);
  tr.classList.add('fresh');
  const nextEl = next ? rowEl(next.id) : null;
  if (nextEl) tbody.insertBefore(tr, nextEl);
  else tbody.append(tr);
  trimList();
  if (e.forward) renderForwardColumn();
  renderEmpty();
  renderCounts();
}

// ---------------------------------------------------------------------------------------------
// List

function rowEl(id) {
  return document.getElementById(`row-${id}`);
}

function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function fmtMs(ms) {
  if (ms == null) return '';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function badge(signature) {
  const v = signature || 'unchecked';
  return h('span.badge', { class: `badge v-${v}`, 'data-verdict': v, text: VERDICT_LABEL[v] || v });
}

function statusClass(s) {
  if (s == null) return 'st';
  return `st st-${String(s)[0]}xx`;
}

function link(id, label) {
  return h('a.ref', {
    href: `#${id}`,
    'data-ref': id,
    text: label,
    onclick: (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      select(id, true);
    },
  });
}

/** The row's word for a replay: `forged-wrong-secret` → forged, `edited` → edit, else replay. */
function replayWord(mode) {
  if (mode && mode.startsWith('forged')) return 'forged';
  return mode === 'edited' ? 'edit' : 'replay';
}

function row(e) {
  const tags = [];
  if (e.duplicate_of != null) tags.push(h('span.tag.dup', { 'data-testid': 'duplicate-of', title: `a duplicate of #${e.duplicate_of}` }, 'dup of ', link(e.duplicate_of, `#${e.duplicate_of}`)));
  if (e.history) tags.push(h('span.tag', { 'data-testid': 'history', title: 'loaded from the --save capture of an earlier run', text: 'saved' }));
  if (e.replay_of != null) {
    tags.push(h(`span.tag.replay.${replayWord(e.replay_mode)}`, { 'data-testid': 'replay-of', title: `replay (${e.replay_mode || 'replay'}) of #${e.replay_of}` }, `${replayWord(e.replay_mode)} of `, link(e.replay_of, `#${e.replay_of}`)));
  }
  let fwd = '';
  if (e.forward) {
    fwd = e.forward.error
      ? h('span.st.st-err', { title: `${e.forward.url}: ${e.forward.error}`, text: 'error' })
      : h('span', { title: e.forward.url }, h('span', { class: statusClass(e.forward.status), text: e.forward.status }), ' ', h('span.muted', { text: fmtMs(e.forward.ms) }));
  }
  const checkbox = h('input', {
    type: 'checkbox',
    'aria-label': `Check #${e.id}`,
    'data-testid': 'row-check',
    onclick: (ev) => ev.stopPropagation(),
    onchange: (ev) => toggleCheck(e.id, ev.target.checked),
  });
  checkbox.checked = state.checked.has(e.id);
  const tr = h(
    'tr.row',
    {
      id: `row-${e.id}`,
      'data-testid': 'row',
      'data-id': e.id,
      'data-verdict': e.signature,
      onclick: () => select(e.id, true),
    },
    h('td.c-check', null, checkbox),
    h('td.c-time', { title: e.received_at, text: fmtTime(e.received_at) }),
    h('td.c-id', { text: `#${e.id}` }),
    h('td.c-req', null, h('span.method', { text: e.method }), ' ', h('span.path', { text: e.path })),
    h('td.c-verdict', null, badge(e.signature)),
    h('td.c-summary', { title: e.summary || '' }, ...tags, h('span.summary', { 'data-testid': 'summary', text: e.summary || '' })),
    h('td.c-status', null, e.status == null ? h('span.muted', { title: "no answer recorded (loaded from --save)", text: '—' }) : h('span', { class: statusClass(e.status), text: e.status })),
    h('td.c-fwd', null, fwd),
  );
  if (e.id === state.open) tr.classList.add('open');
  if (e.id === state.cursor) tr.classList.add('cursor');
  if (state.checked.has(e.id)) tr.classList.add('checked');
  return tr;
}

function renderList() {
  const frag = document.createDocumentFragment();
  for (const e of state.entries) frag.append(row(e));
  $('#rows').replaceChildren(frag);
  renderForwardColumn();
  renderEmpty();
  renderCounts();
  renderTools();
}

/** The forward column shows only when some listed request was forwarded. */
function renderForwardColumn() {
  $('.list').classList.toggle('no-forward', !state.entries.some((e) => e.forward));
}

function renderEmpty() {
  const none = state.entries.length === 0;
  $('#empty').hidden = !(none && !filtersActive());
  $('#nomatch').hidden = !(none && filtersActive());
}

function renderCounts() {
  const shown = state.entries.length;
  const parts = [];
  // `total` counts what the filters match (all requests without filters).
  const plural = state.total === 1 ? '' : 's';
  parts.push(filtersActive() ? `${state.total} matching` : `${state.total} request${plural}`);
  if (shown < state.total) parts.push(`newest ${shown} listed`);
  if (state.checked.size) parts.push(`${state.checked.size} checked`);
  $('#counts').textContent = parts.join(' · ');
  const n = $('#notice');
  if (state.dropped > 0) {
    n.hidden = false;
    n.textContent = `${state.dropped} older request${state.dropped === 1 ? '' : 's'} dropped from view (only the newest are kept in memory; --save FILE keeps every request on disk).`;
  } else {
    n.hidden = true;
  }
  renderTools();
}

function exportQuery() {
  if (state.checked.size) {
    const ids = [...state.checked].sort((a, b) => a - b).join(',');
    return `ids=${ids}`;
  }
  return filterParams().toString();
}

function renderTools() {
  const q = exportQuery();
  const which = state.checked.size ? `the ${state.checked.size} checked` : filtersActive() ? 'the shown' : 'all';
  const jl = $('#export-jsonl');
  jl.href = `/api/export.jsonl${q ? `?${q}` : ''}`;
  jl.title = `Export ${which} requests as capture JSONL (verify and send --from-capture read it)`;
  const har = $('#export-har');
  har.href = `/api/export.har${q ? `?${q}` : ''}`;
  har.title = `Export ${which} requests as HAR 1.2`;
  const diff = $('#diff');
  diff.disabled = state.checked.size !== 2;
  diff.title = state.checked.size === 2 ? 'Compare the two checked requests (d)' : 'Check two requests to compare them (x on a row)';
  const all = $('#check-all');
  all.checked = state.entries.length > 0 && state.entries.every((e) => state.checked.has(e.id));
  all.indeterminate = !all.checked && state.checked.size > 0;
}

function toggleCheck(id, on) {
  if (on) state.checked.add(id);
  else state.checked.delete(id);
  const tr = rowEl(id);
  if (tr) {
    tr.classList.toggle('checked', on);
    const cb = tr.querySelector('input[type=checkbox]');
    if (cb) cb.checked = on;
  }
  renderCounts();
}

function setCursor(id) {
  rowEl(state.cursor)?.classList.remove('cursor');
  state.cursor = id;
  const tr = rowEl(id);
  if (tr) {
    tr.classList.add('cursor');
    tr.scrollIntoView({ block: 'nearest' });
  }
}

async function select(id, openIt) {
  setCursor(id);
  if (openIt) await openDetail(id);
}

// ---------------------------------------------------------------------------------------------
// Detail

async function openDetail(id) {
  rowEl(state.open)?.classList.remove('open');
  state.open = id;
  rowEl(id)?.classList.add('open');
  const pane = $('#detail');
  let d;
  try {
    d = await api(`/api/requests/${id}`);
  } catch (err) {
    pane.replaceChildren(h('div.placeholder.error', { text: `#${id}: ${err.message}` }));
    return;
  }
  if (state.open !== id) return;
  state.detail = d;
  pane.replaceChildren(renderDetail(d));
  pane.scrollTop = 0;
}

function section(title, body, attrs = {}) {
  return h('section.block', attrs, h('h3', { text: title }), body);
}

function kv(rows) {
  return h(
    'table.kv',
    null,
    rows.filter(Boolean).map(([k, v, testid]) => h('tr', null, h('th', { text: k }), h('td', { 'data-testid': testid }, v))),
  );
}

function renderDetail(d) {
  const head = h(
    'div.detail-head',
    null,
    h('h2', null, h('span.id', { text: `#${d.id}` }), ' ', h('span.method', { text: d.method }), ' ', h('span.path', { text: d.path + (d.query ? `?${d.query}` : '') })),
    h(
      'div.meta',
      null,
      badge(d.signature),
      h('span', { class: statusClass(d.status), title: 'status listen answered', text: d.status ?? '' }),
      h('span.muted', { title: d.received_at, text: `${fmtTime(d.received_at)} · ${d.size ?? 0} bytes` }),
      d.duplicate_of != null ? h('span.tag.dup', null, 'duplicate of ', link(d.duplicate_of, `#${d.duplicate_of}`), ' ', diffButton(d.duplicate_of, d.id, 'diff')) : null,
      d.replay_of != null ? h('span.tag.replay', null, `${d.replay_mode ? `${d.replay_mode} ` : ''}replay of `, link(d.replay_of, `#${d.replay_of}`), ' ', diffButton(d.replay_of, d.id, 'diff')) : null,
    ),
  );
  return h(
    'div.detail',
    { 'data-testid': 'detail-view', 'data-id': d.id },
    head,
    actions(d),
    verdictBlock(d),
    d.events && d.events.length ? section('Events', h('ul.events', null, d.events.map((ev) => h('li', { text: eventLine(ev) })))) : null,
    section('Headers', headersTable(d.headers || []), { 'data-testid': 'headers' }),
    bodyBlock(d),
    forwardBlock(d),
  );
}

/** One line per event of listen's --json event objects: kind, type and the telling fields. */
function eventLine(ev) {
  if (typeof ev === 'string') return ev;
  if (ev.summary) return ev.summary;
  const parts = [ev.kind, ev.type].filter(Boolean);
  if (ev.status && ev.status !== ev.type) parts.push(ev.status);
  if (ev.from) parts.push(`from ${ev.from}`);
  if (ev.recipient_id) parts.push(`to ${ev.recipient_id}`);
  if (ev.code != null) parts.push(`code ${ev.code}`);
  const text = ev.content ?? ev.text ?? ev.title ?? ev.message;
  if (typeof text === 'string' && text) parts.push(JSON.stringify(text.length > 140 ? `${text.slice(0, 140)}…` : text));
  if (ev.id) parts.push(ev.id);
  return parts.length ? parts.join(' ') : JSON.stringify(ev);
}

function diffButton(a, b, label) {
  return h('button.linkish', { type: 'button', 'data-testid': 'diff-with', text: label, onclick: () => showDiff(a, b) });
}

function verdictBlock(d) {
  const v = d.verdict;
  const rows = [];
  if (v) {
    rows.push(['verdict', h('span', null, badge(d.signature), ' ', h('span', { 'data-testid': 'reason', text: v.reason || '' })), 'verdict']);
    if (v.hint) rows.push(['hint', v.hint, 'hint']);
    if (v.diagnosis) rows.push(['diagnosis', v.diagnosis, 'diagnosis']);
  } else {
    const why = d.signature === 'unchecked' ? 'not checked: listen has no secret (pass --secret-file or set CMZON_WEBHOOK_SECRET)' : '';
    rows.push(['verdict', h('span', null, badge(d.signature), ' ', h('span', { 'data-testid': 'reason', text: why })), 'verdict']);
  }
  const same = d.signature_expected && d.signature_received && d.signature_expected === d.signature_received;
  rows.push(['received', h('code', { text: d.signature_received ?? '(no X-Hub-Signature-256 header)' }), 'sig-received']);
  rows.push([
    'expected',
    d.signature_expected ? h('code', { class: same ? 'same' : 'differs', text: d.signature_expected }) : h('span.muted', { text: '(needs the secret)' }),
    'sig-expected',
  ]);
  return section('Signature', kv(rows), { 'data-testid': 'verdict-block', class: `block verdict-${d.signature}` });
}

function headersTable(headers) {
  if (!headers.length) return h('p.muted', { text: 'no headers' });
  return h(
    'table.headers',
    null,
    headers.map(([n, v]) => h('tr', null, h('th', { text: n }), h('td', { text: v }))),
  );
}

function b64bytes(b64) {
  if (!b64) return new Uint8Array();
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const HEX_MAX = 64 * 1024;

/** A hex dump (offset, 16 bytes, ASCII) of the first HEX_MAX bytes; byte `mark` highlighted. */
function hexDump(bytes, mark = -1) {
  const hex = (n) => n.toString(16).padStart(2, '0');
  const shown = Math.min(bytes.length, HEX_MAX);
  const out = h('div.hex', { 'data-testid': 'body-hex' });
  let text = '';
  for (let off = 0; off < shown; off += 16) {
    const chunk = bytes.subarray(off, Math.min(off + 16, shown));
    const cells = [];
    for (let i = 0; i < 16; i++) cells.push(i < chunk.length ? hex(chunk[i]) : '  ');
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    const left = `${off.toString(16).padStart(8, '0')}  `;
    if (mark >= off && mark < off + 16) {
      const i = mark - off;
      const before = cells.slice(0, i).map((c, j) => c + (j === 7 ? '  ' : ' ')).join('');
      const after = cells.slice(i + 1).map((c, j) => c + (i + 1 + j === 7 ? '  ' : ' ')).join('');
      out.append(text + left + before, h('mark', { text: cells[i] }), `${i === 7 ? '  ' : ' '}${after} ${ascii}\n`);
      text = '';
    } else {
      text += `${left}${cells.map((c, j) => c + (j === 7 ? '  ' : ' ')).join('')} ${ascii}\n`;
    }
  }
  out.append(text);
  if (bytes.length > shown) out.append(h('div.muted', { text: `… the first ${shown} of ${bytes.length} bytes` }));
  return out;
}

function bodyBlock(d) {
  const bytes = b64bytes(d.body_base64);
  const isText = d.body_text != null;
  let parsed;
  let parseError = null;
  if (isText && d.body_text.trim()) {
    try {
      parsed = JSON.parse(d.body_text);
    } catch (err) {
      parseError = err.message;
    }
  }
  const views = {
    tree: () => (parsed !== undefined ? h('div.tree', { 'data-testid': 'body-tree' }, jsonTree(parsed, null, 0)) : h('p.muted', { text: parseError ? `Not JSON: ${parseError}` : 'Not text: see the hex view.' })),
    text: () => (isText ? h('pre.exact', { 'data-testid': 'body-text' }, d.body_text) : h('p.muted', { text: 'The body is not UTF-8: see the hex view.' })),
    hex: () => hexDump(bytes),
  };
  const holder = h('div.body-view');
  const tabs = h('div.tabs', { role: 'tablist' });
  const show = (name, chosen) => {
    if (chosen) state.view = name; // the view a click picks stays for the next request
    holder.replaceChildren(views[name]());
    for (const b of tabs.children) b.setAttribute('aria-selected', String(b.dataset.view === name));
  };
  for (const [name, label] of [['text', 'exact text'], ['tree', 'JSON tree'], ['hex', 'hex']]) {
    tabs.append(h('button', { type: 'button', role: 'tab', 'data-view': name, 'data-testid': `view-${name}`, text: label, onclick: () => show(name, true) }));
  }
  show(!isText && state.view !== 'hex' ? 'hex' : state.view, false);
  const note = isText ? `${bytes.length} bytes, UTF-8, shown exactly as received (escapes not decoded)` : `${bytes.length} bytes, not UTF-8`;
  return h('section.block', { 'data-testid': 'body' }, h('h3', null, 'Body ', h('span.muted.small', { text: note })), tabs, holder);
}

/**
 * A collapsible tree of a parsed body (keys and values decoded, as a JSON parser sees them).
 * Nodes open up to depth 10 (a whole WhatsApp payload) while fewer than TREE_OPEN nodes
 * exist; deeper or later ones are built when first opened, so a large body cannot stall the
 * page.
 */
const TREE_OPEN = 3000;
function jsonTree(value, key, depth, budget = { left: TREE_OPEN }) {
  budget.left -= 1;
  const keyEl = key === null ? null : h('span.k', { text: typeof key === 'number' ? `${key}` : JSON.stringify(key) });
  const sep = key === null ? null : ': ';
  if (value !== null && typeof value === 'object') {
    const isArr = Array.isArray(value);
    const entries = isArr ? value.map((v, i) => [i, v]) : Object.entries(value);
    const open = isArr ? '[' : '{';
    const close = isArr ? ']' : '}';
    if (!entries.length) return h('div.leaf', null, keyEl, sep, h('span.p', { text: open + close }));
    const det = h('details.node');
    const build = () => h('div.children', null, entries.map(([k, v]) => jsonTree(v, k, depth + 1, budget)));
    det.append(
      h('summary', null, keyEl, sep, h('span.p', { text: open }), h('span.count.muted', { text: ` ${entries.length} ${isArr ? 'items' : 'keys'} ` }), h('span.p.closer', { text: close })),
    );
    if (depth < 10 && budget.left > 0) {
      det.open = true;
      det.append(build(), h('div.p', { text: close }));
    } else {
      det.addEventListener(
        'toggle',
        () => {
          budget.left = TREE_OPEN;
          det.append(build(), h('div.p', { text: close }));
        },
        { once: true },
      );
    }
    return det;
  }
  const cls = value === null ? 'null' : typeof value;
  const txt = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return h('div.leaf', null, keyEl, sep, h(`span.${cls}`, { text: txt }));
}

function forwardBlock(d) {
  const f = d.forward;
  if (!f && !d.forward_response) return null;
  const rows = [];
  if (f) {
    rows.push(['target', h('code', { text: f.url || '' }), 'fwd-url']);
    if (f.error) rows.push(['error', h('span.error', { text: f.error }), 'fwd-error']);
  }
  const r = d.forward_response;
  if (r) {
    rows.push(['status', h('span', { class: statusClass(r.status), text: r.status }), 'fwd-status']);
    rows.push(['time', fmtMs(r.ms ?? f?.ms), 'fwd-time']);
  } else if (f && f.status != null) {
    rows.push(['status', h('span', { class: statusClass(f.status), text: f.status }), 'fwd-status']);
    rows.push(['time', fmtMs(f.ms), 'fwd-time']);
  }
  return h(
    'section.block',
    { 'data-testid': 'forward' },
    h('h3', { text: "App's response (--forward-to)" }),
    kv(rows),
    r && r.headers ? headersTable(r.headers) : null,
    r && r.body_text != null ? h('pre.exact', { text: r.body_text }) : null,
  );
}

// ---------------------------------------------------------------------------------------------
// Actions: replay, edit, forge, curl

function hasForward() {
  return state.info ? Boolean(state.info.forward_to) : true;
}

/** Re-signing (re-signed, edited) needs listen's secret; without /api/info, assume it has one. */
function hasSecret() {
  return state.info ? Boolean(state.info.secret) : true;
}

function actions(d) {
  const noSecret = hasSecret() ? null : 'needs listen --secret-file or CMZON_WEBHOOK_SECRET';
  const target = h(
    'select',
    { id: 'replay-target', 'data-testid': 'replay-target', 'aria-label': 'Replay target' },
    h('option', { value: 'endpoint', text: 'to listen endpoint' }),
    hasForward() ? h('option', { value: 'forward', text: 'to forward target' }) : null,
  );
  const mode = h(
    'select',
    { id: 'replay-mode', 'data-testid': 'replay-mode', 'aria-label': 'Replay mode' },
    h('option', { value: 'as-captured', text: 'as captured', title: 'exact bytes, original signature' }),
    h('option', { value: 're-signed', text: 're-signed', title: noSecret || 're-signed with the configured secret', disabled: !hasSecret() }),
  );
  const forge = h(
    'select',
    { id: 'forge-kind', 'data-testid': 'forge-kind', 'aria-label': 'Forgery' },
    h('option', { value: 'wrong-secret', text: 'wrong secret' }),
    h('option', { value: 'modified-body', text: 'body changed, signature kept' }),
    h('option', { value: 'no-signature', text: 'no signature' }),
  );
  return h(
    'div.actions',
    { 'data-testid': 'actions' },
    h('div.group', null, h('button.primary', { type: 'button', 'data-testid': 'replay', title: 'Replay (r)', text: 'Replay', onclick: () => replayOpen() }), mode, target),
    h('div.group', null, h('button', { type: 'button', 'data-testid': 'edit', title: noSecret ? `Edit and replay: ${noSecret}` : 'Edit and replay (e)', text: 'Edit & replay', disabled: !hasSecret(), onclick: () => openEdit() })),
    h('div.group', null, h('button', { type: 'button', 'data-testid': 'forge', title: 'Send a forged copy the app must reject', text: 'Send forged', onclick: () => forgeOpen() }), forge),
    h('div.group', null, h('button', { type: 'button', 'data-testid': 'copy-curl', title: 'Copy as curl (c)', text: 'Copy as curl', onclick: () => copyCurl() })),
    h('div.curl-box', { id: 'curl-box', hidden: true }, h('textarea', { id: 'curl-text', 'data-testid': 'curl-text', readonly: true, rows: 4, spellcheck: 'false' })),
  );
}

async function replay(body) {
  try {
    const r = await api('/api/replay', { method: 'POST', body: JSON.stringify(body) });
    const what = body.mode === 'forged' ? `forged (${body.forge})` : body.mode;
    const msg = h('span', null, `#${body.id} ${what} → ${r.target_url || body.target}: `, h('b', { text: r.status ?? '?' }));
    if (r.id != null) msg.append(' as ', link(r.id, `#${r.id}`));
    toast(msg, 'ok');
    if (r.id != null && !state.byId.has(r.id)) refreshSoon();
    return r;
  } catch (err) {
    toast(`Replay of #${body.id} failed: ${err.message}`, 'error');
    throw err;
  }
}

function replayOpen() {
  if (state.open == null) return;
  const mode = $('#replay-mode')?.value || 'as-captured';
  const target = $('#replay-target')?.value || 'endpoint';
  replay({ id: state.open, target, mode }).catch(() => {});
}

function forgeOpen() {
  if (state.open == null) return;
  const target = $('#replay-target')?.value || 'endpoint';
  replay({ id: state.open, target, mode: 'forged', forge: $('#forge-kind').value }).catch(() => {});
}

function openEdit() {
  const d = state.detail;
  if (!d || d.id !== state.open) return;
  const dlg = $('#edit');
  $('#edit-src').textContent = `#${d.id}`;
  $('#edit-body').value = d.body_text ?? '';
  $('#edit-set').value = '';
  $('#edit-target').value = $('#replay-target')?.value || 'endpoint';
  $('#edit-target').querySelector('option[value=forward]').disabled = !hasForward();
  $('#edit-error').hidden = true;
  dlg.dataset.original = d.body_text ?? '';
  dlg.showModal();
  $('#edit-body').focus();
}

function parseSet(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}": write path=value`);
    const path = line.slice(0, eq).trim();
    const v = line.slice(eq + 1);
    let value;
    try {
      value = JSON.parse(v);
    } catch {
      value = v;
    }
    out.push({ path, value });
  }
  return out;
}

async function sendEdit(ev) {
  ev.preventDefault();
  const dlg = $('#edit');
  const err = $('#edit-error');
  let set;
  try {
    set = parseSet($('#edit-set').value);
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    return;
  }
  const body = $('#edit-body').value;
  const req = { id: state.open, target: $('#edit-target').value, mode: 'edited' };
  if (body !== dlg.dataset.original) req.body = body;
  if (set.length) req.set = set;
  try {
    await replay(req);
    dlg.close();
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  }
}

async function copyCurl() {
  if (state.open == null) return;
  let r;
  try {
    r = await api(`/api/requests/${state.open}/curl`);
  } catch (err) {
    toast(`curl: ${err.message}`, 'error');
    return;
  }
  const box = $('#curl-box');
  const ta = $('#curl-text');
  if (!box || !ta) return;
  ta.value = r.curl;
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(r.curl);
    toast('curl command copied (it carries the signature, never the secret)', 'ok');
  } catch {
    ta.select();
    toast('Clipboard not available: the command is in the box, selected', 'ok');
  }
}

// ---------------------------------------------------------------------------------------------
// Diff

async function showDiff(a, b) {
  const [x, y] = [a, b].sort((m, n) => m - n);
  let L;
  let R;
  try {
    [L, R] = await Promise.all([api(`/api/requests/${x}`), api(`/api/requests/${y}`)]);
  } catch (err) {
    toast(`Diff: ${err.message}`, 'error');
    return;
  }
  rowEl(state.open)?.classList.remove('open');
  state.open = null;
  state.detail = null;
  $('#detail').replaceChildren(renderDiff(L, R));
  $('#detail').scrollTop = 0;
  $('#detail .diff-first')?.scrollIntoView({ block: 'nearest' });
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function markedText(text, at, testid) {
  const pre = h('pre.exact', { 'data-testid': testid });
  if (at < 0) {
    pre.append(text);
    return pre;
  }
  pre.append(text.slice(0, at), h('mark.diff-first', { text: text.slice(at, at + 1) || '∅' }), text.slice(at + 1));
  return pre;
}

function lineCol(text, at) {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

function renderDiff(L, R) {
  const link2 = (d) => h('span', null, link(d.id, `#${d.id}`), ' ', badge(d.signature), ' ', h('span.muted', { text: fmtTime(d.received_at) }));
  const relation = [];
  for (const [p, q] of [[L, R], [R, L]]) {
    if (q.duplicate_of === p.id) relation.push(`#${q.id} is a duplicate of #${p.id}`);
    if (q.replay_of === p.id) relation.push(`#${q.id} replays #${p.id}${q.replay_mode ? ` (${q.replay_mode})` : ''}`);
  }
  // Headers: aligned by name (case-insensitive), in the left one's order, then the right's extras.
  const lh = L.headers || [];
  const rh = R.headers || [];
  const used = new Set();
  const hrows = [];
  let firstHeader = null;
  for (const [n, v] of lh) {
    const j = rh.findIndex(([m], k) => !used.has(k) && m.toLowerCase() === n.toLowerCase());
    if (j >= 0) used.add(j);
    const rv = j >= 0 ? rh[j] : null;
    const differs = !rv || rv[0] !== n || rv[1] !== v;
    if (differs && !firstHeader) firstHeader = n;
    hrows.push([n, v, rv ? rv[0] : '', rv ? rv[1] : '(absent)', differs]);
  }
  rh.forEach(([m, v], k) => {
    if (used.has(k)) return;
    if (!firstHeader) firstHeader = m;
    hrows.push(['', '(absent)', m, v, true]);
  });
  const htable = h(
    'table.diff-headers',
    { 'data-testid': 'diff-headers' },
    h('tr', null, h('th', { colspan: 2, text: `#${L.id}` }), h('th', { colspan: 2, text: `#${R.id}` })),
    hrows.map(([n, v, m, w, differs]) => h('tr', { class: differs ? 'differs' : '' }, h('th', { text: n }), h('td', { text: v }), h('th', { text: m }), h('td', { text: w }))),
  );
  // Bodies: the first differing byte, shown in the exact text (or hex) of both.
  const lb = b64bytes(L.body_base64);
  const rb = b64bytes(R.body_base64);
  const at = firstDiff(lb, rb);
  let summary;
  let panes;
  if (at < 0) {
    summary = `bodies identical (${lb.length} bytes)`;
  } else {
    summary = `bodies differ from byte ${at} (${lb.length} vs ${rb.length} bytes)`;
  }
  if (L.body_text != null && R.body_text != null) {
    const ct = firstDiff(L.body_text, R.body_text);
    if (ct >= 0) summary += `, ${lineCol(L.body_text, ct)}`;
    panes = [markedText(L.body_text, ct, 'diff-left'), markedText(R.body_text, ct, 'diff-right')];
  } else {
    panes = [hexDump(lb, at), hexDump(rb, at)];
  }
  return h(
    'div.diff',
    { 'data-testid': 'diff-view', 'data-left': L.id, 'data-right': R.id },
    h('h2', null, 'Diff ', link2(L), ' ↔ ', link2(R)),
    relation.length ? h('p', { 'data-testid': 'diff-relation', text: relation.join('; ') }) : null,
    h('section.block', null, h('h3', null, 'Headers ', h('span.muted.small', { text: firstHeader ? `first difference: ${firstHeader}` : 'identical' })), htable),
    h('section.block', null, h('h3', null, 'Body ', h('span.muted.small', { 'data-testid': 'diff-summary', text: summary })), h('div.sides', null, panes)),
  );
}

// ---------------------------------------------------------------------------------------------
// Toast, help, keyboard, filters

let toastTimer = null;
function toast(msg, kind) {
  const t = $('#toast');
  t.replaceChildren(msg instanceof Node ? msg : document.createTextNode(msg));
  t.dataset.kind = kind || 'ok';
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    t.hidden = true;
  }, kind === 'error' ? 12000 : 6000);
}

function move(delta) {
  if (!state.entries.length) return;
  let i = state.entries.findIndex((e) => e.id === state.cursor);
  if (i < 0) i = delta > 0 ? -1 : state.entries.length;
  i = Math.max(0, Math.min(state.entries.length - 1, i + delta));
  setCursor(state.entries[i].id);
}

function onKey(ev) {
  const t = ev.target;
  const typing = t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  if (ev.key === 'Escape') {
    if (typing) t.blur();
    return; // open dialogs close themselves on Esc
  }
  if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if ((ev.key === 'Enter' || ev.key === ' ') && t instanceof HTMLElement && (t.tagName === 'BUTTON' || t.tagName === 'A')) return;
  if (document.querySelector('dialog[open]')) return;
  const keys = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    Enter: () => state.cursor != null && openDetail(state.cursor),
    '/': () => $('#search').focus(),
    r: () => replayOpen(),
    e: () => openEdit(),
    c: () => copyCurl(),
    x: () => state.cursor != null && toggleCheck(state.cursor, !state.checked.has(state.cursor)),
    d: () => diffChecked(),
    '?': () => $('#help').showModal(),
  };
  const f = keys[ev.key];
  if (f) {
    ev.preventDefault();
    f();
  }
}

function diffChecked() {
  if (state.checked.size !== 2) return;
  const [a, b] = [...state.checked];
  showDiff(a, b);
}

function tryCommand() {
  const info = state.info;
  if (info && info.try) return info.try;
  if (info && info.webhook_url) return `cmzon-hook send messages --to ${info.webhook_url}${info.secret ? ' --secret SECRET' : ''}`;
  return 'cmzon-hook send messages --to URL   (URL: the "Ready: listening on" address listen printed)';
}

async function loadInfo() {
  try {
    state.info = await api('/api/info');
  } catch {
    state.info = null;
  }
  $('#try').textContent = tryCommand();
}

function init() {
  $('#search').addEventListener('input', refreshAfterTyping);
  for (const id of ['#f-verdict', '#f-kind', '#f-type', '#f-status']) $(id).addEventListener('change', () => refresh());
  $('#filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    refresh();
  });
  const reset = () => {
    $('#filters').reset();
    refresh();
  };
  $('#f-reset').addEventListener('click', reset);
  $('#nomatch-reset').addEventListener('click', reset);
  $('#check-all').addEventListener('change', (ev) => {
    for (const e of state.entries) toggleCheck(e.id, ev.target.checked);
  });
  $('#diff').addEventListener('click', diffChecked);
  $('#help-open').addEventListener('click', () => $('#help').showModal());
  $('#clear').addEventListener('click', async () => {
    try {
      const r = await api('/api/clear', { method: 'POST', body: '{}' });
      toast(`Cleared ${r?.cleared ?? 0} requests from view (the capture file is kept)`, 'ok');
      state.checked.clear();
      refresh();
    } catch (err) {
      toast(`Clear failed: ${err.message}`, 'error');
    }
  });
  $('#edit-form').addEventListener('submit', sendEdit);
  $('#edit-cancel').addEventListener('click', () => $('#edit').close());
  document.addEventListener('keydown', onKey);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.stale) {
      state.stale = false;
      refresh();
    }
  });
  $('#try').textContent = tryCommand();
  loadInfo();
  connect();
  refresh();
}

init();
