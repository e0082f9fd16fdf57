import { KubeConfig } from '@kubernetes/client-node';
import { shareDispatchers } from './dispatcher.ts';

/**
 * The client configuration for cluster mode (README "Run in a cluster"): in-cluster service-account
 * credentials when running in a pod, else a kubeconfig file, else the client's default search
 * (KUBECONFIG, ~/.kube/config). Throws with a readable message when no cluster is configured,
 * so `serve` fails at start-up rather than on the first list.
 */
export function makeKubeConfig(opts: { kubeconfigPath?: string; inCluster?: boolean }): KubeConfig {
  const kc = new KubeConfig();
  if (opts.inCluster) kc.loadFromCluster();
  else if (opts.kubeconfigPath) kc.loadFromFile(opts.kubeconfigPath);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    const from = opts.inCluster ? 'the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT)' : opts.kubeconfigPath ?? 'the default kubeconfig';
    throw new Error(`no Kubernetes API server configured by ${from}`);
  }
  return shareDispatchers(kc);
}

/** A KubeConfig that talks to one plain-HTTP server without credentials (tests, benchmarks). */
export function kubeConfigForServer(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'portico', server, skipTLSVerify: true }],
    users: [{ name: 'portico' }],
    contexts: [{ name: 'portico', cluster: 'portico', user: 'portico' }],
    currentContext: 'portico',
  });
  return shareDispatchers(kc);
}
