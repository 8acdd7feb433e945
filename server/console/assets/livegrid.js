// LiveGrid: rows that change while you watch — a sortable table and a
// chart of a numeric column over a time column. Changes are applied to a
// map at once but drawn at most once per animation frame, so a stream of
// thousands of updates a second costs one sort and one redraw a frame.
import { h, replace, fmtNum, fmtTime } from './dom.js';
import uPlot from './vendor/uplot/uPlot.esm.js';

const NUMERIC = /^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;
const TIMESTAMP = /^TIMESTAMP/i;
const TIME_NAME = /^(window_?start|window_?end|windowstart|windowend|rowtime|window_time|ts|time|event_?time.*)$/i;

// timeOf turns a cell of column c into epoch seconds, or null.
function timeOf(c, v) {
  if (v == null) return null;
  if (c.timestamp) {
    const d = new Date(String(v).replace(' ', 'T'));
    return isNaN(d) ? null : d.getTime() / 1000;
  }
  if (c.epochMillis && typeof v === 'number') return v / 1000;
  return null;
}

// clock renders epoch seconds as the local time of day.
const clock = sec => {
  const d = new Date(sec * 1000);
  const p = n => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

export class LiveGrid {
  // columns: [{name, type}]; options: {chart: bool, pageSize, id}.
  constructor(columns, options = {}) {
    this.columns = columns.map((c, i) => ({
      ...c, index: i,
      numeric: NUMERIC.test(c.type || ''),
      timestamp: TIMESTAMP.test(c.type || ''),
      epochMillis: /^BIGINT/i.test(c.type || '') && TIME_NAME.test(c.name),
    }));
    this.rows = new Map();
    this.order = [];
    this.removed = false;
    this.pageSize = options.pageSize || 200;
    this.shown = this.pageSize;
    this.dirty = false;
    this.frame = 0;
    this.renders = 0;
    const timeCols = this.columns.filter(c => c.timestamp || c.epochMillis);
    const xCol = timeCols.find(c => /^window_?start$|^windowstart$/i.test(c.name)) || timeCols[0];
    const yCol = this.columns.find(c => c.numeric && !c.epochMillis && c !== xCol && /total|sum|count|amount|value/i.test(c.name)) ||
      this.columns.find(c => c.numeric && !c.epochMillis && c !== xCol);
    this.sort = xCol ? { col: xCol.index, desc: true } : null;
    this.count = h('span', { class: 'muted', id: 'row-count' }, '0 rows');
    this.table = h('table', { class: 'grid', id: options.id || 'live-table' });
    this.more = h('div', { class: 'toolbar' });
    this.chartBox = null;
    if (options.chart !== false && xCol && yCol) {
      this.xSel = h('select', { id: 'chart-x', onchange: () => this.resetChart() }, timeCols.map(c => h('option', { value: c.index, selected: c === xCol }, c.name)));
      this.ySel = h('select', { id: 'chart-y', onchange: () => this.resetChart() },
        this.columns.filter(c => c.numeric && !c.epochMillis).map(c => h('option', { value: c.index, selected: c === yCol }, c.name)));
      this.chartBox = h('div', { class: 'chart', id: 'chart' });
    }
    this.drawHead();
    this.el = h('div', { class: 'live-grid' },
      this.chartBox ? [h('div', { class: 'toolbar' }, h('strong', null, 'Chart'), h('label', null, 'value', this.ySel), h('label', null, 'over', this.xSel)), this.chartBox] : null,
      h('div', { class: 'toolbar' }, this.count),
      h('div', { class: 'scroll' }, this.table),
      this.more);
  }

  // Rows are entries {id, row}, kept in this.rows by id and, for sorting,
  // in this.order: the order of the last redraw, so that the next sort
  // (TimSort) finds it almost sorted and costs little more than a pass.
  upsert(id, row) {
    const e = this.rows.get(id);
    if (e) {
      e.row = row;
    } else {
      const n = { id, row };
      this.rows.set(id, n);
      this.order.push(n);
    }
    this.schedule();
  }

  remove(id) {
    if (this.rows.delete(id)) {
      this.removed = true;
      this.schedule();
    }
  }

  clear() { this.rows.clear(); this.order = []; this.schedule(); }

  schedule() {
    if (this.dirty) return;
    this.dirty = true;
    this.frame = requestAnimationFrame(() => this.render());
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    if (this.plot) this.plot.destroy();
  }

  drawHead() {
    const thead = h('thead', null, h('tr', null, this.columns.map(c => {
      const mark = this.sort && this.sort.col === c.index ? (this.sort.desc ? ' ▼' : ' ▲') : '';
      return h('th', { class: 'sortable' + (c.numeric ? ' num' : ''), 'data-col': c.name, title: c.type,
        onclick: () => {
          this.sort = this.sort && this.sort.col === c.index ? { col: c.index, desc: !this.sort.desc } : { col: c.index, desc: false };
          this.drawHead();
          this.schedule();
        } }, c.name + mark);
    })));
    const old = this.table.querySelector('thead');
    if (old) old.replaceWith(thead); else this.table.prepend(thead);
  }

  // sorted returns the rows in display order.
  sorted() {
    if (this.removed) {
      this.order = this.order.filter(e => this.rows.get(e.id) === e);
      this.removed = false;
    }
    if (!this.sort) return this.order.map(e => e.row).reverse(); // newest first
    const { col, desc } = this.sort;
    const sign = desc ? -1 : 1;
    this.order.sort((a, b) => {
      const x = a.row[col], y = b.row[col];
      if (x === y) return 0;
      if (x == null) return 1;
      if (y == null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
    return this.order.map(e => e.row);
  }

  // cell gives the text, class and title of a value in column c.
  cell(c, v) {
    if (v == null) return ['null', 'muted', ''];
    if (c.epochMillis && typeof v === 'number') return [fmtTime(v, true), 'num', String(v)];
    if (typeof v === 'object') return [JSON.stringify(v), 'cell', ''];
    return c.numeric ? [fmtNum(v), 'num', ''] : [String(v), 'cell', ''];
  }

  // drawRows shows rows in the table body, reusing its rows and cells and
  // touching only what changed.
  drawRows(rows) {
    let tbody = this.table.tBodies[0];
    if (!tbody) tbody = this.table.appendChild(document.createElement('tbody'));
    while (tbody.rows.length > rows.length) tbody.lastChild.remove();
    while (tbody.rows.length < rows.length) {
      const tr = tbody.insertRow();
      for (let k = 0; k < this.columns.length; k++) tr.insertCell();
    }
    rows.forEach((r, i) => {
      const cells = tbody.rows[i].cells;
      this.columns.forEach((c, k) => {
        const [text, cls, title] = this.cell(c, r[c.index]);
        const td = cells[k];
        if (td.textContent !== text) td.textContent = text;
        if (td.className !== cls) td.className = cls;
        if ((td.title || '') !== title) td.title = title;
      });
    });
  }

  render() {
    const started = performance.now();
    this.dirty = false;
    this.renders++;
    const rows = this.sorted();
    const page = rows.slice(0, this.shown);
    this.drawRows(page);
    this.count.textContent = `${fmtNum(rows.length)} row${rows.length === 1 ? '' : 's'}`;
    replace(this.more, rows.length > page.length ?
      [`Showing ${fmtNum(page.length)} of ${fmtNum(rows.length)}. `, h('button', { type: 'button', onclick: () => { this.shown += this.pageSize * 5; this.schedule(); } }, 'Show more')] : null);
    this.drawChart(rows);
    // What a redraw costs, for the benchmark (e2e/console_bench_test.go).
    const took = performance.now() - started;
    this.table.dataset.renders = String(this.renders);
    this.table.dataset.renderMs = String((Number(this.table.dataset.renderMs) || 0) + took);
    this.table.dataset.maxRenderMs = String(Math.max(Number(this.table.dataset.maxRenderMs) || 0, took));
  }

  resetChart() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.schedule();
  }

  // drawChart plots the y column over the x column, in x order.
  drawChart(rows) {
    if (!this.chartBox) return;
    const xc = this.columns[Number(this.xSel.value)], yc = this.columns[Number(this.ySel.value)];
    const points = [];
    for (const r of rows) {
      const x = timeOf(xc, r[xc.index]), y = r[yc.index];
      if (x != null && typeof y === 'number') points.push([x, y]);
    }
    points.sort((a, b) => a[0] - b[0]);
    const data = [points.map(p => p[0]), points.map(p => p[1])];
    this.chartBox.dataset.points = String(points.length);
    if (!this.plot) {
      if (points.length === 0) return;
      replace(this.chartBox);
      this.plot = new uPlot({
        width: Math.max(320, this.chartBox.clientWidth - 16), height: 300,
        scales: { x: { time: true } },
        series: [{ label: xc.name }, { label: yc.name, stroke: '#3b5bdb', width: 2, fill: 'rgba(59,91,219,0.08)', points: { show: points.length < 400 } }],
        axes: [{ space: 80, values: (u, splits) => splits.map(clock) }, { size: 70 }],
      }, data, this.chartBox);
      return;
    }
    this.plot.setData(data);
  }
}
