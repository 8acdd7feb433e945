// The SQL editor: statements in either dialect, as the REPL takes them.
// DDL answers as the REPL does, an INSERT links to its new job, and a
// SELECT (or a ksqlDB push query, or PRINT) streams its rows into a table
// — its changelog, or the rows it amounts to — until it ends or is
// stopped. SET, RESET and UNSET stay in the page and go with every
// statement, as the REPL keeps them.
import { h, replace, link, enc, table } from './dom.js';
import { post, readLines, ApiError } from './api.js';
import { LiveGrid } from './livegrid.js';

const HISTORY_KEY = 'tumble.sql.history';
const CHANGELOG_MAX = 1000;

// splitStatements cuts text at semicolons outside quotes and comments; each
// statement keeps the line it starts on (to place the server's errors).
export function splitStatements(text) {
  const out = [];
  let start = 0, i = 0;
  const push = end => {
    const body = text.slice(start, end);
    if (body.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim()) {
      const lead = body.length - body.trimStart().length;
      const at = start + lead;
      out.push({ text: body.trim(), line: text.slice(0, at).split('\n').length });
    }
    start = end + 1;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      i = close < 0 ? text.length : close + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      i++;
    }
  }
  push(text.length);
  return out;
}

const firstWord = s => (s.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim().match(/^[A-Za-z]+/) || [''])[0].toUpperCase();
const isQuery = s => ['SELECT', 'PRINT', 'WITH', 'VALUES'].includes(firstWord(s));

// session settings: SET 'k' = 'v'; RESET ['k']; UNSET 'k'.
function setting(stmt) {
  const s = stmt.replace(/;\s*$/, '').trim();
  let m = s.match(/^SET\s+'([^']*)'\s*=\s*'([^']*)'$/i);
  if (m) return { set: [m[1], m[2]] };
  m = s.match(/^(?:RESET|UNSET)\s+'([^']*)'$/i);
  if (m) return { unset: m[1] };
  if (/^RESET$/i.test(s)) return { reset: true };
  return null;
}

function loadHistory() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

