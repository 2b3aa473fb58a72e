/**
 * Open data rules: publishing a catalog resource as a dataset (open class, personal-data check,
 * quality), access levels (open / with an account / conditional with the owner's approval),
 * search and facets, row queries with per-token rate limits, ratings, data requests routed to
 * the owning department with a working-day deadline, and usage statistics.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, systemAdminContext, type Actor, type RequestContext } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import { maskName } from '../../shared/masking';
import { RateWindows } from '../../shared/rate-windows';
import { chinaDate, deadlineAt } from '../../shared/workdays';
import { enqueue, type ClaimedJob, type JobRunner } from '../jobs';
import { notify } from '../notifications';
import type { Department, OrgService } from '../org';
import { RowQueryError, type RowQuery, type RowQueryResult, type SourceColumn } from '../resources';
import { openDataErrors as E } from './opendata.errors';
import { FqError, parseFq, type FqClause } from './opendata.fq';
import { checkPersonalColumns, type PersonalFinding } from './opendata.personal';
import { computeQuality, FREQUENCIES, LICENCES } from './opendata.quality';
import { datasetsRepo, distributionsRepo, grantsRepo, ratingsRepo, requestsRepo, statsRepo, type DatasetRow, type RequestRow } from './opendata.repository';
import { queryTerms, searchTerms, slugify } from './opendata.text';
import { ACCESS_LEVELS, FORMATS, THEMES, type AccessLevel } from './opendata.vocab';

// ---- what this module needs from the data resource catalog (modules/resources) ----------------

export interface CatalogField {
  name: string;
  label: string;
  labelEn?: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';
  personal: boolean;
  sensitive: boolean;
}
export interface CatalogResource {
  id: string;
  code: string;
  name: string;
  description: string;
  provider: { id: string; code: string; name: string; nameEn: string };
  regionCode: string;
  subjectKind: 'person' | 'enterprise' | 'none';
  keyField: string;
  fields: CatalogField[];
  openClass: 'unconditional' | 'conditional' | 'none';
  updateFrequency: string;
  tags: string[];
  status: 'active' | 'retired';
  updatedAt: string;
}
/** The resources module's ResourcesService satisfies this (structurally). */
export interface ResourceCatalogPort {
  get(idOrCode: string): Promise<CatalogResource>;
  list(query: { q?: string; openClass?: 'unconditional' | 'conditional' | 'none'; providerDepartmentId?: string; limit?: number; offset?: number }): Promise<{ total: number; items: CatalogResource[] }>;
  pageRows(db: Db, resource: { id: string; fields: CatalogField[] }, query: { after?: string | null; limit?: number; fields?: string[] }): Promise<{ rows: { rowKey: string; data: Record<string, unknown> }[]; next: string | null }>;
  /** The row API (datastore_search): the resources module owns the row store and its access paths. */
  searchRows(db: Db, resourceId: string, columns: SourceColumn[], query: RowQuery): Promise<RowQueryResult>;
  allRows(db: Db, resourceId: string, columns: SourceColumn[]): AsyncGenerator<Record<string, unknown>[]>;
  /** Expression indexes on the resource's partition for the published fields (requested in the publish transaction, built by a job). */
  requestRowIndexes(trx: Db, resourceId: string, fields: { name: string; type: SourceColumn['type']; kind?: 'btree' | 'text' }[]): Promise<string[]>;
  buildRowIndexes(resourceId: string): Promise<string[]>;
}
/** Query of the row API (the resources module's row query). */
export type DatastoreQuery = RowQuery;

export const REQUEST_DUE_QUEUE = 'opendata.request_due';
/** Builds the row indexes of a newly published dataset's resource (minutes at ten million rows). */
export const ROW_INDEX_QUEUE = 'opendata.row_indexes';
/** At most this many of a dataset's fields get an expression index (each costs writes and space). */
const MAX_INDEXED_FIELDS = 8;
const FREQ_FROM_CATALOG: Record<string, string> = { realtime: 'realtime', daily: 'daily', weekly: 'weekly', monthly: 'monthly', quarterly: 'quarterly', yearly: 'annual', irregular: 'irregular' };

export interface PublishInput {
  resourceId: string;
  accessLevel: AccessLevel;
  licence: string;
  themes: string[];
  tags?: string[];
  title?: string;
  description?: string;
  name?: string;
  /** Fields to publish (default all). */
  fields?: string[];
  /** Published fields to index for filtering and sorting (default: the first 8 published fields; datetime fields are not indexed). */
  indexFields?: string[];
  documentation?: string;
  terms?: string;
  temporalStart?: string;
  temporalEnd?: string;
  spatial?: string;
}

export interface SearchParams {
  q?: string;
  fq?: string;
  sort?: string;
  rows?: number;
  start?: number;
  facetFields?: string[];
  facetLimit?: number;
  includePrivate?: boolean;
  includeDrafts?: boolean;
  includeWithdrawn?: boolean;
}

const FACET_COLUMNS = { tags: 'tags', groups: 'themes', res_format: 'formats', organization: 'department_id', license_id: 'licence', access_level: 'access_level' } as const;
export type FacetField = keyof typeof FACET_COLUMNS;

/** package_search: up to this many matches, the total and facets are exact (all matches read). */
export const SEARCH_EXACT_CAP = 2000;
/** package_search: above SEARCH_EXACT_CAP matches, the total and facets come from a sample of about this many. */
export const SEARCH_SAMPLE_TARGET = 500;

interface SearchStats {
  count: number;
  facets: Map<string, { value: string; count: number }[]>;
  estimated: boolean;
  /** The share of the matches read (1 when exact). */
  sampleFraction: number;
  sampleSize: number;
}

export interface OpenDataOptions {
  db: Db;
  org: OrgService;
  jobs: JobRunner;
  log: FastifyBaseLogger;
  publicUrl: string;
  resources: ResourceCatalogPort | null;
  ratePerMinute: number;
  anonRatePerMinute: number;
  answerDays: number;
}

type StatKind = 'views' | 'downloads' | 'api_calls';

export class OpenDataService {
  readonly db: Db;
  readonly org: OrgService;
  readonly limiter: RateWindows;
  private readonly statsBuffer = new Map<string, { day: string; dataset_id: string; department_id: string; views: number; downloads: number; api_calls: number }>();
  private flushTimer: NodeJS.Timeout | null = null;
  private deptCache: { at: number; list: Department[] } | null = null;
  /** package_search totals and facet counts per query, valid for one catalog version (see search). */
  private readonly searchCache = new Map<string, SearchStats & { version: string; at: number }>();
  private readonly distributionDatasets = new Map<string, string>();

  constructor(readonly opts: OpenDataOptions) {
    this.db = opts.db;
    this.org = opts.org;
    this.limiter = new RateWindows(opts.db);
    opts.jobs.handle(REQUEST_DUE_QUEUE, (job) => this.requestDue(job));
    opts.jobs.handle(ROW_INDEX_QUEUE, async (job) => {
      if (this.opts.resources) await this.opts.resources.buildRowIndexes(String(job.payload.resourceId));
    });
  }

