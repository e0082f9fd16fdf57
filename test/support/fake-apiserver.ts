// A fake Kubernetes API server over real HTTP on 127.0.0.1 that speaks the wire protocol the
// client library relies on (SPEC §6 checklist): per-kind stores under one global
// integer resourceVersion, `<Kind>List` lists with limit/continue, newline-delimited watch streams
// from a resourceVersion with retained history and ERROR 410 Expired for too-old versions,
// BOOKMARKs, timeoutSeconds, label and field selectors, status subresource, 409 on stale PUTs,
// merge/JSON patches, 403 for denied kinds, and stop()/restart() on the same port mid-test.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { applyJsonPatch, mergePatch } from './fake-apiserver-patch.ts';
import { matchesFieldSelector, matchesLabelSelector, parseFieldSelector, parseLabelSelector } from './fake-apiserver-selectors.ts';
import type { FieldRequirement, LabelRequirement } from './fake-apiserver-selectors.ts';
import { GATEWAY_API_RESOURCES, apiResourceList, crdKey, gatewayApiSelection } from './fake-apiserver-crds.ts';

export interface ResourceDef {
  kind: string;
  group: string; // '' for core
  version: string;
  plural: string;
  namespaced: boolean;
  status: boolean; // has a status subresource
}

/** The resources Portico reads or writes (SPEC §6.1) plus Leases and core/v1 Events. */
export const FAKE_RESOURCES: readonly ResourceDef[] = [
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', namespaced: true, status: true },
  { kind: 'IngressClass', group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', namespaced: false, status: false },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true, status: true },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true, status: false },
  { kind: 'Endpoints', group: '', version: 'v1', plural: 'endpoints', namespaced: true, status: false },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true, status: false },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', namespaced: true, status: false },
  { kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, status: false },
  // CoreV1Api.createNamespacedEvent posts to /api/v1/namespaces/{ns}/events.
  { kind: 'Event', group: '', version: 'v1', plural: 'events', namespaced: true, status: false },
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false, status: true },
];

 
export type Obj = Record<string, any>;

export interface RequestLogEntry { method: string; path: string; query: string; status: number; contentType?: string }

interface HistoryEntry { rv: number; kind: string; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj; previous?: Obj }

interface Watcher {
  def: ResourceDef;
  namespace: string | null;
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  res: http.ServerResponse;
  bookmarks: boolean;
  timers: NodeJS.Timeout[];
}

export interface FakeApiServerOptions {
  /** Watch events retained for "watch from resourceVersion"; older versions get 410. Default 10000. */
  historyLimit?: number;
  /** Interval of BOOKMARK events on watches that asked for them. Default 1000 ms. */
  bookmarkIntervalMs?: number;
}

