// One HTTP dispatcher per API server and credentials, shared by every request of a KubeConfig.
// @kubernetes/client-node 2.0 builds a new undici Agent for each request whose cluster has TLS
// options (every in-cluster config: the service-account CA; and skipTLSVerify), so each list,
// status PATCH and Event opened a new connection (a TLS handshake in a cluster) and left an Agent
// with its pools to the garbage collector: writing the status of 5,000 routes grew the process by
// hundreds of MB (docs/benchmarks/cluster.md "Gateway API"). The options the client would build its
// dispatcher from are fingerprinted; the same options get the same dispatcher (kept-alive
// connections, RFC 9112 §9.3), new ones (a rotated client certificate or CA) a new dispatcher, and
// the one it replaces is closed gracefully once its requests are done.
import { createHash } from 'node:crypto';
import type { AgentOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

type Cluster = ReturnType<KubeConfig['getCurrentCluster']>;
interface Closable { close(): Promise<void> }
type CreateDispatcher = (cluster: Cluster, agentOptions: AgentOptions) => Closable | undefined;

/** How long a replaced dispatcher is kept before close(): requests already handed it finish first either way. */
const RETIRE_AFTER_MS = 60_000;

export function shareDispatchers(kc: KubeConfig): KubeConfig {
  // createDispatcher is private in the client's types; it is the one place every request's
  // dispatcher comes from (config.js applySecurityAuthentication).
  const target = kc as unknown as { createDispatcher: CreateDispatcher };
  const create = target.createDispatcher.bind(kc);
  let current: { key: string; dispatcher: Closable | undefined } | null = null;
  target.createDispatcher = (cluster, agentOptions) => {
    const key = fingerprint(cluster?.server ?? '', kc.createDispatcherOptions(cluster, agentOptions));
    if (current !== null && current.key === key) return current.dispatcher;
    const old = current?.dispatcher;
    current = { key, dispatcher: create(cluster, agentOptions) };
    if (old !== undefined) setTimeout(() => void old.close().catch(() => undefined), RETIRE_AFTER_MS).unref();
    return current.dispatcher;
  };
  return kc;
}

function fingerprint(server: string, options: unknown): string {
  const json = JSON.stringify(options, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64')
    : v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)
      ? Buffer.from((v as { data: number[] }).data).toString('base64') : v));
  return createHash('sha256').update(server).update('\n').update(json).digest('base64');
}