  start() {
    this.flushTimer = setInterval(() => void this.flushStats().catch((err) => this.opts.log.error({ err }, 'open data statistics flush failed')), 5000);
    this.flushTimer.unref();
  }
  async stop() {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushStats();
  }

  // ---- departments and scope -------------------------------------------------------------------

  async departments(): Promise<Department[]> {
    if (!this.deptCache || Date.now() - this.deptCache.at > 60_000) this.deptCache = { at: Date.now(), list: await this.org.departments() };
    return this.deptCache.list;
  }
  async department(id: string): Promise<Department | undefined> {
    return (await this.departments()).find((d) => d.id === id) ?? (await this.org.department(id));
  }
  /** CKAN organization name of a department: its code in lower case. */
  orgName = (d: Department) => d.code.toLowerCase();

  /** Platform admins and the big-data bureau's data admins manage every department's open data; others their own. */
  async managedDepartments(actor: Actor | null): Promise<string[] | null> {
    if (!actor) return [];
    if (hasRole(actor, 'platform_admin')) return null;
    if (hasRole(actor, 'data_admin') && actor.departmentId) {
      const d = await this.department(actor.departmentId);
      if (d && /-DSJ$/.test(d.code)) return null;
    }
    if (hasRole(actor, 'data_admin', 'dept_admin') && actor.departmentId) return [actor.departmentId];
    return [];
  }
  async canManage(actor: Actor | null, departmentId: string): Promise<boolean> {
    const m = await this.managedDepartments(actor);
    return m === null || m.includes(departmentId);
  }

  // ---- publishing ------------------------------------------------------------------------------

  private port(): ResourceCatalogPort {
    if (!this.opts.resources) throw new AppError(503, 'RESOURCE_CATALOG_UNAVAILABLE', '数据资源目录不可用', 'The data resource catalog is not available');
    return this.opts.resources;
  }

