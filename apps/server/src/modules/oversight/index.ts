/**
 * Oversight module (一网统管): live measures with provenance, declared dashboards (JSON/CSV),
 * alerts that dispatch work orders, the versioned evaluation index (self-assessment), market-entity
 * monitoring, maps from a pluggable GeoJSON provider.
 *
 * Owns: oversight_rollup, oversight_rollup_state, oversight_workday_index, oversight_measures,
 * oversight_index_versions, oversight_alert_rules, oversight_alerts, oversight_work_orders,
 * oversight_geo_maps, market_entity_events, the read-only views oversight_*_facts /
 * oversight_*_monthly / oversight_freshness, and the job queues oversight.tick (roll-up refresh and
 * rule evaluation, every OVERSIGHT_REFRESH_SECONDS) and oversight.work_order_due (deadline timers).
 *
 * Reads (read-only, through the facts views, see README.md for why): applications,
 * catalog_items/versions/bundles, application_escalations, accounts.kind, and the facts views of
 * reviews, 12345 inquiries, exchange and open data when those modules provide their tables.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Db } from '../../db/database';
import type { JobRunner } from '../jobs';
import type { OrgService } from '../org';
import { oversightRoutes } from './oversight.routes';
import { OversightService } from './oversight.service';

export { OversightService, QUEUES as OVERSIGHT_QUEUES } from './oversight.service';
export { MEASURES, SOURCES } from './oversight.measures';
export { DASHBOARDS } from './oversight.dashboards';
export { DEFAULT_INDEX, type IndexConfig } from './oversight.evaluation';
export { seedDemoOversight } from './oversight.demo';

export function createOversight(o: { db: Db; org: OrgService; jobs: JobRunner; nodeRegion: string; refreshSeconds: number; demoHistory: boolean; log: FastifyBaseLogger }): OversightService {
  return new OversightService(o.db, o.org, o.jobs, { nodeRegion: o.nodeRegion, refreshSeconds: o.refreshSeconds, demoHistory: o.demoHistory, log: o.log });
}

/** The routes; with the job runner on, the first tick is scheduled when the app is ready. */
export function oversightPlugin(svc: OversightService, opts: { schedule: boolean }) {
  return async function oversight(app: FastifyInstance) {
    if (opts.schedule) app.addHook('onReady', async () => svc.schedule());
    await app.register(oversightRoutes(svc));
  };
}
