import type { AddressInfo, ListenOptions, Server } from 'node:net';

/**
 * Process-wide listener options: a worker process (src/worker.ts, README "Worker processes") sets
 * `reusePort` so that every worker binds the same ports and the kernel spreads connections
 * (SO_REUSEPORT, Linux ≥ 3.9; Node ≥ 22.12 `reusePort`). Off in a single process. `via`: with
 * `--worker-accept primary` a worker's listeners do not bind; the primary accepts and hands their
 * connections over (src/workers/handed-connections.ts).
 */
export const listenDefaults: { reusePort: boolean; via: ((server: Server, options: ListenOptions) => Promise<number>) | null } = { reusePort: false, via: null };

/**
 * Bind a server and resolve its port, or reject with the bind error (EADDRINUSE…) instead of
 * letting it surface as an unhandled 'error' later. Shared by the HTTP, HTTPS and L4 TCP listeners.
 */
export function listenOn(server: Server, options: ListenOptions): Promise<number> {
  if (listenDefaults.via !== null) return listenDefaults.via(server, options);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(listenDefaults.reusePort ? { ...options, reusePort: true } : options, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