  async resource(id: string): Promise<CatalogResource> {
    try {
      return await this.port().get(id);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) throw E.resourceNotFound();
      throw e;
    }
  }

  /** The personal-data check of a resource's selected fields: by metadata and by a sample of its rows. */
  async checkResource(r: CatalogResource, fieldNames?: string[]): Promise<{ findings: PersonalFinding[]; columns: CatalogField[]; available: boolean }> {
    const columns = fieldNames?.length ? fieldNames.map((n) => r.fields.find((f) => f.name === n) ?? (() => { throw E.unknownField(n); })()) : r.fields;
    let sample: Record<string, unknown>[] = [];
    let available = true;
    try {
      sample = (await this.port().pageRows(this.db, { id: r.id, fields: r.fields }, { limit: 200 })).rows.map((x) => x.data);
    } catch (err) {
      available = false;
      this.opts.log.warn({ err, resource: r.id }, 'open data: could not sample rows');
    }
    const findings = checkPersonalColumns(
      columns.map((c) => ({ name: c.name, label: c.label, description: c.labelEn ?? null, personal: c.personal || c.sensitive })),
      sample,
    );
    if (r.subjectKind === 'person') findings.unshift({ column: r.keyField, kind: 'person_subject', by: 'metadata' });
    return { findings, columns, available };
  }

  /** Candidates for publishing: resources whose open class allows it, with their state here. */
  async candidates(actor: Actor, q?: string) {
    const managed = await this.managedDepartments(actor);
    const out: Record<string, unknown>[] = [];
    for (const openClass of ['unconditional', 'conditional'] as const) {
      const page = await this.port().list({ q, openClass, limit: 200 });
      for (const r of page.items) {
        if (r.status !== 'active') continue;
        if (managed !== null && !managed.includes(r.provider.id)) continue;
        const ds = await datasetsRepo.byResource(this.db, r.id);
        out.push({
          resourceId: r.id,
          code: r.code,
          name: r.name,
          description: r.description,
          provider: r.provider,
          openClass: r.openClass,
          updateFrequency: r.updateFrequency,
          subjectKind: r.subjectKind,
          fields: r.fields.map((f) => ({ name: f.name, label: f.label, type: f.type, personal: f.personal || f.sensitive })),
          tags: r.tags,
          dataset: ds ? { id: ds.id, name: ds.name, status: ds.status } : null,
        });
      }
    }
    return out;
  }

  async publish(ctx: RequestContext, input: PublishInput) {
    const actor = ctx.actor!;
    const r = await this.resource(input.resourceId);
    if (!(await this.canManage(actor, r.provider.id))) throw E.notYours();
    if (r.status !== 'active' || r.openClass === 'none') throw E.notOpenable(r.openClass);
    if (r.openClass === 'conditional' && input.accessLevel !== 'conditional') throw E.accessLevelNotAllowed();
    if (!ACCESS_LEVELS.includes(input.accessLevel)) throw E.accessLevelNotAllowed();
    if (!LICENCES[input.licence]) throw E.unknownLicence();
    if (input.accessLevel !== 'conditional' && !LICENCES[input.licence].open) throw E.unknownLicence();
    for (const t of input.themes) if (!THEMES[t]) throw E.unknownTheme(t);
    const { findings, columns, available } = await this.checkResource(r, input.fields);
    if (findings.length) throw E.personalData(findings);
    if (await datasetsRepo.byResource(this.db, r.id)) throw E.alreadyPublished();

    const id = randomUUID();
    const title = input.title?.trim() || r.name;
    const description = input.description?.trim() || r.description;
    const tags = [...new Set([...(input.tags ?? []), ...r.tags].map((t) => t.trim()).filter(Boolean))].slice(0, 30);
    const frequency = FREQ_FROM_CATALOG[r.updateFrequency] ?? 'irregular';
    const cols: SourceColumn[] = columns.map((c) => ({ name: c.name, type: c.type, label: c.label, description: c.labelEn ?? null }));
    const formats = [...FORMATS];
    const documentation = input.documentation ?? '';
    const quality = computeQuality({ licence: input.licence, description, frequency, dataUpdatedAt: new Date(r.updatedAt), formats, columns: cols, documentation, available });
    const name = input.name ?? slugify(r.code, id);
    const dept = (await this.department(r.provider.id))!;
    let rowCount: number | null = null;
    try {
      const est = await this.opts.resources!.searchRows(this.db, r.id, cols, { limit: 0, includeTotal: true, totalEstimationThreshold: 1_000_000 });
      rowCount = est.total;
    } catch {
      rowCount = null;
    }
    const published = await this.db.transaction().execute(async (trx) => {
      await datasetsRepo.insert(trx, {
        id,
        name,
        resource_id: r.id,
        department_id: r.provider.id,
        region_code: dept.regionCode,
        title,
        description,
        themes: input.themes,
        tags,
        licence: input.licence,
        frequency,
        temporal_start: input.temporalStart ?? null,
        temporal_end: input.temporalEnd ?? null,
        spatial: input.spatial ?? dept.regionCode,
        access_level: input.accessLevel,
        formats,
        columns: cols,
        row_source: { resourceId: r.id },
        documentation,
        terms: input.terms ?? '',
        quality: { ...quality, available },
        quality_score: quality.score,
        row_count: rowCount,
        data_updated_at: new Date(r.updatedAt),
        published_by: actor.accountId,
        search_bigrams: searchTerms([title, description, tags.join(' '), r.code, dept.name].join(' ')),
      });
      await distributionsRepo.insert(trx, formats.map((format, i) => ({ id: randomUUID(), dataset_id: id, format, position: i })));
      // Filterable and sortable fields get expression indexes on the resource's partition, and the
      // text fields full-text indexes for `q` (a job builds them).
      const wanted = input.indexFields ? cols.filter((c) => input.indexFields!.includes(c.name)) : cols;
      const text = cols.filter((c) => c.type === 'string').slice(0, MAX_INDEXED_FIELDS).map((c) => ({ ...c, kind: 'text' as const }));
      if ((await this.opts.resources!.requestRowIndexes(trx, r.id, [...wanted.slice(0, MAX_INDEXED_FIELDS), ...text])).length) {
        await enqueue(trx, { queue: ROW_INDEX_QUEUE, payload: { resourceId: r.id }, dedupeKey: `rows:${r.id}:${id}` });
      }
      this.searchCache.clear();
      await recordAudit(trx, ctx, { action: 'opendata.dataset.publish', entityType: 'opendata_dataset', entityId: id, detail: { resourceId: r.id, accessLevel: input.accessLevel, fields: cols.map((c) => c.name) } });
      await this.notifyMatchingRequests(trx, { id, title, resourceId: r.id, terms: searchTerms(`${title} ${tags.join(' ')}`) });
      return this.packageShow(trx, id, actor);
    });
    this.searchCache.clear();
    return published;
  }

  /** Inserts a dataset without a catalog resource (metadata only; bench and harvesting). Caller audits. */
  async insertDataset(trx: Db, d: { id?: string; name: string; departmentId: string; title: string; description: string; themes: string[]; tags: string[]; licence: string; frequency: string; accessLevel: AccessLevel; formats?: string[]; modifiedAt?: Date; columns?: SourceColumn[]; resourceId?: string | null }) {
    const id = d.id ?? randomUUID();
    const dept = (await this.department(d.departmentId))!;
    const formats = d.formats ?? ['CSV', 'JSON', 'XLSX', 'API'];
    const quality = computeQuality({ licence: d.licence, description: d.description, frequency: d.frequency, dataUpdatedAt: d.modifiedAt ?? new Date(), formats, columns: d.columns ?? [], documentation: '', available: null });
    await datasetsRepo.insert(trx, {
      id, name: d.name, resource_id: d.resourceId ?? null, department_id: d.departmentId, region_code: dept.regionCode, title: d.title, description: d.description,
      themes: d.themes, tags: d.tags, licence: d.licence, frequency: d.frequency, temporal_start: null, temporal_end: null, spatial: dept.regionCode,
      access_level: d.accessLevel, formats, columns: d.columns ?? [], row_source: d.resourceId ? { resourceId: d.resourceId } : null, documentation: '', terms: '',
      quality, quality_score: quality.score, row_count: null, data_updated_at: d.modifiedAt ?? new Date(), published_by: null,
      search_bigrams: searchTerms([d.title, d.description, d.tags.join(' '), dept.name].join(' ')),
    });
    await distributionsRepo.insert(trx, formats.map((format, i) => ({ id: randomUUID(), dataset_id: id, format, position: i })));
    this.searchCache.clear();
    return id;
  }

  async withdraw(ctx: RequestContext, id: string, reason: string) {
    const d = await this.datasetOr404(this.db, id);
    if (!(await this.canManage(ctx.actor, d.department_id))) throw E.notYours();
    const out = await this.db.transaction().execute(async (trx) => {
      await datasetsRepo.setStatus(trx, d.id, 'withdrawn');
      this.searchCache.clear();
      await recordAudit(trx, ctx, { action: 'opendata.dataset.withdraw', entityType: 'opendata_dataset', entityId: d.id, detail: { reason } });
      return this.packageShow(trx, d.id, ctx.actor, true);
    });
    this.searchCache.clear();
    return out;
  }

  /** Recomputes a dataset's quality (availability probed by reading a row). */
  async refreshQuality(trx: Db, d: DatasetRow) {
    let available: boolean | null = null;
    if (d.row_source) {
      try {
        if (!this.opts.resources) throw new Error('no row store');
        await this.opts.resources.searchRows(trx, d.row_source.resourceId, d.columns as SourceColumn[], { limit: 1, includeTotal: false });
        available = true;
      } catch {
        available = false;
      }
    }
    const q = computeQuality({ licence: d.licence, description: d.description, frequency: d.frequency, dataUpdatedAt: d.data_updated_at, formats: d.formats, columns: d.columns, documentation: d.documentation, available });
    await datasetsRepo.setQuality(trx, d.id, { ...q, available }, q.score);
  }

  // ---- reading ---------------------------------------------------------------------------------

  async datasetOr404(db: Db, idOrName: string, includeWithdrawn = false): Promise<DatasetRow> {
    const d = await datasetsRepo.byIdOrName(db, idOrName);
    if (!d || (d.status !== 'published' && !includeWithdrawn)) throw E.datasetNotFound();
    return d;
  }

  async orgDict(d: Department | undefined, id: string) {
    return {
      id,
      name: d ? this.orgName(d) : id,
      title: d?.name ?? id,
      display_name: d?.name ?? id,
      description: d?.nameEn ?? '',
      type: 'organization',
      is_organization: true,
      state: 'active',
      approval_status: 'approved',
      image_url: '',
      created: null as string | null,
    };
  }

  /** The CKAN package dictionary (plus this portal's fields at top level, which CKAN clients ignore). */
  async presentMany(db: Db, rows: DatasetRow[]) {
    const dists = await distributionsRepo.ofDatasets(db, rows.map((r) => r.id));
    const out = [];
    for (const d of rows) {
      const dept = await this.department(d.department_id);
      const lic = LICENCES[d.licence];
      const base = `${this.opts.publicUrl}/api/opendata/datasets/${d.id}`;
      const created = new Date(d.created_at).toISOString();
      const modified = new Date(d.modified_at).toISOString();
      out.push({
        id: d.id,
        name: d.name,
        title: d.title,
        notes: d.description,
        type: 'dataset',
        state: d.status === 'published' ? 'active' : 'deleted',
        private: false,
        isopen: !!lic?.open && d.access_level === 'open',
        license_id: d.licence,
        license_title: lic?.title ?? d.licence,
        license_url: lic?.url ?? '',
        author: dept?.name ?? null,
        author_email: null,
        maintainer: dept?.name ?? null,
        maintainer_email: null,
        url: `${this.opts.publicUrl}/open-data/datasets/${d.name}`,
        version: null,
        metadata_created: created,
        metadata_modified: modified,
        owner_org: d.department_id,
        organization: await this.orgDict(dept, d.department_id),
        groups: d.themes.map((t) => ({ id: t.toLowerCase(), name: t.toLowerCase(), title: THEMES[t]?.zh ?? t, display_name: THEMES[t]?.zh ?? t, description: THEMES[t]?.en ?? '', image_display_url: '' })),
        tags: d.tags.map((t) => ({ name: t, display_name: t, state: 'active', vocabulary_id: null })),
        num_tags: d.tags.length,
        resources: dists
          .filter((x) => x.dataset_id === d.id)
          .map((x) => ({
            id: x.id,
            package_id: d.id,
            name: x.format === 'API' ? `${d.title}（API）` : `${d.title}.${x.format.toLowerCase()}`,
            description: x.format === 'API' ? 'CKAN datastore_search / REST rows API' : `${x.format} download`,
            format: x.format,
            mimetype: { CSV: 'text/csv', JSON: 'application/json', XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', API: 'application/json' }[x.format] ?? null,
            url: x.format === 'API' ? `${this.opts.publicUrl}/api/3/action/datastore_search?resource_id=${x.id}` : `${base}/download/${x.format.toLowerCase()}`,
            url_type: x.format === 'API' ? 'datastore' : null,
            datastore_active: x.format === 'API' || !!d.row_source,
            position: x.position,
            state: 'active',
            created,
            last_modified: d.data_updated_at ? new Date(d.data_updated_at).toISOString() : null,
          })),
        num_resources: d.formats.length,
        extras: [
          { key: 'access_level', value: d.access_level },
          { key: 'frequency', value: d.frequency },
          { key: 'spatial', value: d.spatial ?? '' },
          { key: 'temporal_start', value: d.temporal_start ?? '' },
          { key: 'temporal_end', value: d.temporal_end ?? '' },
          { key: 'quality_score', value: String(d.quality_score) },
        ],
        relationships_as_object: [],
        relationships_as_subject: [],
        // This portal's own fields.
        access_level: d.access_level,
        frequency: d.frequency,
        frequency_label: { zh: FREQUENCIES[d.frequency]?.zh ?? d.frequency, en: FREQUENCIES[d.frequency]?.en ?? d.frequency },
        temporal: { start: d.temporal_start, end: d.temporal_end },
        spatial: d.spatial,
        themes: d.themes,
        columns: d.columns,
        documentation: d.documentation,
        terms: d.terms,
        row_count: d.row_count === null ? null : Number(d.row_count),
        data_updated: d.data_updated_at ? new Date(d.data_updated_at).toISOString() : null,
        quality: { score: d.quality_score, dimensions: d.quality.dimensions ?? {}, computed_at: d.quality.computedAt ?? null },
        rating: { average: d.rating_count ? Math.round((d.rating_sum / d.rating_count) * 10) / 10 : null, count: d.rating_count },
        resource_id: d.resource_id,
      });
    }
    return out;
  }

  async packageShow(db: Db, idOrName: string, actor: Actor | null, includeWithdrawn = false) {
    const d = await this.datasetOr404(db, idOrName, includeWithdrawn || !!(actor && (await this.managedDepartments(actor)) === null));
    return (await this.presentMany(db, [d]))[0];
  }

  async resourceShow(id: string) {
    const dist = /^[0-9a-f-]{36}$/i.test(id) ? await distributionsRepo.byId(this.db, id) : undefined;
    if (!dist) throw E.datasetNotFound();
    const pkg = await this.packageShow(this.db, dist.dataset_id, null);
    return pkg.resources.find((r) => r.id === id)!;
  }

  async packageNames(limit: number, offset: number) {
    return datasetsRepo.names(this.db, Math.min(limit, 1000), offset);
  }

  /** Departments as CKAN organizations: those that publish (or all, for routing data requests). */
  async organizations(all = false) {
    const counts = await datasetsRepo.countsByDepartment(this.db);
    const out = [];
    for (const d of await this.departments()) {
      if (!all && !counts.get(d.id)) continue;
      out.push({ ...(await this.orgDict(d, d.id)), package_count: counts.get(d.id) ?? 0 });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async groups() {
    const counts = await datasetsRepo.countsByTheme(this.db);
    return Object.entries(THEMES).map(([code, t]) => ({ id: code.toLowerCase(), name: code.toLowerCase(), title: t.zh, display_name: t.zh, description: t.en, type: 'group', is_organization: false, state: 'active', package_count: counts.get(code) ?? 0, image_display_url: '' }));
  }

  async tagList(query: string | undefined, limit: number) {
    return datasetsRepo.tags(this.db, query, Math.min(limit, 5000));
  }

  async orgIds(): Promise<Map<string, string>> {
    return new Map((await this.departments()).map((d) => [this.orgName(d), d.id]));
  }

  /** The WHERE conditions and the ORDER BY of a package_search (the benchmark runs the same page as direct SQL). */
  async searchSql(p: Pick<SearchParams, 'q' | 'fq' | 'sort' | 'includeWithdrawn'>) {
    let text = p.q ?? '';
    const clauses: FqClause[] = [];
    // CKAN accepts field:value clauses in q as well; take them out of the free text.
    if (/\b[A-Za-z_]+:/.test(text) && text.trim() !== '*:*') {
      const parts = text.match(/(?:[+-]?[A-Za-z_]+:(?:"[^"]*"|\([^)]*\)|\[[^\]]*\]|\S+))|\S+/g) ?? [];
      const fieldParts = parts.filter((x) => /^[+-]?[A-Za-z_]+:/.test(x));
      clauses.push(...parseFq(fieldParts.join(' ')));
      text = parts.filter((x) => !/^[+-]?[A-Za-z_]+:/.test(x)).join(' ');
    }
    if (text.trim() === '*:*') text = '';
    if (p.fq) clauses.push(...parseFq(p.fq));
    const where = datasetsRepo.conditions({ terms: queryTerms(text), clauses, orgIds: await this.orgIds(), includeWithdrawn: !!p.includeWithdrawn });
    const order = this.sortSql(p.sort, !!text.trim());
    return { text, clauses, where, order };
  }

  /** package_search: q (words, or field:value clauses), fq, sort, rows/start, facets. Throws FqError for bad syntax. */
  async search(p: SearchParams) {
    const { text, clauses, where, order } = await this.searchSql(p);
    const rows = Math.min(Math.max(p.rows ?? 10, 0), 1000);
    const fields = [...new Set(p.facetFields ?? [])].filter((f): f is FacetField => f in FACET_COLUMNS);
    // Totals and facet counts are cached per query and catalog version (the latest modified_at: any
    // publish, withdrawal or edit in any process changes it), for at most a minute.
    const terms = queryTerms(text);
    const countKey = JSON.stringify([terms, clauses, !!p.includeWithdrawn, fields, p.facetLimit ?? 50]);
    const version = await datasetsRepo.version(this.db);
    const hit = this.searchCache.get(countKey);
    const cached = hit && hit.version === version && hit.at > Date.now() - 60_000 ? hit : undefined;
    const [page, stats] = await Promise.all([
      datasetsRepo.page(this.db, where, order, rows, p.start ?? 0),
      cached ?? this.matchStats(where, fields.map((f) => FACET_COLUMNS[f]), p.facetLimit ?? 50),
    ]);
    if (!cached) {
      if (this.searchCache.size >= 2000) this.searchCache.delete(this.searchCache.keys().next().value!);
      this.searchCache.set(countKey, { ...stats, version, at: Date.now() });
    }
    const { count, facets: facetRows } = stats;
    const facets: Record<string, Record<string, number>> = {};
    const searchFacets: Record<string, { title: string; items: { name: string; display_name: string; count: number }[] }> = {};
    const depts = await this.departments();
    for (const f of fields) {
      const items = facetRows.get(FACET_COLUMNS[f]) ?? [];
      const named = items.map((i) => {
        if (f === 'organization') {
          const d = depts.find((x) => x.id === i.value);
          return { name: d ? this.orgName(d) : i.value, display_name: d?.name ?? i.value, count: i.count };
        }
        if (f === 'groups') return { name: i.value.toLowerCase(), display_name: THEMES[i.value]?.zh ?? i.value, count: i.count };
        if (f === 'license_id') return { name: i.value, display_name: LICENCES[i.value]?.titleZh ?? i.value, count: i.count };
        return { name: i.value, display_name: i.value, count: i.count };
      });
      facets[f] = Object.fromEntries(named.map((n) => [n.name, n.count]));
      searchFacets[f] = { title: f, items: named };
    }
    return {
      count,
      sort: p.sort ?? (text.trim() ? 'score desc, metadata_modified desc' : 'metadata_modified desc'),
      facets,
      search_facets: searchFacets,
      results: await this.presentMany(this.db, page),
      // Not in CKAN: whether count and facets are estimated from a sample (large match sets), and how.
      count_was_estimated: stats.estimated,
      facets_were_estimated: stats.estimated && fields.length > 0,
      ...(stats.estimated ? { estimation: { method: 'uniform random sample of the matches', sample_fraction: stats.sampleFraction, sample_size: stats.sampleSize } } : {}),
    };
  }

  /**
   * The number of matches and the facet counts of a search: exact for small match sets, estimated
   * from a uniform random sample of the matches for large ones. Every dataset has a random
   * `sample_bucket` (0–255); the matches in buckets below k are a sample of k/256 of them, read
   * through a BitmapAnd of the search's index and the bucket index (only the sampled rows are
   * read). First the 1/256 sample: when it holds at least 16 matches (about 4,000 or more in all),
   * the estimate comes from a sample of about SEARCH_SAMPLE_TARGET (the same one, or a larger
   * k sized from it). Otherwise all matches are read, up to SEARCH_EXACT_CAP: if there are no
   * more, total and facets are exact; else a sample sized for SEARCH_SAMPLE_TARGET is read.
   * Counts are the sample's scaled by 256/k (a value seen in the sample counts at least 1). The
   * rows read per search are bounded (about N/256 + SEARCH_EXACT_CAP + SEARCH_SAMPLE_TARGET at
   * worst) whatever the match set.
   */
  private async matchStats(where: RawBuilder<unknown>[], facetCols: (typeof FACET_COLUMNS)[FacetField][], facetLimit: number): Promise<SearchStats> {
    const read = (o: { cap?: number; buckets?: number }) => datasetsRepo.matchStats(this.db, where, facetCols, facetLimit, o);
    const sized = (n: number) => Math.min(256, Math.max(1, Math.ceil((256 * SEARCH_SAMPLE_TARGET) / n)));
    let sample = await read({ buckets: 1 });
    let buckets = 1;
    if (sample.n < 16) {
      const exact = await read({ cap: SEARCH_EXACT_CAP });
      if (exact.n <= SEARCH_EXACT_CAP) return { count: exact.n, facets: exact.facets, estimated: false, sampleFraction: 1, sampleSize: exact.n };
      buckets = sized(Math.max(SEARCH_EXACT_CAP + 1, sample.n * 256));
    } else buckets = sized(sample.n * 256);
    if (buckets > 1) sample = await read({ buckets });
    if (buckets >= 256) return { count: sample.n, facets: sample.facets, estimated: false, sampleFraction: 1, sampleSize: sample.n };
    const scale = 256 / buckets;
    const facets = new Map([...sample.facets].map(([f, list]) => [f, list.map((x) => ({ value: x.value, count: Math.max(1, Math.round(x.count * scale)) }))]));
    return { count: Math.max(SEARCH_EXACT_CAP + 1, Math.round(sample.n * scale)), facets, estimated: true, sampleFraction: buckets / 256, sampleSize: sample.n };
  }

  private sortSql(sort: string | undefined, hasText: boolean) {
    const parts: ReturnType<typeof sql.raw>[] = [];
    const map: Record<string, string> = { metadata_modified: 'modified_at', metadata_created: 'created_at', name: 'name', title: 'title', title_string: 'title', score: 'quality_score', quality_score: 'quality_score', rating: 'rating_count' };
    for (const part of (sort ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^([a-z_]+)(?:\s+(asc|desc))?$/i.exec(part);
      if (!m || !map[m[1]]) throw new FqError(`cannot sort by "${part}"`);
      parts.push(sql.raw(`${map[m[1]]} ${(m[2] ?? 'asc').toUpperCase()}`));
    }
    if (!parts.length) parts.push(sql.raw(hasText ? 'quality_score DESC, modified_at DESC' : 'modified_at DESC'));
    parts.push(sql.raw('id'));
    return sql.join(parts);
  }

  // ---- access to rows --------------------------------------------------------------------------

  /** Whether this actor may read the rows of the dataset; throws the reason if not. */
  async assertDataAccess(actor: Actor | null, d: DatasetRow): Promise<void> {
    if (d.access_level === 'open') return;
    if (!actor) throw d.access_level === 'account' ? E.signInRequired() : E.approvalRequired();
    if (d.access_level === 'account') return;
    if (await this.canManage(actor, d.department_id)) return;
    const g = await grantsRepo.open(this.db, d.id, actor.accountId);
    if (g?.status !== 'approved') throw E.approvalRequired();
  }

  rateKey(actor: Actor | null, ip: string | null): { key: string; limit: number } {
    return actor ? { key: `a:${actor.accountId}`, limit: this.opts.ratePerMinute } : { key: `ip:${ip ?? '?'}`, limit: this.opts.anonRatePerMinute };
  }

  async rows(actor: Actor | null, idOrName: string, q: DatastoreQuery) {
    const d = await this.datasetOr404(this.db, idOrName);
    await this.assertDataAccess(actor, d);
    if (!d.row_source || !this.opts.resources) return { dataset: d, result: { fields: [], records: [], total: 0, total_was_estimated: false, limit: q.limit, offset: 0, sort: '', cursor: null, more: false } };
    try {
      const result = await this.opts.resources.searchRows(this.db, d.row_source.resourceId, d.columns as SourceColumn[], q);
      this.count(d, 'api_calls');
      return { dataset: d, result };
    } catch (e) {
      if (e instanceof RowQueryError) throw E.datastore(e.field, e.message);
      throw e;
    }
  }

  async datasetForDistribution(distributionId: string): Promise<DatasetRow> {
    // A distribution never moves to another dataset: which one it belongs to is remembered (the dataset itself is read every time).
    let datasetId = this.distributionDatasets.get(distributionId);
    if (!datasetId) {
      const dist = /^[0-9a-f-]{36}$/i.test(distributionId) ? await distributionsRepo.byId(this.db, distributionId) : undefined;
      if (!dist) throw E.datasetNotFound();
      datasetId = dist.dataset_id;
      if (this.distributionDatasets.size >= 10_000) this.distributionDatasets.clear();
      this.distributionDatasets.set(distributionId, datasetId);
    }
    return this.datasetOr404(this.db, datasetId);
  }

  /** Download rows in a format: an async iterable of batches plus the columns. */
  async download(actor: Actor | null, idOrName: string, format: string) {
    const f = format.toUpperCase();
    if (!['CSV', 'JSON', 'XLSX'].includes(f)) throw E.badFormat();
    const d = await this.datasetOr404(this.db, idOrName);
    await this.assertDataAccess(actor, d);
    this.count(d, 'downloads');
    const cols = d.columns as SourceColumn[];
    const batches = d.row_source && this.opts.resources ? this.opts.resources.allRows(this.db, d.row_source.resourceId, cols) : (async function* () {})();
    return { dataset: d, format: f as 'CSV' | 'JSON' | 'XLSX', columns: cols, batches };
  }

  view(d: DatasetRow) {
    this.count(d, 'views');
  }

  // ---- conditional access ------------------------------------------------------------------------

  async applyForAccess(ctx: RequestContext, idOrName: string, input: { purpose: string; acceptTerms: boolean }) {
    const actor = ctx.actor!;
    const d = await this.datasetOr404(this.db, idOrName);
    if (d.access_level !== 'conditional') throw E.notConditional();
    if (!input.acceptTerms) throw E.termsNotAccepted();
    return this.db.transaction().execute(async (trx) => {
      if (await grantsRepo.open(trx, d.id, actor.accountId)) throw E.alreadyApplied();
      const id = randomUUID();
      await grantsRepo.insert(trx, { id, dataset_id: d.id, account_id: actor.accountId, purpose: input.purpose });
      await recordAudit(trx, ctx, { action: 'opendata.access.apply', entityType: 'opendata_access_grant', entityId: id, detail: { datasetId: d.id } });
      return { id, datasetId: d.id, status: 'pending' as const };
    });
  }

  async myAccess(actor: Actor) {
    return (await grantsRepo.list(this.db, { accountId: actor.accountId })).map((g) => this.presentGrant(g, false));
  }

  async accessApplications(actor: Actor, status?: string) {
    const managed = await this.managedDepartments(actor);
    return (await grantsRepo.list(this.db, { departmentIds: managed, status })).map((g) => this.presentGrant(g, true));
  }

  private presentGrant(g: Awaited<ReturnType<typeof grantsRepo.list>>[number], staffView: boolean) {
    return {
      id: g.id,
      datasetId: g.dataset_id,
      datasetName: g.dataset_name,
      datasetTitle: g.dataset_title,
      applicant: staffView ? g.account_name : undefined,
      purpose: g.purpose,
      status: g.status,
      reason: g.reason,
      createdAt: new Date(g.created_at).toISOString(),
      decidedAt: g.decided_at ? new Date(g.decided_at).toISOString() : null,
    };
  }

  async decideAccess(ctx: RequestContext, grantId: string, input: { approve: boolean; reason?: string }) {
    return this.db.transaction().execute(async (trx) => {
      const g = /^[0-9a-f-]{36}$/i.test(grantId) ? await grantsRepo.byIdForUpdate(trx, grantId) : undefined;
      if (!g) throw E.grantNotFound();
      const d = (await datasetsRepo.byIdOrName(trx, g.dataset_id))!;
      if (!(await this.canManage(ctx.actor, d.department_id))) throw E.grantNotFound();
      if (g.status !== 'pending') throw E.grantDecided();
      await grantsRepo.decide(trx, g.id, input.approve ? 'approved' : 'rejected', ctx.actor!.accountId, input.reason ?? null);
      await recordAudit(trx, ctx, { action: input.approve ? 'opendata.access.approve' : 'opendata.access.reject', entityType: 'opendata_access_grant', entityId: g.id, detail: { datasetId: d.id } });
      await notify(trx, {
        recipientAccountId: g.account_id,
        template: 'opendata.access_decided',
        params: { dataset: d.title, decision: input.approve ? '已同意 / approved' : `未同意 / not approved${input.reason ? `：${input.reason}` : ''}` },
        link: `/open-data/datasets/${d.name}`,
      });
      return { id: g.id, status: input.approve ? 'approved' : 'rejected' };
    });
  }

  // ---- ratings ---------------------------------------------------------------------------------

  async rate(ctx: RequestContext, idOrName: string, input: { stars: number; comment?: string }) {
    const actor = ctx.actor!;
    const d = await this.datasetOr404(this.db, idOrName);
    return this.db.transaction().execute(async (trx) => {
      const prev = await ratingsRepo.get(trx, d.id, actor.accountId);
      await ratingsRepo.upsert(trx, d.id, actor.accountId, input.stars, input.comment ?? '');
      await datasetsRepo.addRating(trx, d.id, input.stars - (prev?.stars ?? 0), prev ? 0 : 1);
      await recordAudit(trx, ctx, { action: 'opendata.dataset.rate', entityType: 'opendata_dataset', entityId: d.id, detail: { stars: input.stars } });
      const after = (await datasetsRepo.byIdOrName(trx, d.id))!;
      return { stars: input.stars, comment: input.comment ?? '', average: Math.round((after.rating_sum / after.rating_count) * 10) / 10, count: after.rating_count };
    });
  }

  async ratings(idOrName: string) {
    const d = await this.datasetOr404(this.db, idOrName);
    const list = await ratingsRepo.list(this.db, d.id, 100);
    return {
      average: d.rating_count ? Math.round((d.rating_sum / d.rating_count) * 10) / 10 : null,
      count: d.rating_count,
      items: list.map((r) => ({ stars: r.stars, comment: r.comment, by: maskName(r.display_name), at: new Date(r.updated_at).toISOString() })),
    };
  }

  // ---- data requests (需求征集) -------------------------------------------------------------------

  /** Matches a request's text against published datasets and catalog resources (including those not yet open). */
  async matchRequest(text: string) {
    const terms = queryTerms(text);
    const matches: RequestRow['matches'] = [];
    if (terms.length) {
      // The datasets sharing the most terms with the request.
      const r = await sql<{ id: string; title: string; department_id: string; hits: number }>`SELECT id, title, department_id,
          (SELECT count(*) FROM unnest(search_bigrams) t WHERE t = ANY(${sql`CAST(${terms} AS text[])`}))::int AS hits
        FROM opendata_datasets WHERE status = 'published' AND search_bigrams && ${sql`CAST(${terms} AS text[])`} ORDER BY hits DESC, modified_at DESC LIMIT 5`.execute(this.db);
      for (const x of r.rows) if (x.hits >= Math.max(1, Math.ceil(terms.length / 2))) matches.push({ kind: 'dataset', id: x.id, title: x.title, open: true, departmentId: x.department_id });
    }
    if (this.opts.resources) {
      const words = [...new Set([text, ...text.split(/[\s，,。、;；]+/)])].filter((w) => w.trim().length >= 2).slice(0, 6);
      const seen = new Set<string>();
      for (const w of words) {
        const page = await this.opts.resources.list({ q: w.trim(), limit: 10 }).catch(() => ({ total: 0, items: [] as CatalogResource[] }));
        for (const res of page.items) {
          if (seen.has(res.id) || res.status !== 'active') continue;
          seen.add(res.id);
          const ds = await datasetsRepo.byResource(this.db, res.id);
          matches.push({ kind: 'resource', id: res.id, title: res.name, open: !!ds && ds.status === 'published', departmentId: res.provider.id });
        }
        if (seen.size >= 5) break;
      }
    }
    return matches;
  }

  async createRequest(ctx: RequestContext, input: { title: string; description: string; purpose?: string; departmentId?: string }) {
    const actor = ctx.actor!;
    const matches = await this.matchRequest(`${input.title} ${input.description}`);
    const dsj = (await this.departments()).find((d) => /-DSJ$/.test(d.code) && d.regionCode === this.org.nodeRegion);
    const departmentId = input.departmentId ?? matches.find((m) => m.kind === 'resource')?.departmentId ?? matches[0]?.departmentId ?? dsj?.id ?? null;
    const due = deadlineAt(new Date(), this.opts.answerDays);
    const id = randomUUID();
    return this.db.transaction().execute(async (trx) => {
      await requestsRepo.insert(trx, { id, requester_id: actor.accountId, title: input.title, description: input.description, purpose: input.purpose ?? '', department_id: departmentId, matches, due_at: due });
      await enqueue(trx, { queue: REQUEST_DUE_QUEUE, payload: { requestId: id }, runAt: due, dedupeKey: id });
      await recordAudit(trx, ctx, { action: 'opendata.request.create', entityType: 'opendata_request', entityId: id, detail: { departmentId, matches: matches.length } });
      return this.presentRequest((await requestsRepo.byId(trx, id))!, actor);
    });
  }

  async presentRequest(r: RequestRow, viewer: Actor | null) {
    const dept = r.department_id ? await this.department(r.department_id) : undefined;
    const mine = viewer?.accountId === r.requester_id;
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      purpose: mine || (viewer && (await this.canManage(viewer, r.department_id ?? ''))) ? r.purpose : undefined,
      mine,
      status: r.status,
      department: dept ? { id: dept.id, name: dept.name, organization: this.orgName(dept) } : null,
      matches: r.matches,
      dueAt: new Date(r.due_at).toISOString(),
      overdue: r.overdue || (r.status === 'open' && new Date(r.due_at) < new Date()),
      answer: r.answer,
      answerKind: r.answer_kind,
      answeredAt: r.answered_at ? new Date(r.answered_at).toISOString() : null,
      acceptedDatasetId: r.accepted_dataset_id,
      closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }

  async request(id: string, viewer: Actor | null) {
    const r = await requestsRepo.byId(this.db, id);
    if (!r) throw E.requestNotFound();
    return this.presentRequest(r, viewer);
  }

  async requests(viewer: Actor | null, f: { mine?: boolean; organization?: string; closed?: boolean; limit?: number; offset?: number; managed?: boolean }) {
    let departmentIds: string[] | null | undefined;
    if (f.organization) departmentIds = [(await this.orgIds()).get(f.organization.toLowerCase()) ?? '00000000-0000-0000-0000-000000000000'];
    if (f.managed) departmentIds = await this.managedDepartments(viewer);
    const page = await requestsRepo.list(this.db, { requesterId: f.mine ? viewer!.accountId : undefined, departmentIds: departmentIds ?? undefined, closed: f.closed, limit: Math.min(f.limit ?? 20, 200), offset: f.offset ?? 0 });
    return { total: page.total, items: await Promise.all(page.rows.map((r) => this.presentRequest(r, viewer))) };
  }

  async updateRequest(ctx: RequestContext, id: string, input: { title?: string; description?: string }) {
    return this.db.transaction().execute(async (trx) => {
      const r = await requestsRepo.byId(trx, id, true);
      if (!r || r.requester_id !== ctx.actor!.accountId) throw E.requestNotFound();
      if (r.status === 'closed') throw E.requestClosed();
      await requestsRepo.update(trx, id, { title: input.title, description: input.description });
      await recordAudit(trx, ctx, { action: 'opendata.request.update', entityType: 'opendata_request', entityId: id });
      return this.presentRequest((await requestsRepo.byId(trx, id))!, ctx.actor);
    });
  }

  /** The requester withdraws it, or the owning department closes it (optionally with the dataset that answers it). */
  async closeRequest(ctx: RequestContext, id: string, input: { acceptedDatasetId?: string }) {
    return this.db.transaction().execute(async (trx) => {
      const r = await requestsRepo.byId(trx, id, true);
      if (!r) throw E.requestNotFound();
      const owner = r.requester_id === ctx.actor!.accountId;
      if (!owner && !(r.department_id && (await this.canManage(ctx.actor, r.department_id)))) throw E.requestNotFound();
      if (r.status === 'closed') throw E.requestClosed();
      if (input.acceptedDatasetId) await this.datasetOr404(trx, input.acceptedDatasetId);
      await requestsRepo.update(trx, id, { status: 'closed', closed: true, accepted_dataset_id: input.acceptedDatasetId ?? null });
      await recordAudit(trx, ctx, { action: 'opendata.request.close', entityType: 'opendata_request', entityId: id });
      return this.presentRequest((await requestsRepo.byId(trx, id))!, ctx.actor);
    });
  }

  async answerRequest(ctx: RequestContext, id: string, input: { kind: 'will_open' | 'already_open' | 'cannot_open' | 'not_ours'; answer: string; datasetId?: string; departmentId?: string }) {
    return this.db.transaction().execute(async (trx) => {
      const r = await requestsRepo.byId(trx, id, true);
      if (!r || !(r.department_id && (await this.canManage(ctx.actor, r.department_id)))) throw E.requestNotFound();
      if (r.status === 'closed') throw E.requestClosed();
      let dataset: DatasetRow | undefined;
      if (input.datasetId) dataset = await this.datasetOr404(trx, input.datasetId);
      if (input.kind === 'not_ours' && input.departmentId) {
        // Routed on to another department: it answers within a fresh deadline.
        await sql`UPDATE opendata_requests SET department_id = ${input.departmentId}, due_at = ${deadlineAt(new Date(), this.opts.answerDays)}, overdue = false, modified_at = now() WHERE id = ${id}`.execute(trx);
        await enqueue(trx, { queue: REQUEST_DUE_QUEUE, payload: { requestId: id }, runAt: deadlineAt(new Date(), this.opts.answerDays), dedupeKey: `${id}:${input.departmentId}` });
        await recordAudit(trx, ctx, { action: 'opendata.request.route', entityType: 'opendata_request', entityId: id, detail: { to: input.departmentId } });
        return this.presentRequest((await requestsRepo.byId(trx, id))!, ctx.actor);
      }
      const closes = input.kind === 'already_open' || input.kind === 'cannot_open';
      await requestsRepo.update(trx, id, { status: closes ? 'closed' : 'answered', closed: closes, answer: input.answer, answer_kind: input.kind, answered_by: ctx.actor!.accountId, answered: true, accepted_dataset_id: dataset?.id ?? null });
      await recordAudit(trx, ctx, { action: 'opendata.request.answer', entityType: 'opendata_request', entityId: id, detail: { kind: input.kind } });
      await notify(trx, { recipientAccountId: r.requester_id, template: 'opendata.request_answered', params: { title: r.title, answer: input.answer }, link: `/open-data/requests/${id}` });
      return this.presentRequest((await requestsRepo.byId(trx, id))!, ctx.actor);
    });
  }

  /** When a dataset is published: tell everyone whose open request it matches (by resource, or by all the request's terms). */
  private async notifyMatchingRequests(trx: Db, d: { id: string; title: string; resourceId: string | null; terms: string[] }) {
    const byResource = d.resourceId ? await requestsRepo.openMatchingResource(trx, d.resourceId) : [];
    const termSet = new Set(d.terms);
    const byText = (await requestsRepo.openAll(trx)).filter((r) => {
      const t = queryTerms(r.title);
      return t.length > 0 && t.every((x) => termSet.has(x));
    });
    const seen = new Set<string>();
    for (const r of [...byResource, ...byText]) {
      if (seen.has(r.id) || r.notified_dataset_ids.includes(d.id)) continue;
      seen.add(r.id);
      await notify(trx, { recipientAccountId: r.requester_id, template: 'opendata.dataset_available', params: { title: r.title, dataset: d.title }, link: `/open-data/datasets/${d.id}` });
      await requestsRepo.update(trx, r.id, { notified: d.id, ...(byResource.includes(r) ? { status: 'closed', closed: true, accepted_dataset_id: d.id, answer_kind: r.answer_kind ?? 'will_open' } : {}) });
    }
  }

  /** Timer: a request not answered by its due date is marked overdue (shown to oversight and the department). */
  private async requestDue(job: ClaimedJob) {
    const id = String(job.payload.requestId);
    await this.db.transaction().execute(async (trx) => {
      const r = await requestsRepo.byId(trx, id, true);
      if (!r || r.status !== 'open' || r.overdue || new Date(r.due_at) > new Date()) return;
      await requestsRepo.update(trx, id, { overdue: true });
      await recordAudit(trx, systemAdminContext('opendata.request_due'), { action: 'opendata.request.overdue', entityType: 'opendata_request', entityId: id });
    });
  }

  // ---- statistics ------------------------------------------------------------------------------

  private count(d: DatasetRow, kind: StatKind) {
    const day = chinaDate(new Date());
    const key = `${day}|${d.id}`;
    let e = this.statsBuffer.get(key);
    if (!e) this.statsBuffer.set(key, (e = { day, dataset_id: d.id, department_id: d.department_id, views: 0, downloads: 0, api_calls: 0 }));
    e[kind]++;
  }

  async flushStats() {
    if (!this.statsBuffer.size) return;
    const rows = [...this.statsBuffer.values()];
    this.statsBuffer.clear();
    try {
      await this.db.transaction().execute(async (trx) => statsRepo.add(trx, rows));
    } catch (err) {
      for (const r of rows) {
        const e = this.statsBuffer.get(`${r.day}|${r.dataset_id}`);
        if (e) (e.views += r.views), (e.downloads += r.downloads), (e.api_calls += r.api_calls);
        else this.statsBuffer.set(`${r.day}|${r.dataset_id}`, r);
      }
      throw err;
    }
  }

  /** Views, downloads and API calls per dataset and per department over [from, to] (China dates). */
  async statistics(f: { from?: string; to?: string; datasetId?: string }) {
    await this.flushStats();
    const to = f.to ?? chinaDate(new Date());
    const from = f.from ?? chinaDate(new Date(Date.now() - 29 * 86_400_000));
    const byDataset = await statsRepo.byDataset(this.db, from, to, f.datasetId);
    const titles = new Map((await datasetsRepo.byIds(this.db, byDataset.map((x) => x.datasetId))).map((d) => [d.id, d]));
    const depts = new Map<string, { departmentId: string; department: string; organization: string; views: number; downloads: number; apiCalls: number; datasets: number }>();
    const counts = await datasetsRepo.countsByDepartment(this.db);
    for (const [id, n] of counts) {
      const d = await this.department(id);
      depts.set(id, { departmentId: id, department: d?.name ?? id, organization: d ? this.orgName(d) : id, views: 0, downloads: 0, apiCalls: 0, datasets: n });
    }
    for (const x of byDataset) {
      let e = depts.get(x.departmentId);
      if (!e) {
        const d = await this.department(x.departmentId);
        depts.set(x.departmentId, (e = { departmentId: x.departmentId, department: d?.name ?? x.departmentId, organization: d ? this.orgName(d) : x.departmentId, views: 0, downloads: 0, apiCalls: 0, datasets: 0 }));
      }
      e.views += x.views;
      e.downloads += x.downloads;
      e.apiCalls += x.apiCalls;
    }
    return {
      from,
      to,
      totals: byDataset.reduce((s, x) => ({ views: s.views + x.views, downloads: s.downloads + x.downloads, apiCalls: s.apiCalls + x.apiCalls }), { views: 0, downloads: 0, apiCalls: 0 }),
      datasets: byDataset
        .map((x) => ({ ...x, name: titles.get(x.datasetId)?.name ?? null, title: titles.get(x.datasetId)?.title ?? null }))
        .sort((a, b) => b.views + b.downloads + b.apiCalls - (a.views + a.downloads + a.apiCalls)),
      departments: [...depts.values()].sort((a, b) => b.datasets - a.datasets || b.views - a.views),
      daily: await statsRepo.byDay(this.db, from, to, f.datasetId),
    };
  }
}
