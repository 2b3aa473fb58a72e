/**
 * Fastify's per-request logger (`req.log`), made only when the request logs something at an enabled
 * level. pino's child() serialises its bindings (the request id) when it is made, and at LOG_LEVEL
 * warn almost no request logs anything: making them was 2 % of the verification API's CPU per
 * request. A request that does log gets the same child as before (same bindings, same output).
 * One small object per request, its methods on the prototype (closures per request cost about as
 * much as the child they replaced).
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(l: string): boolean },
    private readonly bindings: Bindings,
    private readonly opts: ChildOptions,
  ) {}

  private real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.opts));
  }

  private write(l: Level, args: unknown[]): void {
    if (!this.made && !this.parent.isLevelEnabled(l)) return;
    const c = this.real();
    (c[l] as (...a: unknown[]) => void).apply(c, args);
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }
  set level(l: string) {
    this.real().level = l;
  }
  silent(): void {}
  child(...a: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.real().child(...a);
  }
  declare fatal: LogMethod;
  declare error: LogMethod;
  declare warn: LogMethod;
  declare info: LogMethod;
  declare debug: LogMethod;
  declare trace: LogMethod;
}

type LogMethod = (...args: unknown[]) => void;
// The level methods, on the prototype: made once, not per request.
for (const l of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const)
  (LazyRequestLogger.prototype as unknown as Record<Level, LogMethod>)[l] = function (this: LazyRequestLogger, ...args: unknown[]) {
    (this as unknown as { write(l: Level, a: unknown[]): void }).write(l, args);
  };

export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, opts) {
  // A route's own level, or no pino (logging off: Fastify's no-op logger): as Fastify does.
  if (opts.level || typeof (logger as { isLevelEnabled?: unknown }).isLevelEnabled !== 'function') return logger.child(bindings, opts);
  return new LazyRequestLogger(logger as FastifyBaseLogger & { isLevelEnabled(l: string): boolean }, bindings, opts) as unknown as FastifyBaseLogger;
};
