// The topic pages (what Kafka UI shows): topics with partitions, message
// counts and sizes; a topic's messages newest first with filters, a live
// tail, and a form that produces a message.
import { h, replace, link, enc, fmtNum, fmtBytes, table, row } from './dom.js';
import { api, post, poll } from './api.js';

export function topicsPage(root) {
  const showInternal = h('input', { type: 'checkbox', onchange: () => refresh() });
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading topics…'));
  replace(root, h('h1', null, 'Topics'), h('div', { class: 'toolbar' }, h('label', null, showInternal, 'Show internal topics')), body);
  let topics = [];
  const draw = () => {
    const shown = topics.filter(t => showInternal.checked || !t.internal);
    replace(body, shown.length === 0 ? h('p', { class: 'muted' }, 'No topics.') :
      table([{ title: 'Topic' }, { title: 'Partitions', class: 'num' }, { title: 'Messages', class: 'num' }, { title: 'Size', class: 'num' }],
        shown.map(t => ({ attrs: { 'data-topic': t.name }, cells: [link('/ui/topics/' + enc(t.name), t.name), t.partitions, fmtNum(t.messages), fmtBytes(t.bytes)] })),
        { id: 'topics' }));
  };
  async function refresh() {
    try {
      topics = await api('/v1/topics');
      draw();
    } catch (e) {
      replace(body, h('p', { class: 'error' }, e.message));
    }
  }
  return poll(refresh, 5000);
}

const MAX_SHOWN = 500;

export function topicPage(root, [name], query) {
  const info = h('div', { class: 'panel' }, 'Loading…');
  const partition = h('select', { name: 'partition' }, h('option', { value: '' }, 'All'));
  const offset = h('input', { type: 'number', name: 'offset', min: 0, placeholder: 'newest', style: 'width:9em' });
  const text = h('input', { type: 'text', name: 'q', placeholder: 'contains…', style: 'width:14em' });
  const limit = h('select', { name: 'limit' }, [50, 100, 500, 1000].map(n => h('option', { value: n, selected: n === 100 }, n)));
  const tail = h('input', { type: 'checkbox', id: 'live-tail', onchange: () => (tail.checked ? startTail() : stopTail()) });
  const status = h('span', { class: 'muted small', id: 'messages-status' });
  const columns = [{ title: 'Partition', class: 'num' }, { title: 'Offset', class: 'num' }, { title: 'Timestamp', class: 'nowrap' }, { title: 'Key', class: 'key' }, { title: 'Value', class: 'value' }, { title: 'Headers' }];
  const tbody = h('tbody');
  const list = h('table', { class: 'grid', id: 'messages' }, h('thead', null, h('tr', null, columns.map(c => h('th', { class: c.class }, c.title)))), tbody);
  if (query.get('partition')) partition.value = query.get('partition');

  replace(root,
    h('h1', null, 'Topic ', h('span', { class: 'mono' }, name)),
    info,
    h('h2', null, 'Messages'),
    h('form', { class: 'toolbar', onsubmit: e => { e.preventDefault(); load(); } },
      h('label', null, 'Partition', partition),
      h('label', null, 'Up to offset', offset),
      h('label', null, 'Text', text),
      h('label', null, 'Show', limit),
      h('button', { class: 'primary', type: 'submit' }, 'Apply'),
      h('label', null, tail, 'Live tail'),
      status),
    h('div', { class: 'scroll' }, list),
    h('h2', null, 'Produce a message'),
    produceForm(name, () => { if (!tail.checked) load(); }));

  const rowOf = m => ({
    attrs: { 'data-partition': m.partition, 'data-offset': m.offset },
    cells: [m.partition, m.offset, h('span', { title: String(m.timestamp) }, m.timestamp_text), bytesCell(m.key, m.key_encoding), valueCell(m.value, m.value_encoding),
      m.headers.length ? h('span', { class: 'mono small' }, m.headers.map(x => `${x.key}=${x.value}`).join('\n')) : ''],
  });

  async function load() {
    const params = new URLSearchParams();
    if (partition.value !== '') params.set('partition', partition.value);
    if (offset.value !== '') params.set('offset', offset.value);
    if (text.value) params.set('q', text.value);
    params.set('limit', limit.value);
    status.textContent = 'Loading…';
    try {
      const r = await api(`/v1/topics/${enc(name)}/messages?${params}`);
      replace(tbody, r.messages.map(m => row(columns, rowOf(m))));
      status.textContent = `${r.messages.length} message(s), newest first` + (text.value ? `, ${fmtNum(r.scanned)} scanned` : '');
    } catch (e) {
      status.textContent = '';
      replace(tbody, h('tr', null, h('td', { colspan: columns.length, class: 'error' }, e.message)));
    }
  }

  let source = null;
  function startTail() {
    stopTail();
    const params = new URLSearchParams();
    if (partition.value !== '') params.set('partition', partition.value);
    if (text.value) params.set('q', text.value);
    source = new EventSource(`/v1/topics/${enc(name)}/tail?${params}`);
    source.addEventListener('ready', () => { status.textContent = 'Live: new messages appear at the top.'; });
    source.addEventListener('messages', e => {
      const msgs = JSON.parse(e.data);
      for (const m of msgs) tbody.prepend(row(columns, rowOf(m)));
      while (tbody.rows.length > MAX_SHOWN) tbody.lastChild.remove();
    });
    source.onerror = () => { status.textContent = 'Live tail interrupted; retrying…'; };
  }
  function stopTail() {
    if (source) source.close();
    source = null;
  }

  const stopInfo = poll(async () => {
    try {
      const d = await api('/v1/topics/' + enc(name));
      if (partition.options.length !== d.partitions + 1) {
        const keep = partition.value;
        replace(partition, h('option', { value: '' }, 'All'), d.partition_list.map(p => h('option', { value: p.partition }, p.partition)));
        partition.value = keep;
      }
      replace(info,
        h('div', { class: 'toolbar' }, `${d.partitions} partition(s) · ${fmtNum(d.messages)} messages · ${fmtBytes(d.bytes)}`, d.internal ? h('span', { class: 'badge' }, 'internal') : null),
        table([{ title: 'Partition', class: 'num' }, { title: 'Start offset', class: 'num' }, { title: 'End offset', class: 'num' }, { title: 'Messages', class: 'num' }, { title: 'Size', class: 'num' }],
          d.partition_list.map(p => [p.partition, fmtNum(p.start), fmtNum(p.end), fmtNum(p.messages), fmtBytes(p.bytes)]), { id: 'partitions' }));
    } catch (e) {
      replace(info, h('p', { class: 'error' }, e.message));
    }
  }, 5000);
  load();
  return () => { stopInfo(); stopTail(); };
}

