/**
 * Rate limiting for debug logs of bad input (DESIGN.md §4: bad input from the air is
 * counted, logged at debug with rate limiting, and dropped). A fixed window on the injected
 * clock: at most `maxPerWindow` lines per `windowMs`; lines over the limit are counted and
 * the count is reported with the first line of the next window.
 */
import type { Clock } from '../ports/clock.js';

export interface LogLimiterInit {
  /** Window length in ms (default 10,000). */
  windowMs?: number;
  /** Lines allowed per window (default 20). */
  maxPerWindow?: number;
}

export class LogLimiter {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly maxPerWindow: number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(components: { clock: Clock }, init: LogLimiterInit = {}) {
    this.clock = components.clock;
    this.windowMs = init.windowMs ?? 10_000;
    this.maxPerWindow = init.maxPerWindow ?? 20;
  }

  /**
   * Ask to log one line. Returns undefined when the line must be suppressed, otherwise the
   * number of lines suppressed since the last allowed one (0 usually).
   */
  take(): number | undefined {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.maxPerWindow) {
      this.suppressed++;
      return undefined;
    }
    this.used++;
    const s = this.suppressed;
    this.suppressed = 0;
    return s;
  }
}
