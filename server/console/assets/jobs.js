// The jobs pages (what Flink's dashboard shows): every job with its
// counts and rates, and one job's plan as a graph with per-operator
// metrics, its inputs, checkpoints, exceptions and a Stop button.
import { h, svg, replace, link, enc, fmtNum, fmtBytes, fmtTime, fmtAgo, badge, table } from './dom.js';
import { api, del, poll } from './api.js';

const POLL_MS = 2000;

// rates remembers the last counts per job to show records per second.
function rateKeeper() {
  const last = new Map();
  return (key, value) => {
    const now = performance.now();
    const prev = last.get(key);
    last.set(key, { value, now });
    if (!prev || now <= prev.now) return null;
    return Math.max(0, (value - prev.value) / ((now - prev.now) / 1000));
  };
}

const withRate = (n, r) => [h('span', { class: 'count' }, fmtNum(n)), r == null ? null : h('span', { class: 'rate' }, `${fmtNum(Math.round(r))}/s`)];

const head = s => {
  const line = (s || '').replace(/\s+/g, ' ').trim();
  return line.length > 90 ? line.slice(0, 89) + '…' : line;
};

export function jobsPage(root) {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading jobs…'));
  replace(root, h('h1', null, 'Jobs'), body);
  const rate = rateKeeper();
  const columns = [
    { title: 'Job' }, { title: 'Statement' }, { title: 'Dialect' }, { title: 'Status' }, { title: 'Started' },
    { title: 'Records in', class: 'num' }, { title: 'Records out', class: 'num' }, { title: 'Lag', class: 'num' },
    { title: 'Last checkpoint' }, { title: 'Restarts', class: 'num' },
  ];
  return poll(async () => {
    let jobs;
    try {
      jobs = await api('/v1/jobs');
    } catch (e) {
      replace(body, h('p', { class: 'error' }, String(e.message)));
      return;
    }
    if (jobs.length === 0) {
      replace(body, h('p', { class: 'muted' }, 'No jobs yet. Run an INSERT, a CREATE ... AS SELECT or a ksqlDB query from ', link('/ui/sql', 'SQL'), ' or the REPL.'));
      return;
    }
    replace(body, table(columns, jobs.map(j => ({
      attrs: { 'data-job-id': j.id },
      cells: [
        [link('/ui/jobs/' + enc(j.id), j.name), h('div', { class: 'muted small mono' }, j.id)],
        h('span', { class: 'mono small', title: j.statement }, head(j.statement)),
        j.dialect,
        [badge(j.status), j.error ? h('div', { class: 'error small' }, head(j.error)) : null],
        h('span', { class: 'nowrap' }, fmtTime(j.started)),
        withRate(j.metrics.records_in, rate(j.id + '/in', j.metrics.records_in)),
        withRate(j.metrics.records_out, rate(j.id + '/out', j.metrics.records_out)),
        j.lag == null ? '–' : fmtNum(j.lag),
        j.last_checkpoint ? fmtAgo(j.last_checkpoint.time) : '–',
        fmtNum(j.restarts),
      ],
    })), { id: 'jobs' }));
  }, POLL_MS);
}

