// `--worker-accept primary` (README "Worker processes"): where SO_REUSEPORT is missing, or when
// asked, the primary binds the HTTP and HTTPS ports itself, accepts, and hands each connection to a
// worker over the IPC channel (child_process `send(message, socket)`, the descriptor passing
// node:cluster's round-robin scheduling uses). The primary never reads from a connection
// (pauseOnConnect), so the worker sees its first byte. Its listeners stay open while workers come
// and go, so a rolling restart has no listener gap at all.
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../util/logger.ts';

/** Who gets the next connection (the pool's choice), with how to send it; null when no worker can take it. */
export type PickWorker = () => { readonly id: number; sendSocket(port: number, socket: Socket): void } | null;

export class PrimaryAccept {
  private readonly servers = new Map<number, Server>();
  private readonly pick: PickWorker;
  private readonly logger: Logger;
  /** A connection closed because no worker could take it. */
  private readonly onRefused: () => void;

  constructor(pick: PickWorker, logger: Logger, onRefused: () => void) {
    this.pick = pick;
    this.logger = logger;
    this.onRefused = onRefused;
  }

  /** Bind `port` (0: any) on `host`; the bound port, which the workers are told. */
  async listen(host: string, port: number): Promise<number> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => this.hand(bound, socket));
    server.on('error', (err: Error) => this.logger.error({ err: err.message }, 'primary listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    this.servers.set(bound, server);
    return bound;
  }

  /** Stop accepting on one port (a Gateway listener port that went away, gateway-accept.ts). */
  closePort(port: number): Promise<void> {
    const s = this.servers.get(port);
    if (s === undefined) return Promise.resolve();
    this.servers.delete(port);
    return new Promise<void>((r) => s.close(() => r()));
  }

  private hand(port: number, socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const w = this.pick();
    if (w === null) {
      this.onRefused();
      socket.destroy();
      return;
    }
    w.sendSocket(port, socket);
  }

  /** Stop accepting (first step of the drain); connections already handed out belong to the workers. */
  close(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    return Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {});
  }
}
