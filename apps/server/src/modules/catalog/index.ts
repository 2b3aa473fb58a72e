/**
 * Catalog module (政务服务事项目录): service items of the national item standard, bundles
 * (一件事), drafts and immutable published versions, the guide linter (指南准确度), Chinese search
 * with synonyms, facets and suggestions, and signed packages to share practice between regions.
 *
 * Owns the catalog_* tables and the `catalog.signing_key` entry of node_meta.
 * Publishes: `CatalogService` — `getPublishedVersion(itemId, version)` and
 * `getPublishedBundleVersion(bundleId, version)` for applications bound to a version,
 * `recordUse(id)` for the ranking, `compileForm` to validate submissions against an item's form —
 * and the routes under /api (see catalog.routes.ts). Reads departments only through OrgService.
 *
 * The process structure that the workflow engine executes is `ProcessSchema` in
 * catalog.schemas.ts: stages [{ key, name, role, department?, departments?, budgetDays, kind:
 * 'single' | 'countersign' | 'anysign' | 'sequential', materials? }] and `payment` ({ afterStage,
 * budgetDays } when the item has a fee, else null).
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/database';
import type { OrgService } from '../org';
import { catalogRoutes } from './catalog.routes';
import { CatalogService } from './catalog.service';

export { CatalogService, nameUuid, type BundleRecord, type ItemRecord } from './catalog.service';
export { compileForm } from './catalog.form';
export type { BundleContent, Finding, ItemContent, Material, Stage } from './catalog.schemas';
export type { BundleDerived } from './catalog.bundle';
export { demoBundleId, demoItemId, seedDemoCatalog } from './demo/seed';

export function createCatalog(opts: { db: Db; org: OrgService; nodeName: string }): CatalogService {
  return new CatalogService(opts.db, opts.org, { name: opts.nodeName, regionCode: opts.org.nodeRegion });
}

/** The module's routes; pending use counts are written when the app closes. */
export function catalogPlugin(svc: CatalogService) {
  return async function catalog(app: FastifyInstance) {
    app.addHook('onClose', async () => svc.flushUses());
    await app.register(catalogRoutes(svc));
  };
}
