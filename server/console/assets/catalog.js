// The catalog: tables, streams and views of both dialects with their
// columns and the DDL that makes them (Flink's SHOW CREATE), and the
// functions each dialect knows.
import { h, replace, link, enc, table } from './dom.js';
import { api, post } from './api.js';

export function catalogPage(root) {
  const objects = h('div', { id: 'catalog' }, h('p', { class: 'muted' }, 'Loading…'));
  const functions = h('div', { id: 'functions' });
  replace(root, h('h1', null, 'Catalog'), objects, h('h2', null, 'Functions'), functions);
  api('/v1/catalog').then(objs => {
    replace(objects, objs.length === 0 ? h('p', { class: 'muted' }, 'No tables, streams or views yet.') : objs.map(objectPanel));
  }, e => replace(objects, h('p', { class: 'error' }, e.message)));
  const fnDialect = h('select', { onchange: () => loadFunctions() }, h('option', { value: 'flink' }, 'Flink SQL'), h('option', { value: 'ksql' }, 'ksqlDB'));
  const fnList = h('div');
  replace(functions, h('div', { class: 'toolbar' }, h('label', null, 'Dialect', fnDialect)), fnList);
  async function loadFunctions() {
    replace(fnList, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const r = await post('/v1/statements', { statement: 'SHOW FUNCTIONS', dialect: fnDialect.value });
      const res = r.results[0];
      replace(fnList, h('div', { class: 'scroll', style: 'max-height:320px' }, table(res.columns.map(c => ({ title: c })), res.rows)));
    } catch (e) {
      replace(fnList, h('p', { class: 'error' }, e.message));
    }
  }
  loadFunctions();
}

function objectPanel(o) {
  const ddl = h('pre', { class: 'ddl' }, o.statement || '');
  const details = h('details', { 'data-object': o.name, ontoggle: async () => {
    if (!details.open || !o.show_create || details.dataset.loaded) return;
    details.dataset.loaded = '1';
    try {
      const r = await post('/v1/statements', { statement: o.show_create, dialect: o.dialect });
      const res = r.results[0];
      ddl.textContent = res.kind === 'table' ? res.rows.map(x => x.join(' ')).join('\n') : (res.message || ddl.textContent);
    } catch { /* keep the creating statement */ }
  } },
  h('summary', null, h('strong', { class: 'mono' }, o.name), ` · ${o.kind} · ${o.dialect}`, o.topic ? [' · topic ', link('/ui/topics/' + enc(o.topic), o.topic)] : null,
    ' · ', link('/ui/tables/' + enc(o.name), 'live view')),
  table([{ title: 'Column' }, { title: 'Type' }, { title: 'Kind' }, { title: 'Key' }],
    (o.columns || []).map(c => [c.name, h('span', { class: 'mono' }, c.type), c.kind, c.key || (o.primary_key || []).includes(c.name) ? 'key' : ''])),
  h('div', { class: 'muted small' }, o.show_create ? 'SHOW CREATE:' : 'Created by:'),
  ddl);
  return h('div', { class: 'panel' }, details);
}
