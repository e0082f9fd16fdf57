/**
 * Trailing debounce with a cap (ARCHITECTURE.md slow path: ≈100 ms, capped): each call pushes the
 * run back by `delayMs`, but never past `maxDelayMs` after the first call of a burst, so a steady
 * stream of changes still gets applied.
 */
export class Debouncer {
  private readonly delayMs: number;
  private readonly maxDelayMs: number;
  private readonly fn: () => void;
  private timer: NodeJS.Timeout | null = null;
  private firstAt = 0;

  constructor(fn: () => void, delayMs: number, maxDelayMs: number) {
    this.fn = fn;
    this.delayMs = delayMs;
    this.maxDelayMs = maxDelayMs;
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  trigger(): void {
    const now = Date.now();
    if (this.timer === null) this.firstAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.delayMs, this.firstAt + this.maxDelayMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fn();
    }, wait);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