export function jobPage(root, [id]) {
  const title = h('h1', null, 'Job ', h('span', { class: 'mono' }, id));
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, title, body);
  const rate = rateKeeper();
  let stopping = false;
  const stopButton = h('button', { class: 'danger', id: 'stop-job', onclick: stop }, 'Stop');

  async function stop() {
    if (!confirm(`Stop job ${id}?\n\nIt takes a last checkpoint and does not run again.`)) return;
    stopping = true;
    stopButton.disabled = true;
    try {
      await del('/v1/jobs/' + enc(id));
    } catch (e) {
      alert('Stop failed: ' + e.message);
    }
    stopping = false;
    refresh();
  }

  async function refresh() {
    let j;
    try {
      j = await api('/v1/jobs/' + enc(id));
    } catch (e) {
      replace(body, h('p', { class: 'error' }, e.status === 404 ? `No job ${id} (a stopped ksqlDB query is gone).` : e.message));
      replace(title, 'Job ', h('span', { class: 'mono' }, id));
      return;
    }
    const live = ['RUNNING', 'PAUSED', 'RESTARTING'].includes(j.status);
    stopButton.disabled = !live || stopping;
    replace(title, j.name, badge(j.status), live ? stopButton : null);
    const m = j.metrics;
    const sinkLink = j.sink ? link('/ui/tables/' + enc(j.sink), j.sink) : '–';
    replace(body,
      h('div', { class: 'panel' }, h('dl', { class: 'kv', id: 'job-summary' },
        h('dt', null, 'Id'), h('dd', { class: 'mono' }, j.id),
        h('dt', null, 'Dialect'), h('dd', null, j.dialect),
        h('dt', null, 'Sink'), h('dd', null, sinkLink),
        h('dt', null, 'Started'), h('dd', null, fmtTime(j.started)),
        h('dt', null, 'Records in'), h('dd', { id: 'records-in' }, withRate(m.records_in, rate('in', m.records_in))),
        h('dt', null, 'Records out'), h('dd', { id: 'records-out' }, withRate(m.records_out, rate('out', m.records_out))),
        h('dt', null, 'Watermark'), h('dd', null, m.watermark_time || '–'),
        h('dt', null, 'Late rows dropped'), h('dd', null, fmtNum(m.late_records_dropped)),
        h('dt', null, 'Skipped records'), h('dd', null, fmtNum(m.records_skipped)),
        h('dt', null, 'Lag'), h('dd', null, j.lag == null ? '–' : fmtNum(j.lag)),
        h('dt', null, 'Checkpoints'), h('dd', null, fmtNum(m.checkpoints)),
        h('dt', null, 'Restarts'), h('dd', null, fmtNum(j.restarts)),
      ), j.error ? h('p', { class: 'error' }, j.error) : null),
      h('h2', null, 'Plan'),
      planGraph(j.plan),
      table([{ title: '#', class: 'num' }, { title: 'Operator' }, { title: 'Records in', class: 'num' }, { title: 'Records out', class: 'num' },
        { title: 'Watermark' }, { title: 'State', class: 'num' }, { title: 'Late rows', class: 'num' }, { title: 'Detail' }],
        j.plan.map(n => ({ attrs: { 'data-node': n.id }, cells: [n.id, n.name, fmtNum(n.records_in), fmtNum(n.records_out), n.watermark_time || '–',
          n.state_bytes == null ? '–' : fmtBytes(n.state_bytes), fmtNum(n.late_records_dropped), h('span', { class: 'mono small' }, n.detail)] })),
        { id: 'operators' }),
      h('h2', null, 'Inputs'),
      j.inputs.length === 0 ? h('p', { class: 'muted' }, 'Not running.') :
        table([{ title: 'Source' }, { title: 'Partition', class: 'num' }, { title: 'Next offset', class: 'num' }, { title: 'End offset', class: 'num' }, { title: 'Lag', class: 'num' }],
          j.inputs.flatMap(i => i.partitions.map(p => [i.name, p.partition, fmtNum(p.offset), fmtNum(p.end), p.end == null ? '–' : fmtNum(Math.max(0, p.end - p.offset))]))),
      h('h2', null, 'Checkpoints'),
      j.checkpoint_history.length === 0 ? h('p', { class: 'muted' }, 'None yet.') :
        table([{ title: 'Id', class: 'num' }, { title: 'Completed' }, { title: 'Duration', class: 'num' }, { title: 'Size', class: 'num' }, { title: 'Error' }],
          j.checkpoint_history.slice().reverse().map(c => [c.id, fmtTime(c.time), c.duration_ms.toFixed(1) + ' ms', fmtBytes(c.bytes), c.error ? h('span', { class: 'error' }, c.error) : ''])),
      h('h2', null, 'Exceptions'),
      j.exceptions.length === 0 ? h('p', { class: 'muted', id: 'exceptions' }, 'None.') :
        h('div', { id: 'exceptions' }, j.exceptions.slice().reverse().map(e => h('div', { class: 'panel' }, h('div', { class: 'muted' }, fmtTime(e.time)), h('pre', null, e.message)))),
      h('h2', null, 'Statement'),
      h('pre', { id: 'statement' }, j.statement),
    );
  }
  return poll(refresh, POLL_MS);
}

// planGraph draws the plan left to right: sources first, the sink last;
// each box shows the operator and its counters.
function planGraph(nodes) {
  if (!nodes || nodes.length === 0) return h('p', { class: 'muted' }, 'No plan.');
  const byId = new Map(nodes.map(n => [n.id, n]));
  const consumers = new Map();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, n.id);
  // depth: distance from the sink (the node nobody consumes).
  const depth = new Map();
  const sinks = nodes.filter(n => !consumers.has(n.id));
  const walk = (id, d) => {
    if ((depth.get(id) ?? -1) >= d) return;
    depth.set(id, d);
    for (const i of byId.get(id).inputs) walk(i, d + 1);
  };
  sinks.forEach(s => walk(s.id, 0));
  const maxDepth = Math.max(...depth.values());
  const columns = [];
  for (const n of nodes) {
    const c = maxDepth - depth.get(n.id);
    (columns[c] = columns[c] || []).push(n);
  }
  const W = 200, H = 92, GX = 30, GY = 18;
  const rows = Math.max(...columns.map(c => c.length));
  const pos = new Map();
  columns.forEach((col, c) => col.forEach((n, r) => {
    const offset = (rows - col.length) * (H + GY) / 2;
    pos.set(n.id, { x: 10 + c * (W + GX), y: 10 + offset + r * (H + GY) });
  }));
  const width = 20 + columns.length * (W + GX) - GX, height = 20 + rows * (H + GY) - GY;
  const g = svg('svg', { class: 'plan', width, height, viewBox: `0 0 ${width} ${height}`, id: 'plan-graph' },
    svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', style: 'fill:#8d99ae;stroke:none' }))));
  for (const n of nodes) {
    const to = pos.get(n.id);
    for (const i of n.inputs) {
      const from = pos.get(i);
      const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x, y2 = to.y + H / 2, mx = (x1 + x2) / 2;
      g.append(svg('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    }
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const lines = [
      `in ${fmtNum(n.records_in)} · out ${fmtNum(n.records_out)}`,
      `watermark ${n.watermark_time ? n.watermark_time.slice(11) : '–'}`,
      `state ${n.state_bytes == null ? '–' : fmtBytes(n.state_bytes)} · late ${fmtNum(n.late_records_dropped)}`,
    ];
    g.append(svg('g', { class: 'node', 'data-node': n.id },
      svg('title', null, n.detail),
      svg('rect', { x: p.x, y: p.y, width: W, height: H }),
      svg('text', { x: p.x + 10, y: p.y + 20, class: 'title' }, n.name),
      lines.map((l, k) => svg('text', { x: p.x + 10, y: p.y + 40 + k * 17 }, l))));
  }
  return h('div', { class: 'scroll' }, g);
}
