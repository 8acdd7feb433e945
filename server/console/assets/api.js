// The server's JSON API, the same one the REPL and REST clients use.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// api fetches path and returns its JSON; a non-2xx answer throws ApiError
// with the server's message.
export async function api(path, options = {}) {
  const headers = { Accept: 'application/json' };
  if (options.body) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { ...options, headers: { ...headers, ...options.headers } });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = (body && (body.error && body.error.message || body.message)) || `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg, body);
  }
  return body;
}

export const post = (path, data, options) => api(path, { method: 'POST', body: JSON.stringify(data), ...options });
export const del = path => api(path, { method: 'DELETE' });

// readLines calls onLine for each line of a streamed answer (newline-
// delimited JSON) until it ends or signal aborts.
export async function readLines(res, onLine) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (buf.trim()) onLine(JSON.parse(buf));
}

// poll runs fn now and then every ms while the page is visible, until the
// returned stop is called. Nothing runs for a hidden or closed page.
export function poll(fn, ms) {
  let timer = null, stopped = false;
  const tick = async () => {
    timer = null;
    if (stopped) return;
    if (!document.hidden) {
      try { await fn(); } catch (e) { console.warn(e); }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  const onVisible = () => { if (!document.hidden && timer === null && !stopped) tick(); };
  document.addEventListener('visibilitychange', onVisible);
  tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
