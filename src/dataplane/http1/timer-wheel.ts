// One coarse clock for every lean-engine timeout (ARCHITECTURE.md hot-path rules: no timer per
// request): connections and exchanges set a deadline field; one interval per engine expires them.
// Resolution is the tick (at most a quarter of the shortest timeout, 50 ms-1 s), which is what
// node:http's own connectionsCheckingInterval does for its header timeout.

export interface Timed {
  /** Epoch ms after which onDeadline() runs; 0 = none. */
  deadline: number;
  onDeadline(now: number): void;
}

export class TimerWheel {
  private readonly members = new Set<Timed>();
  private readonly timer: NodeJS.Timeout;
  /** Date.now() as of the last tick, for deadlines set on the hot path without a clock read. */
  now = Date.now();
  /** RFC 9110 §6.6.1 Date value, refreshed every tick. */
  date = new Date(this.now).toUTCString();

  private readonly tickMs: number;

  constructor(tickMs: number) {
    this.tickMs = tickMs;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  add(t: Timed): void {
    this.members.add(t);
  }

  delete(t: Timed): void {
    this.members.delete(t);
  }

  private tick(): void {
    const now = (this.now = Date.now());
    this.date = new Date(now).toUTCString();
    // Deadlines are set from `this.now`, up to one tick stale: one tick of grace so none fires early.
    const due = now - this.tickMs;
    for (const t of this.members) {
      if (t.deadline !== 0 && t.deadline <= due) {
        t.deadline = 0;
        t.onDeadline(now);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.members.clear();
  }
}

/** A tick for timeouts `ms`: a quarter of the shortest, within [50 ms, 1 s]. */
export function tickFor(...ms: number[]): number {
  const shortest = Math.min(...ms.filter((m) => m > 0), 4000);
  return Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
}
