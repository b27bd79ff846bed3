// The console page: a list of migrations and one page per migration, refreshed every 1.5 s from
// the console's JSON API. Every action is confirmed with the workflow's own words for what it does.
'use strict';

const POLL_MS = 1500;
const PHASES = ['preflight', 'dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp', 'write_switch', 'complete', 'decommission'];
const STATES = ['running', 'waiting_approval', 'paused', 'rolling_back', 'failed', 'completed', 'aborted', 'terminated'];
const view = document.getElementById('view');
let session = null;
let shown = '';
let charts = {};
let current = null;

const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const badge = (cls, text) => `<span class="badge ${esc(cls)}">${esc(text)}</span>`;
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const ago = (iso) => (iso ? `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago` : '');
const num = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
const pct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(2)} %`);

async function api(path, init = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  if (res.status === 401) {
    document.getElementById('login').hidden = false;
    throw new Error('sign in first');
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function route() {
  const m = location.hash.match(/^#\/m\/(.+)$/);
  return m
    ? { page: 'migration', id: decodeURIComponent(m[1]) }
    : { page: 'list', state: new URLSearchParams(location.hash.split('?')[1] || '').get('state') || '' };
}

async function refresh() {
  const r = route();
  try {
    const data =
      r.page === 'list'
        ? await api(`/api/migrations${r.state ? `?state=${encodeURIComponent(r.state)}` : ''}`)
        : await api(`/api/migrations/${encodeURIComponent(r.id)}`);
    const key = JSON.stringify([r, data]);
    if (key !== shown) {
      shown = key;
      if (r.page === 'list') renderList(data, r.state);
      else renderMigration(data);
    }
    document.getElementById('live').textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    document.getElementById('live').textContent = `error: ${err.message}`;
  }
}

function renderList(rows, state) {
  charts = {};
  current = null;
  const options = ['', ...STATES].map((s) => `<option value="${s}" ${s === state ? 'selected' : ''}>${s || 'every state'}</option>`).join('');
  view.innerHTML = `
    <h1>Migrations</h1>
    <label>State <select id="state-filter">${options}</select></label>
    <table id="migrations"><thead><tr><th>id</th><th>phase</th><th>state</th><th>pending approval</th><th>reads on new</th><th>last gate</th><th>started</th></tr></thead>
    <tbody>${rows
      .map(
        (m) => `<tr data-id="${esc(m.id)}"><td><a href="#/m/${encodeURIComponent(m.id)}">${esc(m.id)}</a></td><td>${esc(m.phase)}</td>
        <td>${badge(`state-${m.state}`, m.state)}${m.unavailable ? ` <span class="unavailable" title="${esc(m.unavailable)}">(status unavailable)</span>` : ''}</td>
        <td>${m.pendingApproval ? `${esc(m.pendingApproval.phase)} since ${esc(time(m.pendingApproval.since))}` : ''}</td>
        <td>${m.readPercent === null ? '' : `${m.readPercent} %`}</td>
        <td>${m.gateVerdict ? badge(`verdict-${m.gateVerdict}`, m.gateVerdict) : ''}</td><td>${esc(time(m.started))}</td></tr>`,
      )
      .join('')}</tbody></table>
    ${rows.length ? '' : '<p>No migrations.</p>'}`;
  document.getElementById('state-filter').onchange = (e) => (location.hash = e.target.value ? `#/?state=${e.target.value}` : '#/');
}

