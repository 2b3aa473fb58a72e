/**
 * The store behind @fastify/rate-limit: the node's rate windows in the database (shared/rate-windows.ts)
 * instead of the plugin's in-memory default, so that a route's limit (sign-in, token endpoints,
 * public forms) is one budget for all server processes, not one per process. Each route (or
 * `groupId`) counts apart; a window is the route's `timeWindow`. A store error fails the request
 * (500) rather than letting it through unlimited.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateWindows } from '../shared/rate-windows';

/** What the plugin really hands `child`: the route's merged limit options, with the route. */
interface StoreParams {
  groupId?: string;
  routeInfo?: { method?: string | string[]; url?: string };
}
type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

export function rateLimitStore(windows: RateWindows): FastifyRateLimitStoreCtor {
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _params?: unknown,
      private readonly scope = 'global',
    ) {}

    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      windows.hit(`route:${this.scope}:${key}`, max, timeWindow).then(
        (r) => cb(null, { current: r.count, ttl: r.ttlMs }),
        (err: Error) => cb(err),
      );
    }

    child(routeOptions: unknown): DatabaseRateLimitStore {
      const params = routeOptions as StoreParams;
      const method = [params.routeInfo?.method ?? ''].flat().join(',');
      return new DatabaseRateLimitStore(params, params.groupId ?? `${method} ${params.routeInfo?.url ?? ''}`);
    }
  };
}