export class FakeApiServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly denied = new Map<string, Set<string> | null>();
  /** crdKey of the Gateway API definitions served now (fake-apiserver-crds.ts). */
  private readonly installed = new Set<string>();
  private readonly historyLimit: number;
  private readonly bookmarkIntervalMs: number;
  private rv = 1;
  /** Watches from a resourceVersion below this get 410 Expired. */
  private compactedRv = 0;
  private uidSeq = 0;
  /** behindWatches: changes are not recorded as watch events. */
  private unwatched = false;
  private boundPort = 0;
  readonly requests: RequestLogEntry[] = [];
  /** TCP connections accepted since construction (clients are expected to keep them alive). */
  connections = 0;

  constructor(opts: FakeApiServerOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 10000;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
    for (const d of [...FAKE_RESOURCES, ...GATEWAY_API_RESOURCES]) this.objects.set(d.kind, new Map());
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listen on 127.0.0.1 (port 0 the first time, the same port on restart). Resolves the port. */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.boundPort, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this.boundPort;
  }

  /** Same port, same objects: what a client sees when the API server restarts. */
  restart(): Promise<number> {
    return this.start();
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** Options for `KubeConfig.loadFromOptions` pointing at this server (SPEC §6.4). */
  kubeConfigOptions(): Obj {
    return {
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    };
  }

  /** Close the listener and every connection (watches included). Objects are kept. */
  async stop(): Promise<void> {
    this.closeWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** End every open watch stream cleanly; with `expire`, send ERROR 410 first (watch cache fell behind). */
  closeWatches(opts: { expire?: boolean } = {}): void {
    for (const w of [...this.watchers]) {
      if (opts.expire) writeEvent(w.res, { type: 'ERROR', object: expiredStatus(0, this.rv) });
      this.endWatch(w);
    }
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Forget history up to `rv` (default: now): watches from older versions get 410 Expired. */
  compact(rv: number = this.rv): void {
    this.compactedRv = Math.max(this.compactedRv, rv);
    while (this.history.length && this.history[0].rv <= this.compactedRv) this.history.shift();
  }

  /** 403 Forbidden for a kind (all verbs, or only the listed ones: 'list', 'watch', 'get', 'create', 'update', 'patch', 'delete'). */
  deny(kind: string, verbs?: string[]): void {
    this.denied.set(kind, verbs ? new Set(verbs) : null);
  }

  allow(kind: string): void {
    this.denied.delete(kind);
  }

  /**
   * Run `change` (apply/delete calls) as events the watches miss: the objects and resourceVersions
   * change as usual, but no watch, open or resumed later, is told; only a new list shows them.
   */
  behindWatches(change: () => void): void {
    this.unwatched = true;
    try {
      change();
    } finally {
      this.unwatched = false;
    }
  }

  /** Create or replace (test API; no conflict checks). Returns the stored object. */
  apply(obj: Obj): Obj {
    const def = this.defByKind(obj.kind);
    const ns = def.namespaced ? (obj.metadata?.namespace ?? 'default') : '';
    const existing = this.objects.get(def.kind)!.get(key(ns, obj.metadata.name));
    return existing ? this.write(def, existing, structuredClone(obj)) : this.create(def, ns, structuredClone(obj));
  }

  delete(kind: string, namespace: string, name: string): boolean {
    const def = this.defByKind(kind);
    const cur = this.objects.get(kind)!.get(key(def.namespaced ? namespace : '', name));
    if (!cur) return false;
    this.remove(def, cur);
    return true;
  }

  get(kind: string, namespace: string, name: string): Obj | undefined {
    const def = this.defByKind(kind);
    const o = this.objects.get(kind)!.get(key(def.namespaced ? namespace : '', name));
    return o ? structuredClone(o) : undefined;
  }

  list(kind: string, namespace?: string): Obj[] {
    return [...this.objects.get(kind)!.values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => structuredClone(o));
  }

  /**
   * Install the Gateway API CRDs (all v1; ReferenceGrant as v1 by default, or v1beta1, or both):
   * their discovery documents and collections are served from now on.
   */
  installGatewayApi(opts: { referenceGrant?: readonly ('v1' | 'v1beta1')[] } = {}): void {
    for (const d of gatewayApiSelection(opts.referenceGrant ?? ['v1'])) this.installed.add(crdKey(d));
  }

  /** Delete the CRDs: their objects go (DELETED on open watches), their watches end, requests 404. */
  uninstallGatewayApi(): void {
    for (const d of GATEWAY_API_RESOURCES) {
      if (!this.installed.has(crdKey(d))) continue;
      for (const o of [...this.objects.get(d.kind)!.values()]) this.remove(d, o);
      this.installed.delete(crdKey(d));
    }
    for (const w of [...this.watchers]) if (GATEWAY_API_RESOURCES.includes(w.def)) this.endWatch(w);
  }

  // ---- storage -------------------------------------------------------------------------

  /** Every definition served now: the built-in ones and the installed CRDs. */
  private served(): ResourceDef[] {
    return [...FAKE_RESOURCES, ...GATEWAY_API_RESOURCES.filter((d) => this.installed.has(crdKey(d)))];
  }

  private defByKind(kind: string): ResourceDef {
    const d = this.served().find((r) => r.kind === kind);
    if (!d) throw new Error(`fake apiserver: unknown kind ${kind} (is its CRD installed?)`);
    return d;
  }

  private create(def: ResourceDef, ns: string, obj: Obj): Obj {
    obj.apiVersion = apiVersion(def);
    obj.kind = def.kind;
    obj.metadata ??= {};
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${(++this.uidSeq).toString(36)}`;
    if (def.namespaced) obj.metadata.namespace = ns;
    else delete obj.metadata.namespace;
    obj.metadata.uid = `uid-${++this.uidSeq}`;
    obj.metadata.creationTimestamp = rfc3339(new Date());
    obj.metadata.generation = 1;
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.get(def.kind)!.set(key(ns, obj.metadata.name), obj);
    this.record({ rv: this.rv, kind: def.kind, type: 'ADDED', object: obj });
    return obj;
  }

  private write(def: ResourceDef, cur: Obj, next: Obj): Obj {
    next.apiVersion = apiVersion(def);
    next.kind = def.kind;
    next.metadata = {
      ...next.metadata,
      name: cur.metadata.name,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      generation: cur.metadata.generation + (JSON.stringify(next.spec) === JSON.stringify(cur.spec) ? 0 : 1),
      resourceVersion: String(++this.rv),
    };
    if (def.namespaced) next.metadata.namespace = cur.metadata.namespace;
    else delete next.metadata.namespace;
    this.objects.get(def.kind)!.set(key(def.namespaced ? cur.metadata.namespace : '', cur.metadata.name), next);
    this.record({ rv: this.rv, kind: def.kind, type: 'MODIFIED', object: next, previous: cur });
    return next;
  }

  private remove(def: ResourceDef, cur: Obj): Obj {
    this.objects.get(def.kind)!.delete(key(def.namespaced ? cur.metadata.namespace : '', cur.metadata.name));
    // DELETED carries the last state with the deletion's resourceVersion (SPEC §6.3).
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } };
    this.record({ rv: this.rv, kind: def.kind, type: 'DELETED', object: gone });
    return gone;
  }

  private record(e: HistoryEntry): void {
    if (this.unwatched) return;
    this.history.push(e);
    while (this.history.length > this.historyLimit) this.compactedRv = this.history.shift()!.rv;
    for (const w of this.watchers) if (w.def.kind === e.kind) this.deliver(w, e);
  }

  /** Selector-aware delivery: leaving the selection is DELETED, entering is ADDED (like the real server). */
  private deliver(w: Watcher, e: HistoryEntry): void {
    const now = this.matches(w, e.object);
    const before = e.previous ? this.matches(w, e.previous) : now;
    let type: string = e.type;
    if (e.type === 'MODIFIED') {
      if (!now && !before) return;
      if (now && !before) type = 'ADDED';
      if (!now && before) type = 'DELETED';
    } else if (!now) return;
    writeEvent(w.res, { type, object: e.object });
  }

  private matches(w: { namespace: string | null; labels: LabelRequirement[]; fields: FieldRequirement[] }, o: Obj): boolean {
    if (w.namespace !== null && o.metadata?.namespace !== w.namespace) return false;
    return matchesLabelSelector(w.labels, o.metadata?.labels ?? {}) && matchesFieldSelector(w.fields, o);
  }

  // ---- HTTP ---------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
    if (req.headers['content-type']) entry.contentType = String(req.headers['content-type']);
    this.requests.push(entry);
    const send = (status: number, body: Obj): void => {
      entry.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.route(req.method ?? 'GET', url, raw, String(req.headers['content-type'] ?? ''), res, send, entry);
      } catch (err) {
        if (err instanceof HttpError) send(err.code, status(err.code, err.reason, err.message));
        else if ((err as { badSelector?: boolean }).badSelector || err instanceof SyntaxError) send(400, status(400, 'BadRequest', String((err as Error).message)));
        else send(500, status(500, 'InternalError', String(err)));
      }
    });
  }

  private route(method: string, url: URL, raw: string, contentType: string, res: http.ServerResponse,
    send: (s: number, b: Obj) => void, entry: RequestLogEntry): void {
    const discovery = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (discovery && method === 'GET') {
      const defs = this.served().filter((d) => d.group === discovery[1] && d.version === discovery[2]);
      if (defs.length === 0) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      return send(200, apiResourceList(discovery[1], discovery[2], defs));
    }
    const parsed = parsePath(url.pathname, this.served());
    if (!parsed) throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    const { def, namespace, name, subresource } = parsed;
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = method === 'GET' ? (name ? 'get' : isWatch ? 'watch' : 'list')
      : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : '';
    if (!verb) throw new HttpError(405, 'MethodNotAllowed', `method ${method} not allowed`);
    const deniedVerbs = this.denied.get(def.kind);
    if (this.denied.has(def.kind) && (deniedVerbs === null || deniedVerbs!.has(verb))) {
      const res403 = `${def.plural}${def.group ? '.' + def.group : ''}`;
      throw new HttpError(403, 'Forbidden',
        `${res403} is forbidden: User "system:serviceaccount:portico:portico" cannot ${verb} resource "${def.plural}" in API group "${def.group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`);
    }
    const store = this.objects.get(def.kind)!;
    const ns = def.namespaced ? (namespace ?? '') : '';
    if (verb === 'list' || verb === 'watch') {
      const sel = {
        namespace: def.namespaced ? namespace : null,
        labels: parseLabelSelector(q.get('labelSelector') ?? ''),
        fields: parseFieldSelector(def.kind, q.get('fieldSelector') ?? ''),
      };
      if (verb === 'watch') return this.watch(def, sel, q, res, entry);
      return send(200, this.listBody(def, sel, q));
    }
    const cur = name ? store.get(key(ns, name)) : undefined;
    const notFound = (): never => {
      throw new HttpError(404, 'NotFound', `${def.plural}${def.group ? '.' + def.group : ''} "${name}" not found`);
    };
    if (subresource && (subresource !== 'status' || !def.status)) notFound();
    if (verb === 'get') return send(200, cur ?? notFound());
    if (verb === 'delete') return send(200, this.remove(def, cur ?? notFound()));
    const body = raw ? (JSON.parse(raw) as Obj) : {};
    if (verb === 'create') {
      if (name) throw new HttpError(405, 'MethodNotAllowed', 'POST to a named resource');
      if (def.namespaced && body.metadata?.namespace && body.metadata.namespace !== ns) {
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      const n = body.metadata?.name;
      if (n && store.has(key(ns, n))) throw new HttpError(409, 'AlreadyExists', `${def.plural} "${n}" already exists`);
      if (!n && !body.metadata?.generateName) throw new HttpError(422, 'Invalid', 'metadata.name: Required value');
      return send(201, this.create(def, ns, body));
    }
    const current = cur ?? notFound();
    let next: Obj;
    if (verb === 'update') {
      const want = body.metadata?.resourceVersion;
      if (want && want !== current.metadata.resourceVersion) {
        throw new HttpError(409, 'Conflict',
          `Operation cannot be fulfilled on ${def.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
      next = body;
    } else {
      const patch = JSON.parse(raw || 'null');
      const isJsonPatch = contentType.startsWith('application/json-patch+json');
      const isMerge = contentType.startsWith('application/merge-patch+json') || contentType.startsWith('application/strategic-merge-patch+json');
      if (isJsonPatch || isMerge) {
        try {
          next = isJsonPatch ? applyJsonPatch(structuredClone(current), patch) : (mergePatch(structuredClone(current), patch) as Obj);
        } catch (err) {
          throw new HttpError(422, 'Invalid', `the patch could not be applied: ${(err as Error).message}`);
        }
      } else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`);
    }
    // Status subresource: only status moves; on the main resource status is kept (kinds with a status subresource).
    if (subresource === 'status') next = { ...current, status: next.status };
    else if (def.status) next = { ...next, status: current.status };
    send(200, this.write(def, current, structuredClone(next)));
  }

  private listBody(def: ResourceDef, sel: { namespace: string | null; labels: LabelRequirement[]; fields: FieldRequirement[] }, q: URLSearchParams): Obj {
    // Continued pages report the first page's resourceVersion but are cut from the current
    // objects (after the token's last key), not from a true snapshot at that version.
    let listRv = this.rv;
    let after = '';
    const token = q.get('continue');
    if (token) {
      const t = decodeContinue(token);
      if (!t || t.rv < this.compactedRv) {
        throw new HttpError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      listRv = t.rv;
      after = t.after;
    }
    const limit = Number(q.get('limit') ?? 0);
    const all = [...this.objects.get(def.kind)!.entries()]
      .filter(([k, o]) => k > after && this.matches(sel, o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: Obj = { resourceVersion: String(listRv) };
    if (limit > 0 && all.length > limit) {
      metadata.continue = encodeContinue(listRv, page[page.length - 1][0]);
      metadata.remainingItemCount = all.length - limit;
    }
    // Items carry no kind/apiVersion, like the real server (SPEC §6.2).
    const items = page.map(([, o]) => {
      const { kind: _k, apiVersion: _a, ...rest } = o;
      return rest;
    });
    return { kind: `${def.kind}List`, apiVersion: apiVersion(def), metadata, items };
  }

  private watch(def: ResourceDef, sel: { namespace: string | null; labels: LabelRequirement[]; fields: FieldRequirement[] },
    q: URLSearchParams, res: http.ServerResponse, entry: RequestLogEntry): void {
    entry.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const w: Watcher = { def, ...sel, res, bookmarks: q.get('allowWatchBookmarks') === 'true', timers: [] };
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      // "Get state and start at most recent": synthetic ADDED for everything that matches.
      for (const o of this.objects.get(def.kind)!.values()) if (this.matches(w, o)) writeEvent(res, { type: 'ADDED', object: o });
    } else {
      const from = Number(rvParam);
      if (!Number.isFinite(from) || from < this.compactedRv) {
        writeEvent(res, { type: 'ERROR', object: expiredStatus(from, this.rv) });
        res.end();
        return;
      }
      for (const e of this.history) if (e.rv > from && e.kind === def.kind) this.deliver(w, e);
    }
    this.watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) w.timers.push(setTimeout(() => this.endWatch(w), timeout * 1000));
    if (w.bookmarks) {
      w.timers.push(setInterval(() => {
        writeEvent(res, { type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersion(def), metadata: { resourceVersion: String(this.rv) } } });
      }, this.bookmarkIntervalMs));
    }
    res.on('close', () => this.dropWatch(w));
  }

  private endWatch(w: Watcher): void {
    this.dropWatch(w);
    if (!w.res.writableEnded) w.res.end();
  }

  private dropWatch(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    w.timers.length = 0;
    this.watchers.delete(w);
  }
}

class HttpError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

function status(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function expiredStatus(from: number, now: number): Obj {
  return status(410, 'Expired', `too old resource version: ${from} (${now})`);
}

/** Compact JSON, one event per line (the client splits on newlines, SPEC §6.3). */
function writeEvent(res: http.ServerResponse, ev: Obj): void {
  if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(ev) + '\n');
}

function apiVersion(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

function key(ns: string, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

/** Kubernetes metav1.Time: RFC 3339 with second precision. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ rv, after })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; after: string } | null {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof t?.rv === 'number' && typeof t?.after === 'string' ? t : null;
  } catch {
    return null;
  }
}

/** `/api/v1[/namespaces/{ns}]/{plural}[/{name}[/{sub}]]` or `/apis/{group}/{version}/…`. */
function parsePath(pathname: string, defs: readonly ResourceDef[]): { def: ResourceDef; namespace: string | null; name: string | null; subresource: string | null } | null {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') [group, version, rest] = ['', parts[1], parts.slice(2)];
  else if (parts[0] === 'apis') [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return null;
  let namespace: string | null = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const def = defs.find((d) => d.group === group && d.version === version && d.plural === rest[0]);
  if (!def || rest.length > 3 || (namespace !== null && !def.namespaced)) return null;
  return { def, namespace, name: rest[1] ?? null, subresource: rest[2] ?? null };
}
