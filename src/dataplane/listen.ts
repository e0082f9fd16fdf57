import type { AddressInfo, ListenOptions, Server } from 'node:net';

/**
 * Bind a server and resolve its port, or reject with the bind error (EADDRINUSE…) instead of
 * letting it surface as an unhandled 'error' later. Shared by the HTTP, HTTPS and L4 TCP listeners.
 */
export function listenOn(server: Server, options: ListenOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
