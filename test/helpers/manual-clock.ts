/**
 * A clock and timers that move only when told: `advance(ms)` fires the timers that fall due,
 * in order. Lets a test walk a notifier through hours of retry schedule in milliseconds.
 */
export class ManualClock {
  private current: number;
  private nextHandle = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now = (): number => this.current;

  readonly timers = {
    setTimeout: (callback: () => void, ms: number): unknown => {
      const handle = this.nextHandle++;
      this.pending.set(handle, { at: this.current + Math.max(0, ms), callback });
      return handle;
    },
    clearTimeout: (handle: unknown): void => {
      this.pending.delete(handle as number);
    },
  };

  /** How many timers are set. */
  get timerCount(): number {
    return this.pending.size;
  }

  /** Moves time on by `ms`, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let first: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) {
        if (entry[1].at <= target && (!first || entry[1].at < first[1].at)) first = entry;
      }
      if (!first) break;
      this.pending.delete(first[0]);
      this.current = Math.max(this.current, first[1].at);
      first[1].callback();
    }
    this.current = target;
  }

  /** Moves time to `at` (if later), firing due timers. */
  advanceTo(at: number): void {
    if (at > this.current) this.advance(at - this.current);
    else this.advance(0);
  }
}

/** Polls `check` on real time until it returns a value other than undefined/false. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A logger that keeps what it is told, for assertions (and keeps test output quiet). */
export class MemoryLogger {
  readonly lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  info = (message: string, meta?: Record<string, unknown>) => this.push('info', message, meta);
  warn = (message: string, meta?: Record<string, unknown>) => this.push('warn', message, meta);
  error = (message: string, meta?: Record<string, unknown>) => this.push('error', message, meta);
  debug = (message: string, meta?: Record<string, unknown>) => this.push('debug', message, meta);

  private push(level: string, message: string, meta?: Record<string, unknown>): void {
    this.lines.push(meta === undefined ? { level, message } : { level, message, meta });
  }

  /** Everything logged, as one string (to check no secret leaked). */
  text(): string {
    return JSON.stringify(this.lines);
  }
}
