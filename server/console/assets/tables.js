// Live result tables (what Pinot shows of the ksqlDB results): a table's
// or stream's rows kept current by the server and pushed as server-sent
// events — the latest row per key where rows have one, otherwise the
// newest rows — with a chart of a numeric column over a time column.
import { h, replace, link, enc, table } from './dom.js';
import { api } from './api.js';
import { LiveGrid } from './livegrid.js';

export function tablesPage(root) {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, h('h1', null, 'Tables'), h('p', { class: 'muted' }, 'Open a table or stream to watch its rows change live.'), body);
  api('/v1/catalog').then(objs => {
    replace(body, objs.length === 0 ? h('p', { class: 'muted' }, 'The catalog is empty.') :
      table([{ title: 'Name' }, { title: 'Kind' }, { title: 'Dialect' }, { title: 'Topic' }],
        objs.map(o => ({ attrs: { 'data-table': o.name }, cells: [link('/ui/tables/' + enc(o.name), o.name), o.kind, o.dialect, o.topic ? link('/ui/topics/' + enc(o.topic), o.topic) : '–'] })),
        { id: 'tables' }));
  }, e => replace(body, h('p', { class: 'error' }, e.message)));
}

export function tablePage(root, [name], query) {
  const status = h('span', { class: 'muted', id: 'live-status' }, 'Connecting…');
  const about = h('div', { class: 'muted small' });
  const body = h('div');
  replace(root, h('h1', null, 'Table ', h('span', { class: 'mono' }, name), status), about, body);
  let grid = null;
  const limit = query.get('limit');
  const source = new EventSource(`/v1/tables/${enc(name)}/live` + (limit ? `?limit=${enc(limit)}` : ''));
  source.addEventListener('header', e => {
    const hdr = JSON.parse(e.data);
    if (grid) grid.destroy();
    grid = new LiveGrid(hdr.columns, { id: 'live-table' });
    replace(body, grid.el);
    const what = hdr.changelog_mode === 'retract' ? 'the latest row per key: updates replace rows, deletes remove them' :
      hdr.changelog_mode === 'upsert' ? `updates as they come (newest ${hdr.limit})` : `the newest ${hdr.limit} rows`;
    replace(about, `${hdr.object.kind} · ${hdr.object.dialect} · showing ${what} · `, h('code', null, hdr.query));
    status.textContent = 'live';
    status.className = 'badge RUNNING';
  });
  source.addEventListener('changes', e => {
    const ch = JSON.parse(e.data);
    for (const [id, row] of ch.upsert) grid.upsert(id, row);
    for (const id of ch.delete) grid.remove(id);
  });
  source.addEventListener('end', e => {
    const end = JSON.parse(e.data);
    source.close();
    status.textContent = end.error ? 'failed' : 'ended';
    status.className = 'badge ' + (end.error ? 'FAILED' : 'FINISHED');
    if (end.error) body.prepend(h('p', { class: 'error' }, end.error));
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      status.textContent = 'closed';
      status.className = 'badge';
      replace(body, h('p', { class: 'error' }, `The server refused a live view of ${name}; `, link('/ui/tables', 'the tables'), ' lists what can be opened.'));
    } else {
      status.textContent = 'reconnecting…';
      status.className = 'badge PAUSED';
    }
  };
  return () => { source.close(); if (grid) grid.destroy(); };
}
