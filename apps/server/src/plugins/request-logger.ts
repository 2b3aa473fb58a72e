/**
 * Fastify's per-request logger (`req.log`), made only when the request logs something at an enabled
 * level. pino's child() serialises its bindings (the request id) when it is made, and at LOG_LEVEL
 * warn almost no request logs anything: making them was 2 % of the verification API's CPU per
 * request. A request that does log gets the same child as before (same bindings, same output).
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, opts) {
  const isLevelEnabled = (logger as unknown as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
  // A route's own level, or no pino (logging off: Fastify's no-op logger): as Fastify does.
  if (opts.level || typeof isLevelEnabled !== 'function') return logger.child(bindings, opts);
  let child: FastifyBaseLogger | undefined;
  const real = () => (child ??= logger.child(bindings, opts));
  const enabled = (l: string) => isLevelEnabled.call(logger, l);
  const lazy: Record<string, unknown> = {
    get level() {
      return child?.level ?? logger.level;
    },
    set level(l: string) {
      real().level = l;
    },
    silent: () => undefined,
    child: (...a: Parameters<FastifyBaseLogger['child']>) => real().child(...a),
  };
  for (const l of LEVELS)
    lazy[l] = (...args: unknown[]) => {
      if (!child && !enabled(l)) return;
      const c = real();
      (c[l] as (...a: unknown[]) => void).apply(c, args);
    };
  return lazy as unknown as FastifyBaseLogger;
};
