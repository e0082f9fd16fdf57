// A worker's side of `--worker-accept primary` (primary-accept.ts): its HTTP and HTTPS listeners do
// not bind; each registers under its port (dataplane/listen.ts `listenDefaults.via`) and gets the
// connections the primary hands over, as if its own server had accepted them.
import type { ListenOptions, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A local socket only this process knows (Linux: abstract namespace, nothing on disk). */
function sinkPath(port: number): string {
  const name = `portico-worker-${process.pid}-${port}`;
  if (process.platform === 'win32') return `\\\\?\\pipe\\${name}`;
  return process.platform === 'linux' ? `\0${name}` : join(tmpdir(), `${name}.sock`);
}

/** What net.Server keeps of its options and applies to each accepted socket (node lib/net.js onconnection). */
interface ServerSocketOptions {
  readonly allowHalfOpen?: boolean;
  readonly noDelay?: boolean;
  readonly pauseOnConnect?: boolean;
}

export class HandedConnections {
  private readonly servers = new Map<number, Server>();

  /**
   * `listenDefaults.via`: the port is the primary's, already bound. The server itself listens on a
   * private local socket nobody connects to, so that it is a listening server like any other:
   * close() stops it and calls back once its connections (the handed ones, counted below) ended,
   * which is what a listener's drain waits on. A server with no handle would report itself closed
   * each time its connection count fell to zero (lib/net.js `_emitCloseIfDrained`).
   */
  readonly listen = async (server: Server, options: ListenOptions): Promise<number> => {
    const port = options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(sinkPath(port), () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.set(port, server);
    server.once('close', () => {
      if (this.servers.get(port) === server) this.servers.delete(port);
    });
    return port;
  };

  /** A connection from the primary; closed when no listener of this process has the port (any more). */
  accept(port: number, socket: Socket | undefined): void {
    if (socket === undefined) return;
    const server = this.servers.get(port);
    if (server === undefined) {
      socket.destroy();
      return;
    }
    // What the server would have set on a socket it accepted itself.
    const o = server as unknown as ServerSocketOptions;
    socket.allowHalfOpen = o.allowHalfOpen === true;
    if (o.noDelay === true) socket.setNoDelay(true);
    if (o.pauseOnConnect === true) socket.pause();
    // Counted in the server as its own accept counts a socket (lib/net.js onconnection sets
    // `_server` and `_connections++`; Socket#_destroy undoes it): close()'s callback then waits for
    // the handed connections too.
    (server as unknown as { _connections: number })._connections++;
    (socket as unknown as { _server: Server })._server = server;
    server.emit('connection', socket);
  }
}