function renderMigration(v) {
  const s = v.status;
  current = v;
  const p = s.pendingApproval;
  view.innerHTML = `
    <h1>${esc(s.migrationId)} ${badge('', s.phase === 'read_ramp' ? `read_ramp ${s.rampPercent}%` : (s.phase ?? 'start'))} ${badge(`state-${s.state}`, s.state)}</h1>
    ${p ? `<div class="pending" id="pending">Waiting for approval of <b>${esc(p.phase)}</b> since ${esc(time(p.since))} (${esc(ago(p.since))}): ${esc(p.reason)}</div>` : ''}
    ${s.failure ? `<p class="error">${esc(s.failure)}</p>` : ''}
    <div class="actions">${['approve', 'pause', 'resume', 'throttle', 'rollback', 'abort'].map((a) => `<button data-action="${a}">${a}</button>`).join('')}</div>
    <div class="facts">
      <span>routing</span><span id="routing">${s.routing ? `v${s.routing.version}: writes ${esc(s.routing.writes)}, reads ${esc(s.routing.reads)} (${s.routing.readPercent} % new)` : '–'}</span>
      <span>last gate</span><span>${s.gates.latest ? `${badge(`verdict-${s.gates.latest.verdict}`, s.gates.latest.verdict)} ${esc((s.gates.latest.reasons || []).join('; '))} · error ${pct(s.gates.latest.errorRate)}, mismatch ${pct(s.gates.latest.mismatchRate)}` : '–'}</span>
      <span>reconcile queue</span><span id="reconcile">${s.reconcileQueue ? `${num(s.reconcileQueue.depth)} keys ${s.reconcileQueue.error ? `(${esc(s.reconcileQueue.error)})` : ''}` : '–'}</span>
      <span>CDC lag</span><span>${s.cdc && s.cdc.lag ? `${num(s.cdc.lag.seconds)} s, ${num(s.cdc.lag.bytes)} bytes` : '–'}</span>
      <span>throttle</span><span>${s.rowsPerSecond === null ? "the spec's rate" : s.rowsPerSecond === 0 ? 'unlimited' : `${num(s.rowsPerSecond)} rows/s`}</span>
      <span>copy-back</span><span>${s.copyBack ? `${esc(s.copyBack.state)} ${num(s.copyBack.copied)}/${num(s.copyBack.total)}` : '–'}</span>
    </div>
    <h2>Progress</h2>
    <table id="entities"><thead><tr><th>entity</th><th>step</th><th>state</th><th>rows</th><th></th><th>rows/s</th><th>ETA</th><th>quarantined</th></tr></thead><tbody>
    ${v.entities
      .map((e) => {
        const share = e.total ? Math.min(100, (100 * e.done) / e.total) : e.state === 'completed' ? 100 : 0;
        return `<tr><td>${esc(e.entity)}</td><td>${e.kind}</td><td>${esc(e.state)}</td><td>${num(e.done)} / ${num(e.total)}</td>
        <td><span class="bar"><span data-pct="${share}"></span></span></td><td>${e.rowsPerSecond === null ? '' : num(Math.round(e.rowsPerSecond))}</td>
        <td>${e.etaSeconds === null ? '' : `${num(e.etaSeconds)} s`}</td><td>${e.quarantined === null ? '' : num(e.quarantined)}</td></tr>`;
      })
      .join('')}</tbody></table>
    <h2>Over time</h2>
    <div class="charts"><div class="chart" id="chart-read"></div><div class="chart" id="chart-gates"></div><div class="chart" id="chart-lag"></div></div>
    <h2>${v.verification.final ? 'Final verification' : 'Latest verification'}</h2>
    ${verificationTable(v.verification.results)}
    <h2>Routing hooks</h2>
    ${hooksTable(s.hooks || [])}
    <h2>Timeline</h2>
    <table id="timeline"><thead><tr><th>at</th><th>from</th><th>to</th><th>by</th><th>why</th></tr></thead><tbody>
    ${[...s.transitions]
      .reverse()
      .map((t) => `<tr><td>${esc(time(t.at))}</td><td>${esc(t.from)}</td><td>${esc(t.to)}</td><td>${esc(t.by)}</td><td>${esc(t.reason)}</td></tr>`)
      .join('')}</tbody></table>`;
  view.querySelectorAll('[data-pct]').forEach((el) => (el.style.width = `${el.dataset.pct}%`));
  view.querySelectorAll('[data-action]').forEach((b) => (b.onclick = () => openDialog(b.dataset.action)));
  drawCharts(v.series);
}

function hooksTable(hooks) {
  if (!hooks.length) return '<p>None ran.</p>';
  return `<table id="hooks"><thead><tr><th>at</th><th>trigger</th><th>from → to</th><th>action</th><th>outcome</th></tr></thead><tbody>
    ${[...hooks]
      .reverse()
      .map(
        (h) =>
          `<tr><td>${esc(time(h.at))}</td><td>${esc(h.trigger)}</td><td>${esc(h.from)} → ${esc(h.to)}</td><td>${esc(h.action)}</td><td>${badge(h.state === 'ok' ? 'verdict-green' : 'verdict-breach', h.state)} ${esc(h.detail)}</td></tr>`,
      )
      .join('')}</tbody></table>`;
}

function verificationTable(results) {
  const rows = Object.entries(results);
  if (!rows.length) return '<p>None yet.</p>';
  return `<table id="verification"><thead><tr><th>entity</th><th>clean</th><th>compared</th><th>found</th><th>remaining</th><th>unconfirmed</th><th>written since switch</th></tr></thead><tbody>
    ${rows
      .map(
        ([e, r]) =>
          `<tr><td>${esc(e)}</td><td>${r.clean ? 'yes' : 'no'}</td><td>${num(r.rowsCompared)}</td><td>${num(r.found?.totals?.all)}</td><td>${num(r.remaining?.totals?.all)}</td><td>${num(r.unconfirmed)}</td><td>${num(r.writtenSinceSwitch)}</td></tr>`,
      )
      .join('')}</tbody></table>`;
}

