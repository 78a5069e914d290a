/**
 * The Logger port: the subset of pino's API that meshgate uses, so core logic can log
 * without importing pino. Production passes pino child loggers (bindings `component`,
 * `link`, `peer`); tests pass {@link silentLogger}. Hex dumps only behind
 * `isLevelEnabled('trace')`.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

const noop: LogFn = () => {};

/** A logger that discards everything (for tests and library use). */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
  isLevelEnabled: () => false,
};