// printable shows bytes that are not UTF-8 as text with \xNN escapes
// (a windowed key is its text then 8 bytes of window start); the base64
// form is in the title.
function printable(b64) {
  const bin = atob(b64);
  let out = '';
  for (let i = 0; i < bin.length; i++) {
    const c = bin.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? bin[i] : '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}

function bytesCell(v, encoding) {
  if (v == null) return h('span', { class: 'muted' }, 'null');
  return encoding ? h('span', { class: 'mono small', title: 'base64: ' + v }, printable(v)) : h('span', { class: 'mono small' }, v);
}

// valueCell shows a value as text, long ones cut, JSON pretty-printed on
// demand.
function valueCell(v, encoding) {
  if (v == null) return h('span', { class: 'muted' }, 'null (tombstone)');
  if (encoding) return bytesCell(v, encoding);
  const text = h('span', { class: 'cell value' });
  let pretty = null;
  try {
    const parsed = JSON.parse(v);
    if (parsed !== null && typeof parsed === 'object') pretty = JSON.stringify(parsed, null, 2);
  } catch { /* not JSON */ }
  const short = v.length > 300 ? v.slice(0, 300) + '…' : v;
  text.textContent = short;
  const wrap = h('div', { class: 'value-cell' });
  if (pretty) {
    let on = false;
    wrap.append(h('button', { class: 'tiny', type: 'button', title: 'Pretty-print JSON', onclick: () => { on = !on; text.textContent = on ? pretty : short; } }, '{ }'));
  } else if (short !== v) {
    wrap.append(h('button', { class: 'tiny', type: 'button', onclick: e => { text.textContent = v; e.target.remove(); } }, 'more'));
  }
  wrap.append(text);
  return wrap;
}

function produceForm(topic, done) {
  const partition = h('input', { type: 'number', min: 0, placeholder: 'by key', style: 'width:7em', name: 'partition' });
  const key = h('input', { type: 'text', name: 'key', placeholder: '(none)' });
  const value = h('textarea', { name: 'value', rows: 3, placeholder: '{"hello": "world"}' });
  const headers = h('textarea', { name: 'headers', rows: 2, placeholder: 'one header per line: name=value' });
  const result = h('span', { id: 'produce-result' });
  return h('form', { class: 'panel', id: 'produce', onsubmit: async e => {
    e.preventDefault();
    const body = { value: value.value, headers: [] };
    if (partition.value !== '') body.partition = Number(partition.value);
    if (key.value !== '') body.key = key.value;
    for (const line of headers.value.split('\n')) {
      if (!line.trim()) continue;
      const i = line.indexOf('=');
      body.headers.push(i < 0 ? { key: line.trim(), value: '' } : { key: line.slice(0, i).trim(), value: line.slice(i + 1) });
    }
    try {
      const r = await post(`/v1/topics/${enc(topic)}/messages`, body);
      result.className = 'ok';
      result.textContent = `Produced to partition ${r.partition} at offset ${r.offset}.`;
      done();
    } catch (err) {
      result.className = 'error';
      result.textContent = err.message;
    }
  } },
  h('div', { class: 'toolbar' }, h('label', null, 'Partition', partition), h('label', null, 'Key', key)),
  h('label', null, 'Value'), value,
  h('label', null, 'Headers'), headers,
  h('div', { class: 'toolbar' }, h('button', { class: 'primary', type: 'submit' }, 'Produce'), result));
}