function drawCharts(series) {
  const sec = (t) => t / 1000;
  const stepped = uPlot.paths.stepped({ align: 1 });
  const specs = [
    [
      'chart-read',
      'read % on the new database',
      [series.readPercent.map((p) => sec(p.at)), series.readPercent.map((p) => p.percent)],
      [{ label: 'read %', stroke: '#3b7ddd', paths: stepped }],
    ],
    [
      'chart-gates',
      'gate error and mismatch rate (%)',
      [series.gates.map((g) => sec(g.at)), series.gates.map((g) => (g.errorRate ?? 0) * 100), series.gates.map((g) => (g.mismatchRate ?? 0) * 100)],
      [
        { label: 'error %', stroke: '#d33' },
        { label: 'mismatch %', stroke: '#e90' },
      ],
    ],
    ['chart-lag', 'CDC lag (s)', [series.cdcLag.map((p) => sec(p.at)), series.cdcLag.map((p) => p.seconds)], [{ label: 'lag s', stroke: '#393' }]],
  ];
  charts = {};
  for (const [id, title, data, lines] of specs) {
    const el = document.getElementById(id);
    if (!data[0].length) {
      el.textContent = `${title}: no points yet`;
      continue;
    }
    charts[id] = new uPlot(
      { title, width: 360, height: 180, series: [{}, ...lines.map((l) => ({ width: 2, ...l }))], scales: { x: { time: true } } },
      data,
      el,
    );
  }
}

// The confirmation dialog: fields for the action, the workflow's words for what it would do, then the update.
const dialog = document.getElementById('confirm');
const FIELDS = {
  approve: () => `<label>Note <input name="note" placeholder="why (recorded in the history)" /></label>${choiceField()}`,
  pause: () => '<label>Reason <input name="reason" /></label>',
  resume: () => '<label>Reason <input name="reason" /></label>',
  throttle: () => '<label>Rows per second per entity (0 lifts the limit) <input name="rowsPerSecond" type="number" min="0" value="100" /></label>',
  rollback: () =>
    `<label>Roll back to <select name="to">${PHASES.map((p) => `<option value="${p}">${p}</option>`).join('')}</select></label><label>Reason <input name="reason" required /></label>`,
  abort: () => '<label>Reason <input name="reason" required /></label>',
};

function choiceField() {
  const choices = (current?.status.pendingApproval?.choices || []).filter((c) => c !== 'approve' && c !== 'rollback');
  return choices.length
    ? `<label>Answer <select name="approveAction">${choices.map((c) => `<option value="${c}">${c}</option>`).join('')}</select></label>`
    : '';
}

function dialogValues() {
  const out = {};
  dialog.querySelectorAll('[name]').forEach((el) => {
    if (el.value === '') return;
    out[el.name] = el.name === 'rowsPerSecond' ? Number(el.value) : el.value;
  });
  return out;
}

async function explain(action) {
  const v = dialogValues();
  const q = new URLSearchParams({ action });
  for (const k of ['to', 'rowsPerSecond', 'approveAction']) if (v[k] !== undefined) q.set(k, v[k]);
  const words = document.getElementById('confirm-words');
  const go = document.getElementById('confirm-go');
  try {
    const c = await api(`/api/migrations/${encodeURIComponent(current.status.migrationId)}/consequence?${q}`);
    words.textContent = c.accepted ? c.words : `Refused now: ${c.words}`;
    go.disabled = !c.accepted;
  } catch (err) {
    words.textContent = err.message;
    go.disabled = true;
  }
}

function openDialog(action) {
  if (!current) return;
  document.getElementById('confirm-title').textContent = `${action} ${current.status.migrationId}`;
  document.getElementById('confirm-fields').innerHTML = FIELDS[action]();
  document.getElementById('confirm-error').textContent = '';
  document.getElementById('confirm-words').textContent = '…';
  dialog.dataset.action = action;
  dialog.querySelectorAll('[name]').forEach((el) => (el.onchange = () => explain(action)));
  dialog.showModal();
  explain(action);
}

document.getElementById('confirm-go').onclick = async (e) => {
  e.preventDefault();
  const action = dialog.dataset.action;
  const go = e.target;
  go.disabled = true;
  document.getElementById('confirm-error').textContent = '';
  try {
    await api(`/api/migrations/${encodeURIComponent(current.status.migrationId)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchyard-csrf': session.csrf },
      body: JSON.stringify(dialogValues()),
    });
    dialog.close();
    shown = '';
    refresh();
  } catch (err) {
    document.getElementById('confirm-error').textContent = err.message;
    go.disabled = false;
  }
};

async function main() {
  try {
    session = await api('/api/session');
    document.getElementById('who').textContent = `acting as ${session.actor}`;
  } catch {
    return;
  }
  window.addEventListener('hashchange', () => {
    shown = '';
    refresh();
  });
  await refresh();
  setInterval(refresh, POLL_MS);
}

main();
