// Portico dashboard: reads /api/v1/ and renders with the DOM API only. Every value from the
// configuration (hosts, paths, messages) is inserted as text, never as HTML.
'use strict';

const REFRESH_MS = 2000;
const pages = ['overview', 'routers', 'certificates', 'l4', 'diagnostics', 'explain'];
let lastTraffic = null; // previous overview read, for rates

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.length ? rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))
      : el('tr', {}, el('td', { colspan: String(headers.length), class: 'muted' }, 'none'))));
}

function card(label, value, cls) {
  return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: `value ${cls || ''}` }, value));
}

async function get(path) {
  const r = await fetch(`/api/v1/${path}`, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function endpointChips(eps) {
  if (!eps || eps.length === 0) return el('span', { class: 'chip bad' }, 'no endpoints');
  return eps.map((e) => {
    const state = !e.ready ? 'not ready' : !e.healthy ? 'ejected' : 'healthy';
    const cls = !e.ready ? 'warn' : !e.healthy ? 'bad' : 'ok';
    return el('span', { class: `chip ${cls}`, title: `${state}, ${e.inflight ?? 0} in flight` }, `${e.id} ${state}`);
  });
}

const render = {
  async overview(root) {
    const o = await get('overview');
    const prev = lastTraffic;
    lastTraffic = o;
    const seconds = prev ? (o.sampledAt - prev.sampledAt) / 1000 : 0;
    const before = new Map((prev ? prev.traffic : []).map((t) => [`${t.ingress}|${t.service}`, t]));
    const rate = (now, then) => (seconds > 0 ? ((now - then) / seconds).toFixed(2) : '–');
    root.replaceChildren(
      el('h2', {}, 'Overview'),
      el('div', { class: 'cards' },
        card('Snapshot version', o.snapshotVersion),
        card('Readiness', o.ready ? 'ready' : 'not ready', o.ready ? 'ok' : 'bad'),
        card('Reloads', `${o.reloads}`, ''),
        card('Reload errors', `${o.reloadErrors}`, o.reloadErrors ? 'bad' : 'ok'),
        card('Diagnostics', `${o.diagnostics.errors} errors, ${o.diagnostics.warnings} warnings`, o.diagnostics.errors ? 'bad' : ''),
        card('Routes', `${o.counts.routes} on ${o.counts.virtualHosts} hosts`),
        card('Uptime', `${o.uptimeSeconds} s`)),
      el('h3', {}, 'Sources'),
      table(['source', 'kind', 'synced'], o.sources.map((s) => [s.source, s.kind, el('span', { class: s.synced ? 'ok' : 'bad' }, s.synced ? 'synced' : 'not synced')])),
      el('h3', {}, 'Traffic per Ingress and Service'),
      table(['ingress', 'service', 'requests', '5xx', 'requests/s', '5xx/s'], o.traffic.map((t) => {
        const b = before.get(`${t.ingress}|${t.service}`) || { requests: t.requests, errors: t.errors };
        return [t.ingress || '(none)', t.service || '(none)', t.requests, el('span', { class: t.errors ? 'bad' : '' }, t.errors), rate(t.requests, b.requests), rate(t.errors, b.errors)];
      })),
    );
  },

  async routers(root) {
    const r = await get('routers');
    const routeRow = (label, x) => [label, el('code', {}, `${x.match.type} ${x.match.path}`), x.ingress,
      x.backend.kind === 'cluster' ? x.backend.clusterId : el('span', { class: 'bad' }, `unavailable: ${x.backend.reason}`),
      x.backend.kind === 'cluster' ? endpointChips(x.backend.endpoints) : ''];
    const blocks = r.hosts.map((h) => {
      const rows = h.routes.map((x) => routeRow('rule', x));
      if (h.fallback) rows.push(routeRow('fallback', h.fallback));
      return [el('h3', {}, h.hostname || '(any host)', ' ', el('span', { class: 'muted' }, `${h.kind}${h.certificate ? `, TLS ${h.certificate}` : ''}`)),
        table(['', 'match', 'ingress', 'cluster', 'endpoints'], rows)];
    });
    root.replaceChildren(el('h2', {}, `Routers (snapshot ${r.snapshotVersion})`),
      ...(blocks.length ? blocks.flat() : [el('p', { class: 'muted' }, 'no hosts')]),
      ...(r.defaultRoute ? [el('h3', {}, 'Default backend'), table(['', 'match', 'ingress', 'cluster', 'endpoints'], [routeRow('default', r.defaultRoute)])] : []));
  },

  async certificates(root) {
    const c = await get('certificates');
    const days = (t) => Math.floor((Date.parse(t) - Date.now()) / 86400000);
    root.replaceChildren(el('h2', {}, 'Certificates'),
      c.https ? table(['host', 'served by', 'secret', 'names', 'expires', 'problems'], c.hosts.map((h) => {
        const d = days(h.notAfter);
        return [h.host, h.served, h.secret || '(generated default)', h.names.join(', '),
          el('span', { class: d < 0 ? 'bad' : d < 14 ? 'warn' : '' }, `${h.notAfter.slice(0, 10)} (${d} days)`),
          h.problems.length ? h.problems.map((p) => el('div', { class: 'bad' }, p)) : el('span', { class: 'muted' }, 'none')];
      })) : el('p', { class: 'muted' }, 'HTTPS is off (--https-port off).'));
  },

  async l4(root) {
    const l = await get('l4');
    root.replaceChildren(el('h2', {}, 'L4 services'),
      table(['route', 'protocol', 'port', 'cluster', 'PROXY protocol', 'endpoints'], l.routes.map((x) => [x.id, x.protocol, x.listenPort,
        x.clusterId || el('span', { class: 'bad' }, 'unresolved'), x.proxyProtocol,
        endpointChips(x.endpoints.map((e) => ({ ...e, healthy: true })))])));
  },

  async diagnostics(root) {
    const d = await get('diagnostics');
    root.replaceChildren(el('h2', {}, `Diagnostics (${d.items.length})`),
      table(['severity', 'object', 'reason', 'message'], d.items.map((x) => [el('span', { class: x.severity === 'error' ? 'bad' : 'warn' }, x.severity),
        `${x.object.kind} ${x.object.namespace ? `${x.object.namespace}/` : ''}${x.object.name}`, x.reason, x.message])));
  },

  async explain() {
    // Explains on submit only.
  },
};

async function explainSubmit(ev) {
  ev.preventDefault();
  const url = document.getElementById('explain-url').value;
  const out = document.getElementById('explain-result');
  try {
    const r = await get(`explain?url=${encodeURIComponent(url)}`);
    const x = r.explanation;
    // The scheme decides the redirect (SPEC §1.9): plain HTTP to a TLS host gets a 308 first.
    const plainHttp = !/^https:/i.test(url.trim());
    const verdict = x.status !== null ? `answered by Portico with ${x.status}`
      : x.sslRedirect && plainHttp ? '308 redirect to https, then forwarded' : 'forwarded';
    out.replaceChildren(el('dl', {},
      el('dt', {}, 'host'), el('dd', {}, x.host ?? '(none)'),
      el('dt', {}, 'path'), el('dd', {}, el('code', {}, x.path)),
      el('dt', {}, 'host bucket'), el('dd', {}, `${x.bucket.kind}${x.bucket.hostname !== null ? ` ${x.bucket.hostname || '(any host)'}` : ''}`),
      el('dt', {}, 'matched by'), el('dd', {}, x.matchedBy),
      el('dt', {}, 'route'), el('dd', {}, x.route ? `${x.route.id} (${x.route.match.type} ${x.route.match.path})` : 'none'),
      el('dt', {}, 'backend'), el('dd', {}, x.backend ? (x.backend.kind === 'cluster' ? x.backend.clusterId : `unavailable: ${x.backend.reason}`) : 'none'),
      el('dt', {}, 'endpoints'), el('dd', {}, x.route ? endpointChips(x.endpoints) : ''),
      el('dt', {}, 'redirect to https'), el('dd', {}, x.sslRedirect ? 'yes' : 'no'),
      el('dt', {}, 'result'), el('dd', { class: x.status === null ? 'ok' : 'bad' }, verdict),
      el('dt', {}, 'api'), el('dd', {}, el('a', { href: `/api/v1/explain?url=${encodeURIComponent(url)}` }, 'JSON'))),
      ...(r.candidates.length ? [el('h3', {}, 'Routes of this host, in precedence order'),
        table(['route', 'match', 'ingress', 'outcome'], r.candidates.map((c) => [c.id, el('code', {}, `${c.match.type} ${c.match.path}`), c.ingress,
          el('span', { class: c.outcome === 'chosen' ? 'ok' : 'muted' }, c.outcome)]))] : []));
  } catch (err) {
    out.replaceChildren(el('p', { class: 'bad' }, String(err)));
  }
}

function current() {
  const p = location.hash.slice(1);
  return pages.includes(p) ? p : 'overview';
}

async function refresh() {
  const page = current();
  for (const p of pages) document.getElementById(`page-${p}`).classList.toggle('active', p === page);
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === page);
  const status = document.getElementById('status');
  try {
    await render[page](document.getElementById(`page-${page}`));
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = 'muted';
  } catch (err) {
    status.textContent = String(err);
    status.className = 'bad';
  }
}

document.getElementById('explain-form').addEventListener('submit', explainSubmit);
window.addEventListener('hashchange', refresh);
refresh();
setInterval(refresh, REFRESH_MS);
