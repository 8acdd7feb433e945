// Tumble Console's router: each /ui/ path is a page that renders into
// <main> and returns a function that stops what it started (polls, event
// streams, queries) when the user leaves it.
import { h, replace } from './dom.js';
import { jobsPage, jobPage } from './jobs.js';
import { topicsPage, topicPage } from './topics.js';
import { tablesPage, tablePage } from './tables.js';
import { sqlPage } from './sql.js';
import { catalogPage } from './catalog.js';

const routes = [
  [/^\/ui\/jobs\/?$/, 'jobs', jobsPage],
  [/^\/ui\/jobs\/([^/]+)$/, 'jobs', jobPage],
  [/^\/ui\/topics\/?$/, 'topics', topicsPage],
  [/^\/ui\/topics\/([^/]+)$/, 'topics', topicPage],
  [/^\/ui\/tables\/?$/, 'tables', tablesPage],
  [/^\/ui\/tables\/([^/]+)$/, 'tables', tablePage],
  [/^\/ui\/sql\/?$/, 'sql', sqlPage],
  [/^\/ui\/catalog\/?$/, 'catalog', catalogPage],
];

const main = document.getElementById('app');
let leave = null;

function render() {
  if (leave) { try { leave(); } catch (e) { console.warn(e); } leave = null; }
  let path = location.pathname;
  if (path === '/' || path === '/ui' || path === '/ui/') {
    history.replaceState(null, '', '/ui/jobs');
    path = '/ui/jobs';
  }
  for (const [re, nav, page] of routes) {
    const m = path.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.nav === nav);
    replace(main);
    const params = m.slice(1).map(decodeURIComponent);
    leave = page(main, params, new URLSearchParams(location.search)) || null;
    return;
  }
  replace(main, h('h1', null, 'Not found'), h('p', null, 'No console page at ', h('code', null, path), '.'));
}

// navigate shows another page without reloading.
export function navigate(path) {
  history.pushState(null, '', path);
  render();
}

document.addEventListener('click', e => {
  const a = e.target.closest('a');
  if (!a || a.target || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/ui/') || url.pathname.startsWith('/ui/assets/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', render);
render();