export function sqlPage(root) {
  const props = {};
  const dialect = h('select', { id: 'dialect' }, h('option', { value: 'flink' }, 'Flink SQL'), h('option', { value: 'ksql' }, 'ksqlDB'), h('option', { value: 'auto' }, 'Auto-detect'));
  const view = h('select', { id: 'result-view' }, h('option', { value: 'table' }, 'as a table'), h('option', { value: 'changelog' }, 'as a changelog'));
  const editor = h('textarea', { id: 'editor', rows: 12, spellcheck: 'false', placeholder: 'SELECT * FROM transactions_table;   (Ctrl+Enter runs)' });
  const runButton = h('button', { class: 'primary', id: 'run', onclick: () => run() }, 'Run');
  const stopButton = h('button', { id: 'stop-query', disabled: true, onclick: () => stopQuery() }, 'Stop');
  const settings = h('div', { class: 'muted small', id: 'settings' });
  const results = h('div', { id: 'results' });
  const historyList = h('ul', { class: 'history', id: 'history' });
  editor.addEventListener('keydown', e => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  replace(root,
    h('h1', null, 'SQL'),
    h('div', { class: 'columns' },
      h('div', null,
        h('div', { class: 'toolbar' }, h('label', null, 'Dialect', dialect), runButton, stopButton, h('label', null, 'Rows', view), settings),
        editor,
        results),
      h('div', { class: 'panel' }, h('strong', null, 'History'), historyList)));

  let history = loadHistory();
  const drawHistory = () => replace(historyList, history.length === 0 ? h('li', { class: 'muted' }, 'Statements you run appear here.') :
    history.map(e => h('li', { title: e.text, onclick: () => { editor.value = e.text; dialect.value = e.dialect; editor.focus(); } }, `[${e.dialect}] ${e.text.replace(/\s+/g, ' ')}`)));
  drawHistory();
  const remember = text => {
    history = [{ text, dialect: dialect.value }, ...history.filter(e => e.text !== text || e.dialect !== dialect.value)].slice(0, 50);
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(history)); } catch { /* private mode */ }
    drawHistory();
  };
  const drawSettings = () => replace(settings, Object.keys(props).length ? 'Session: ' + Object.entries(props).map(([k, v]) => `'${k}' = '${v}'`).join(', ') : '');

  let controller = null, grid = null;
  function stopQuery() {
    if (controller) controller.abort();
  }

  async function run() {
    const text = editor.value;
    if (!text.trim()) return;
    stopQuery();
    if (grid) { grid.destroy(); grid = null; }
    remember(text.trim());
    replace(results);
    const stmts = splitStatements(text);
    for (let k = 0; k < stmts.length; k++) {
      const st = stmts[k];
      const out = h('div', { class: 'panel result' }, h('pre', { class: 'muted' }, st.text));
      results.append(out);
      const s = setting(st.text);
      if (s) {
        if (s.set) props[s.set[0]] = s.set[1];
        if (s.unset) delete props[s.unset];
        if (s.reset) for (const key of Object.keys(props)) delete props[key];
        drawSettings();
        out.append(h('div', { class: 'ok' }, '[INFO] Session property ' + (s.set ? 'set.' : 'reset.')));
        continue;
      }
      if (isQuery(st.text)) {
        if (k < stmts.length - 1) out.append(h('div', { class: 'muted' }, 'A query streams until stopped: the statements after it were not run.'));
        await query(st, out);
        return;
      }
      if (!(await statement(st, out))) return;
    }
  }

  function showError(out, e, st) {
    const err = e.body && e.body.error;
    let text = e.message;
    if (err && err.line) text = `Line ${err.line + st.line - 1}, column ${err.column}: ${err.reason || err.message}`;
    out.append(h('div', { class: 'error' }, text));
  }

  async function statement(st, out) {
    try {
      const r = await post('/v1/statements', { statement: st.text, dialect: dialect.value, properties: props });
      for (const res of r.results) out.append(result(res));
      return true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      for (const res of (e.body && e.body.results) || []) out.append(result(res));
      showError(out, e, st);
      return false;
    }
  }

  async function query(st, out) {
    controller = new AbortController();
    runButton.disabled = true;
    stopButton.disabled = false;
    const status = h('div', { class: 'muted', id: 'query-status' }, 'Starting…');
    out.append(status);
    const asChangelog = view.value === 'changelog';
    let mode = 'insert-only', next = 0, count = 0;
    const byText = new Map(); // materialized retractions: row -> {id, n}
    const order = [];
    try {
      const res = await fetch('/v1/query', {
        method: 'POST', signal: controller.signal,
        headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
        body: JSON.stringify({ statement: st.text, dialect: dialect.value, properties: props }),
      });
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch { /* not JSON */ }
        throw new ApiError(res.status, (body && body.error && body.error.message) || res.statusText, body);
      }
      await readLines(res, msg => {
        if (msg.header) {
          mode = msg.header.changelog_mode;
          const cols = msg.header.columns.map(c => ({ name: c.name, type: c.type }));
          grid = new LiveGrid(asChangelog || mode === 'upsert' ? [{ name: 'op', type: 'STRING' }, ...cols] : cols, { id: 'query-table' });
          if (asChangelog) { grid.sort = null; grid.drawHead(); }
          out.append(grid.el);
          status.textContent = mode === 'upsert' && !asChangelog ? 'Running: an updating result whose keys are not known is shown as its changelog.' : 'Running…';
          return;
        }
        if (msg.row) {
          count++;
          if (asChangelog || mode === 'upsert') {
            grid.upsert(++next, [msg.kind, ...msg.row]);
            order.push(next);
            if (order.length > CHANGELOG_MAX) grid.remove(order.shift());
          } else if (mode === 'retract') {
            const key = JSON.stringify(msg.row);
            const e = byText.get(key);
            if (msg.kind === '-U' || msg.kind === '-D') {
              if (e && --e.n === 0) { byText.delete(key); grid.remove(e.id); }
            } else if (e) {
              e.n++;
            } else {
              const id = ++next;
              byText.set(key, { id, n: 1 });
              grid.upsert(id, msg.row);
            }
          } else {
            grid.upsert(++next, msg.row);
            order.push(next);
            if (order.length > CHANGELOG_MAX) grid.remove(order.shift());
          }
          status.textContent = `Running… ${count} change(s) received.`;
          return;
        }
        if (msg.end) {
          status.textContent = msg.end.error ? '' : `Finished: ${count} change(s).`;
          if (msg.end.error) out.append(h('div', { class: 'error' }, msg.end.error));
        }
      });
    } catch (e) {
      if (e.name === 'AbortError') {
        status.textContent = `Stopped: ${count} change(s).`;
      } else if (e instanceof ApiError) {
        status.textContent = '';
        showError(out, e, st);
      } else {
        status.textContent = '';
        out.append(h('div', { class: 'error' }, String(e.message || e)));
      }
    } finally {
      runButton.disabled = false;
      stopButton.disabled = true;
      controller = null;
    }
  }

  return () => { stopQuery(); if (grid) grid.destroy(); };
}

// result renders one statement's answer as the REPL prints it.
function result(r) {
  switch (r.kind) {
    case 'table':
      return table(r.columns.map(c => ({ title: c })), r.rows);
    case 'job':
      return h('div', { class: 'ok job-result' }, r.message ? r.message + ' ' : '[INFO] Submitted. ', 'Job ID: ', link('/ui/jobs/' + enc(r.job_id), r.job_id));
    case 'explain':
      return h('pre', null, r.plan);
    default:
      return h('div', { class: 'ok' }, '[INFO] ' + (r.message || 'Execute statement succeeded.'));
  }
}
