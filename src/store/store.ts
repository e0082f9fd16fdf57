import { createHash } from 'node:crypto';
import { objectKey, nsName, SERVICE_NAME_LABEL } from '../k8s/keys.ts';
import type { ConfigMap, Ingress, Kind, KubeObject, ObjectOfKind, EndpointSlice } from '../k8s/types.ts';
import { KINDS } from '../k8s/types.ts';

/** Read-only view translate works on (ARCHITECTURE.md "Store"). */
export interface StoreView {
  get<K extends Kind>(kind: K, key: string): ObjectOfKind<K> | undefined;
  /** Every object of a kind, sorted by key (translate must be deterministic). */
  list<K extends Kind>(kind: K): readonly ObjectOfKind<K>[];
  /** Keys of Ingresses whose backends name this Service (`ns/name`). */
  ingressesForService(serviceKey: string): readonly string[];
  /** Keys of Ingresses whose spec.tls names this Secret (`ns/name`). */
  ingressesForSecret(secretKey: string): readonly string[];
  /** EndpointSlices labelled for this Service (`ns/name`), sorted by key. */
  slicesForService(serviceKey: string): readonly EndpointSlice[];
}

/**
 * One map per kind plus the reverse indexes, so that no event scans everything. `upsert` and
 * `remove` say whether the change can matter: a re-delivered object with no spec change (same
 * resourceVersion, or only status/managedFields moved) returns false.
 */
export class Store implements StoreView {
  private readonly maps = new Map<Kind, Map<string, KubeObject>>();
  private readonly fingerprints = new Map<Kind, Map<string, string>>();
  private readonly sortedCache = new Map<Kind, readonly KubeObject[]>();
  private readonly svcToIngress = new Map<string, Set<string>>();
  private readonly secretToIngress = new Map<string, Set<string>>();
  private readonly ingressRefs = new Map<string, { services: string[]; secrets: string[]; mentions: string[] }>();
  /** `ns/name` written in an Ingress annotation value → those Ingresses (any kind it may name). */
  private readonly mentionToIngress = new Map<string, Set<string>>();
  /** Service `ns/name` named by a ConfigMap value (`ns/svc:port…`, the L4 convention) → ConfigMap keys. */
  private readonly svcToConfigMap = new Map<string, Set<string>>();
  private readonly configMapRefs = new Map<string, string[]>();
  private readonly svcToSlices = new Map<string, Set<string>>();
  private readonly sliceOwner = new Map<string, string>();

  constructor() {
    for (const k of KINDS) {
      this.maps.set(k, new Map());
      this.fingerprints.set(k, new Map());
    }
  }

  upsert<K extends Kind>(kind: K, obj: ObjectOfKind<K>): boolean {
    const key = objectKey(obj);
    const fp = fingerprint(kind, obj);
    const fps = this.fingerprints.get(kind)!;
    if (fps.get(key) === fp) {
      // Keep the newest object (resourceVersion moves) without signalling a change.
      this.maps.get(kind)!.set(key, obj);
      return false;
    }
    fps.set(key, fp);
    this.maps.get(kind)!.set(key, obj);
    this.sortedCache.delete(kind);
    if (kind === 'Ingress') this.indexIngress(key, obj as Ingress);
    if (kind === 'EndpointSlice') this.indexSlice(key, obj);
    if (kind === 'ConfigMap') this.indexConfigMap(key, obj);
    return true;
  }

  remove(kind: Kind, key: string): boolean {
    const m = this.maps.get(kind)!;
    if (!m.has(key)) return false;
    m.delete(key);
    this.fingerprints.get(kind)!.delete(key);
    this.sortedCache.delete(kind);
    if (kind === 'Ingress') this.indexIngress(key, undefined);
    if (kind === 'EndpointSlice') this.indexSlice(key, undefined);
    if (kind === 'ConfigMap') this.indexConfigMap(key, undefined);
    return true;
  }

  /**
   * Whether a Service, Secret or ConfigMap can matter to translation through an object in the
   * store: an Ingress backend or spec.tls names it, an Ingress annotation value names it (the
   * annotation parsers read Secrets and ConfigMaps by name, so every such value counts), or — for a
   * Service — a ConfigMap value names it the L4 way. Other kinds always can. Over-approximate on
   * purpose: a false "yes" costs one translate, a false "no" would serve stale configuration.
   */
  isReferenced(kind: Kind, key: string): boolean {
    if (kind !== 'Service' && kind !== 'Secret' && kind !== 'ConfigMap') return true;
    if (this.mentionToIngress.has(key)) return true;
    if (kind === 'Service') return this.svcToIngress.has(key) || this.svcToConfigMap.has(key);
    if (kind === 'Secret') return this.secretToIngress.has(key);
    return false;
  }

  /** Keys currently stored for a kind (used by sources to diff a relist). */
  keys(kind: Kind): string[] {
    return [...this.maps.get(kind)!.keys()];
  }

  size(kind: Kind): number {
    return this.maps.get(kind)!.size;
  }

  get<K extends Kind>(kind: K, key: string): ObjectOfKind<K> | undefined {
    return this.maps.get(kind)!.get(key) as ObjectOfKind<K> | undefined;
  }

  list<K extends Kind>(kind: K): readonly ObjectOfKind<K>[] {
    let cached = this.sortedCache.get(kind);
    if (!cached) {
      const m = this.maps.get(kind)!;
      cached = [...m.keys()].sort().map((k) => m.get(k)!);
      this.sortedCache.set(kind, cached);
    }
    return cached as readonly ObjectOfKind<K>[];
  }

