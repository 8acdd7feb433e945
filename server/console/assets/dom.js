// Building the page. Every value from the server becomes a text node or an
// attribute set through the DOM, never HTML: a message value
// "<script>alert(1)</script>" shows as those characters.

// h(tag, props, ...children) makes an element. Props: "class", "on<event>"
// handlers, and attributes; children: nodes, strings (as text), arrays.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

// svg makes an SVG element the same way.
export function svg(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setProps(el, props);
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// replace swaps an element's children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// link is an in-console link (the router handles the click).
export const link = (path, text, props) => h('a', { href: path, ...props }, text);

export const enc = encodeURIComponent;

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 });

export function fmtNum(n) {
  return n == null ? '–' : numbers.format(n);
}

export function fmtBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime renders a Date (or epoch millis, or an ISO string) in local time.
export function fmtTime(t, millis = false) {
  if (t == null || t === '') return '–';
  const d = t instanceof Date ? t : new Date(t);
  if (isNaN(d)) return String(t);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? s + '.' + pad(d.getMilliseconds(), 3) : s;
}

export function fmtAgo(t) {
  if (!t) return '–';
  const s = Math.max(0, Math.round((Date.now() - new Date(t)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  return Math.floor(s / 3600) + ' h ago';
}

export function badge(status) {
  return h('span', { class: 'badge ' + status, 'data-status': status }, status);
}

// table makes a grid: columns are {title, class?, sort?}; rows are arrays
// of cells (nodes or text) or {attrs, cells}.
export function table(columns, rows, props = {}) {
  return h('table', { class: 'grid', ...props },
    h('thead', null, h('tr', null, columns.map(c => h('th', { class: c.class }, c.title)))),
    h('tbody', null, rows.map(r => row(columns, r))));
}

export function row(columns, r) {
  const cells = Array.isArray(r) ? r : r.cells;
  return h('tr', Array.isArray(r) ? null : r.attrs, cells.map((c, i) => h('td', { class: columns[i] && columns[i].class }, c)));
}
