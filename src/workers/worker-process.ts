// The primary's handle on one worker process: fork, typed messages, waiting for the acknowledgement
// of a snapshot version or a metrics reply, and a bounded drain. The pool (worker-pool.ts) decides
// when to start, replace and stop them.
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Diagnostic } from '../model/diagnostic.ts';
import { messageKind, parseFromWorker, type FromWorker, type ToWorker, type WorkerInit } from './protocol.ts';

export interface WorkerProcessOptions {
  /** The worker entry module (src/worker.ts). */
  readonly entry: string;
  readonly execArgv: readonly string[];
  readonly init: WorkerInit;
  /** A message the primary does not understand: counted and logged by the pool, then ignored. */
  readonly onMalformed: (kind: string) => void;
}

/** Connections queued on one worker's channel before the primary hands that worker no more. */
const MAX_QUEUED_SOCKETS = 1024;

interface AckWaiter {
  readonly version: number;
  readonly resolve: (acked: boolean) => void;
}

export class WorkerProcess {
  readonly id: number;
  readonly child: ChildProcess;
  /** Version of the last snapshot this worker acknowledged (0: none yet). */
  served = 0;
  /** From its last acknowledgement: its dataplanes' own diagnostics and the ones whose apply threw. */
  diagnostics: readonly Diagnostic[] = [];
  failed: readonly string[] = [];
  /** Resolves once every listener is bound; rejects when a bind fails or the process ends first. */
  readonly listening: Promise<void>;
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  private alive = true;
  /** Listening, not yet told to drain: may be handed connections (`--worker-accept primary`). */
  private open = false;
  /** Connections handed to send() and not yet written to the channel (each holds a descriptor). */
  private queuedSockets = 0;
  private ackWaiters: AckWaiter[] = [];
  private readonly metricWaiters = new Map<number, (metrics: readonly unknown[] | null) => void>();
  private seq = 0;

  constructor(opts: WorkerProcessOptions) {
    this.id = opts.init.id;
    // 'advanced' serialization: the structured clone carries the Snapshot's Map-typed EndpointSet.
    this.child = fork(opts.entry, [], { serialization: 'advanced', execArgv: [...opts.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let onListening!: () => void;
    let onFailed!: (err: Error) => void;
    this.listening = new Promise<void>((resolve, reject) => {
      onListening = resolve;
      onFailed = reject;
    });
    this.listening.catch(() => {}); // observed by whoever awaits it; a crash later is the pool's business
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.alive = false;
        onFailed(new Error(`worker ${this.id} exited (${code ?? 'signal'}) before listening`));
        for (const w of this.ackWaiters) w.resolve(false);
        this.ackWaiters = [];
        for (const r of this.metricWaiters.values()) r(null);
        this.metricWaiters.clear();
        resolve(code);
      });
    });
    // A send to a process that just died fails asynchronously with EPIPE/ERR_IPC_CHANNEL_CLOSED:
    // its 'exit' is what the pool acts on.
    this.child.on('error', () => {});
    this.child.on('message', (raw: unknown) => {
      const m = parseFromWorker(raw);
      if (m === null) opts.onMalformed(messageKind(raw));
      else this.receive(m, onListening, onFailed);
    });
    this.send(opts.init);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /**
   * A worker that stops reading its channel (stuck, SIGSTOP) must not make the primary hold a
   * descriptor per connection without bound: past MAX_QUEUED_SOCKETS it gets no more.
   */
  get takesConnections(): boolean {
    return this.alive && this.open && this.child.connected && this.queuedSockets < MAX_QUEUED_SOCKETS;
  }

  /** Hand over an accepted connection (primary-accept.ts); the primary's copy is closed once sent. */
  sendSocket(port: number, socket: Socket): void {
    if (!this.takesConnections) {
      socket.destroy();
      return;
    }
    this.queuedSockets++;
    this.child.send({ t: 'conn', port }, socket, { keepOpen: false }, (err) => {
      this.queuedSockets--;
      if (err) socket.destroy();
    });
  }

  private receive(m: FromWorker, onListening: () => void, onFailed: (err: Error) => void): void {
    switch (m.t) {
      case 'listening':
        this.open = true;
        onListening();
        return;
      case 'listen-failed':
        onFailed(new Error(m.error));
        return;
      case 'applied': {
        this.served = Math.max(this.served, m.version);
        this.diagnostics = m.diagnostics;
        this.failed = m.failed;
        const still: AckWaiter[] = [];
        for (const w of this.ackWaiters) {
          if (w.version <= m.version) w.resolve(true);
          else still.push(w);
        }
        this.ackWaiters = still;
        return;
      }
      case 'metrics':
        this.metricWaiters.get(m.seq)?.(m.metrics);
        this.metricWaiters.delete(m.seq);
    }
  }

  send(m: ToWorker): void {
    if (this.alive && this.child.connected) this.child.send(m);
  }

  /** True once this worker acknowledged `version` or a later one; false after `timeoutMs` or its exit. */
  acked(version: number, timeoutMs: number): Promise<boolean> {
    if (this.served >= version) return Promise.resolve(true);
    if (!this.alive) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ackWaiters = this.ackWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: AckWaiter = { version, resolve: (ok) => { clearTimeout(timer); resolve(ok); } };
      this.ackWaiters.push(waiter);
    });
  }

  /** This worker's registry as JSON, or null when it does not answer within `timeoutMs`. */
  metrics(timeoutMs: number): Promise<readonly unknown[] | null> {
    if (!this.alive) return Promise.resolve(null);
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.metricWaiters.delete(seq);
        resolve(null);
      }, timeoutMs);
      this.metricWaiters.set(seq, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send({ t: 'metrics', seq });
    });
  }

  /** Ask it to stop accepting and finish in-flight work within `drainMs`; SIGKILL after `drainMs + graceMs`. */
  async drain(drainMs: number, graceMs: number): Promise<void> {
    this.open = false;
    this.send({ t: 'drain', drainMs });
    const timer = setTimeout(() => this.kill(), drainMs + graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}