  ingressesForService(serviceKey: string): readonly string[] {
    return [...(this.svcToIngress.get(serviceKey) ?? [])].sort();
  }

  ingressesForSecret(secretKey: string): readonly string[] {
    return [...(this.secretToIngress.get(secretKey) ?? [])].sort();
  }

  slicesForService(serviceKey: string): readonly EndpointSlice[] {
    const keys = this.svcToSlices.get(serviceKey);
    if (!keys) return [];
    const m = this.maps.get('EndpointSlice')!;
    return [...keys].sort().map((k) => m.get(k) as EndpointSlice);
  }

  private indexIngress(key: string, ing: Ingress | undefined): void {
    const old = this.ingressRefs.get(key);
    if (old) {
      for (const s of old.services) dropFrom(this.svcToIngress, s, key);
      for (const s of old.secrets) dropFrom(this.secretToIngress, s, key);
      for (const s of old.mentions) dropFrom(this.mentionToIngress, s, key);
      this.ingressRefs.delete(key);
    }
    if (!ing) return;
    const ns = ing.metadata?.namespace ?? '';
    const services = new Set<string>();
    const secrets = new Set<string>();
    // User input is not trusted to follow the schema (k8s/types.ts): index only what is well-formed.
    const spec = typeof ing.spec === 'object' && ing.spec !== null ? ing.spec : {};
    const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);
    const name = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const dflt = name(spec.defaultBackend?.service?.name);
    if (dflt) services.add(nsName(ns, dflt));
    for (const r of list(spec.rules)) {
      for (const p of list(r?.http?.paths)) {
        const n = name(p?.backend?.service?.name);
        if (n) services.add(nsName(ns, n));
      }
    }
    for (const t of list(spec.tls)) {
      const n = name(t?.secretName);
      if (n) secrets.add(nsName(ns, n));
    }
    const annotations = ing.metadata?.annotations;
    const mentions = new Set<string>();
    if (annotations && typeof annotations === 'object') {
      for (const v of Object.values(annotations)) if (typeof v === 'string') for (const m of objectNames(v, ns)) mentions.add(m);
    }
    const refs = { services: [...services], secrets: [...secrets], mentions: [...mentions] };
    this.ingressRefs.set(key, refs);
    for (const s of refs.services) addTo(this.svcToIngress, s, key);
    for (const s of refs.secrets) addTo(this.secretToIngress, s, key);
    for (const s of refs.mentions) addTo(this.mentionToIngress, s, key);
  }

  private indexConfigMap(key: string, cm: ConfigMap | undefined): void {
    for (const s of this.configMapRefs.get(key) ?? []) dropFrom(this.svcToConfigMap, s, key);
    this.configMapRefs.delete(key);
    const data = cm?.data;
    if (!data || typeof data !== 'object') return;
    const services = new Set<string>();
    for (const v of Object.values(data)) {
      const m = typeof v === 'string' ? L4_VALUE.exec(v.trim()) : null;
      if (m) services.add(nsName(m[1], m[2]));
    }
    if (services.size === 0) return;
    this.configMapRefs.set(key, [...services]);
    for (const s of services) addTo(this.svcToConfigMap, s, key);
  }

  private indexSlice(key: string, slice: EndpointSlice | undefined): void {
    const old = this.sliceOwner.get(key);
    if (old !== undefined) {
      dropFrom(this.svcToSlices, old, key);
      this.sliceOwner.delete(key);
    }
    const svc = slice?.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!slice || !svc) return;
    const owner = nsName(slice.metadata?.namespace ?? '', svc);
    this.sliceOwner.set(key, owner);
    addTo(this.svcToSlices, owner, key);
  }
}

/** Service key (`ns/name`) an EndpointSlice belongs to, or undefined. */
export function sliceService(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? nsName(slice.metadata?.namespace ?? '', svc) : undefined;
}

const SERVICE_URL = /^\s*https?:\/\/([a-z0-9][-a-z0-9]*)\.([a-z0-9][-a-z0-9]*)\.svc(?:\.cluster\.local)?(?:[:/?#]|$)/i;
const L4_VALUE = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9]*):/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;

/** The `ns/name` keys an annotation value may name: each comma/space-separated DNS-like token. */
function objectNames(value: string, ns: string): string[] {
  const out: string[] = [];
  // An auth-url naming a Service by its cluster DNS name (translate/access.ts resolves it).
  const svc = SERVICE_URL.exec(value);
  if (svc !== null) out.push(nsName(svc[2], svc[1]));
  for (const t of value.split(/[\s,]+/)) {
    if (t === '' || t.length > 253 || !NAME.test(t)) continue;
    out.push(t.includes('/') ? t : nsName(ns, t));
  }
  return out;
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function dropFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/** Kinds whose status Portico writes and never reads: a status write must not cause a new translation. */
const STATUS_NOT_TRANSLATED: ReadonlySet<Kind> = new Set<Kind>(['Ingress', 'GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute', 'BackendTLSPolicy']);

/**
 * What of an object can change translation: everything but bookkeeping and (for the kinds Portico writes status of) status.
 * Kept as a digest, not the JSON text: a copy of every object's text would double the store.
 */
function fingerprint(kind: Kind, obj: KubeObject): string {
  const json = JSON.stringify(obj, (k, v: unknown) => {
    if (k === 'resourceVersion' || k === 'managedFields' || k === 'generation') return undefined;
    if (k === 'status' && STATUS_NOT_TRANSLATED.has(kind)) return undefined;
    return v;
  });
  return createHash('sha1').update(json).digest('base64');
}
