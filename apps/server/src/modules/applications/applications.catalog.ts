import type { Condition } from './applications.conditions';
/**
 * What the applications module reads from the service catalog — and nothing more. The catalog
 * module owns items and bundles; we read their immutable published versions through this narrow
 * interface, so the dependency is this one file. `catalogReader()` adapts the catalog service.
 *
 * The types below are the parts of the catalog's ItemContent / BundleContent (see
 * modules/catalog/catalog.schemas.ts) that the engine uses; the catalog's own records satisfy
 * them structurally.
 */

export interface StageContent {
  key: string;
  name: string;
  role: 'window_clerk' | 'reviewer' | 'decider';
  department?: string;
  departments?: string[];
  budgetDays: number;
  kind: 'single' | 'countersign' | 'anysign' | 'sequential';
  materials?: string[];
  /** Only in processes imported from BPMN (application_processes): the stage runs when the form data meet it. */
  condition?: Condition;
}

export interface ItemContent {
  name: string;
  departmentId: string;
  regionCode?: string;
  serviceObjects: readonly ('natural_person' | 'legal_person')[];
  legalLimit: { days: number };
  promisedLimit: { days: number };
  handlingKind: string;
  specialProcedures: readonly { name: string; limitDays?: number }[];
  materials: readonly { key: string; name: string; requirement: string; source: { kind: string } }[];
  form: Record<string, unknown>;
  process: { stages: readonly StageContent[]; payment: null | { afterStage: string; budgetDays: number } };
  result: { kind: string; name: string; licenceType?: string };
  fees: readonly { name: string; amount?: number; standard?: string; basis?: string }[];
}

export interface ItemVersion {
  id: string;
  version: number;
  implementationCode: string;
  content: ItemContent & { regionCode: string };
}

export interface BundleContent {
  code: string;
  name: string;
  leadDepartmentId: string;
  regionCode?: string;
  serviceObjects: readonly ('natural_person' | 'legal_person')[];
  items: readonly { itemId: string }[];
  dependencies: readonly { from: string; to: string; result: string; fields?: readonly string[] }[];
  denialPolicy: 'stop_dependents' | 'stop_all' | 'continue';
}

export interface BundleDerivedContent {
  itemVersions: Record<string, number>;
  order: string[];
  timing: { promisedDays: number; legalDays: number };
  mergedForm: {
    schema: Record<string, unknown>;
    mapping: Record<string, { itemId: string; field: string }[]>;
    filledByResults: { itemId: string; field: string; fromItemId: string }[];
  };
}

export interface BundleVersion {
  id: string;
  version: number;
  content: BundleContent & { regionCode: string };
  derived: BundleDerivedContent;
}

export interface Offer {
  latestVersion: number;
  /** Retired (废止): no longer offered; no new application may be submitted. */
  retired: boolean;
}

export interface CatalogReader {
  itemOffer(itemId: string): Promise<Offer | undefined>;
  itemVersion(itemId: string, version: number): Promise<ItemVersion | undefined>;
  bundleOffer(bundleId: string): Promise<Offer | undefined>;
  bundleVersion(bundleId: string, version: number): Promise<BundleVersion | undefined>;
  /** Counts an application started, for the catalog's ranking (optional). */
  recordUse?(id: string): void;
}

/** The part of the catalog service the adapter calls. */
export interface CatalogServiceLike {
  getPublishedVersion(itemId: string, version: number): Promise<{ id: string; version: number; implementationCode: string; content: unknown } | undefined>;
  getLatestPublished(itemId: string): Promise<{ version: number; retired: boolean } | undefined>;
  getPublishedBundleVersion(bundleId: string, version: number): Promise<{ id: string; version: number; content: unknown; derived: unknown } | undefined>;
  /** Preferred when the catalog offers it (asked of the catalog module). */
  getLatestPublishedBundle?(bundleId: string): Promise<{ version: number; retired: boolean } | undefined>;
  adminBundle?(bundleId: string): Promise<{ status: string; latestVersion: number | null }>;
  recordUse?(id: string): void;
}

const CACHE_MAX = 2000;

/** Published versions are immutable: cached per process. Offers (latest, retired) are read each time. */
export function catalogReader(catalog: CatalogServiceLike): CatalogReader {
  const items = new Map<string, ItemVersion>();
  const bundles = new Map<string, BundleVersion>();
  const remember = <T>(m: Map<string, T>, k: string, v: T) => {
    if (m.size >= CACHE_MAX) m.delete(m.keys().next().value!);
    m.set(k, v);
  };
  return {
    async itemOffer(itemId) {
      const r = await catalog.getLatestPublished(itemId);
      return r && { latestVersion: r.version, retired: r.retired };
    },
    async itemVersion(itemId, version) {
      const k = `${itemId}@${version}`;
      const hit = items.get(k);
      if (hit) return hit;
      const r = await catalog.getPublishedVersion(itemId, version);
      if (!r) return undefined;
      const v = { id: r.id, version: r.version, implementationCode: r.implementationCode, content: r.content as ItemVersion['content'] };
      remember(items, k, v);
      return v;
    },
    async bundleOffer(bundleId) {
      if (catalog.getLatestPublishedBundle) {
        const r = await catalog.getLatestPublishedBundle(bundleId);
        return r && { latestVersion: r.version, retired: r.retired };
      }
      if (!catalog.adminBundle) return undefined;
      try {
        const b = await catalog.adminBundle(bundleId);
        return b.latestVersion ? { latestVersion: b.latestVersion, retired: b.status === 'retired' } : undefined;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return undefined;
        throw e;
      }
    },
    async bundleVersion(bundleId, version) {
      const k = `${bundleId}@${version}`;
      const hit = bundles.get(k);
      if (hit) return hit;
      const r = await catalog.getPublishedBundleVersion(bundleId, version);
      if (!r) return undefined;
      const v = { id: r.id, version: r.version, content: r.content as BundleVersion['content'], derived: r.derived as BundleDerivedContent };
      remember(bundles, k, v);
      return v;
    },
    recordUse: catalog.recordUse ? (id) => catalog.recordUse!(id) : undefined,
  };
}
