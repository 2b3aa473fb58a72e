/**
 * The data resource catalog (政务信息资源目录) and the providers' rows.
 *
 * Who may maintain a resource: a platform admin; a data administrator of a big data
 * administration (department code ending in "-DSJ", the catalog keeper) for providers in its region
 * subtree; a department or data administrator of the providing department itself. Everyone can
 * read the catalog's metadata (no row data): it is public, as the national catalog is.
 *
 * Rows are the providers' data (in production: the provider's own database behind the exchange's
 * adapter; here one generic table). Reads for the exchange and the open data portal go through
 * `rowBySubject`, `pageRows` and `changesSince` — never through the table directly.
 */
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, type Actor, type RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import { errors } from '../../shared/errors';
import { isInSubtree, subtreePattern } from '../../shared/regions';
import type { OrgService, Department } from '../org';
import { resourceErrors } from './resources.errors';
import type { DataResourcesTable, OpenClass, ResourceField, SharingClass, SubjectKind, UpdateFrequency } from './resources.types';
import type { Selectable } from 'kysely';
import { allRows, fieldExprSql, indexableType, pairField, partitionName, rowIndexName, rowIndexSql, searchRows, type RowIndexKind, type RowQuery, type RowQueryResult, type SourceColumn } from './resources.rows';

export type ResourceRow = Selectable<DataResourcesTable>;

/** A resource as every reader sees it (metadata only). */
export interface DataResource {
  id: string;
  code: string;
  name: string;
  description: string;
  provider: { id: string; code: string; name: string; nameEn: string };
  regionCode: string;
  subjectKind: SubjectKind;
  keyField: string;
  fields: ResourceField[];
  sharingClass: SharingClass;
  openClass: OpenClass;
  updateFrequency: UpdateFrequency;
  legalBasis: string;
  tags: string[];
  status: 'active' | 'retired';
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ResourceInput {
  code: string;
  name: string;
  description?: string;
  providerDepartmentId: string;
  subjectKind: SubjectKind;
  keyField: string;
  fields: ResourceField[];
  sharingClass: SharingClass;
  openClass: OpenClass;
  updateFrequency: UpdateFrequency;
  legalBasis?: string;
  tags?: string[];
}

export interface ResourceListQuery {
  q?: string;
  providerDepartmentId?: string;
  sharingClass?: SharingClass;
  openClass?: OpenClass;
  subjectKind?: SubjectKind;
  includeRetired?: boolean;
  limit?: number;
  offset?: number;
}

/** A row as stored, for the exchange and the open data portal. */
export interface ProviderRow {
  rowKey: string;
  data: Record<string, unknown>;
  regionCode: string | null;
  seq: number;
  updatedAt: string;
}

export interface PageRowsQuery {
  /** Keyset cursor: the last row key of the previous page (rows come in row-key order). */
  after?: string | null;
  limit?: number;
  /** Equality filters on fields (served by the GIN index on data: `data @> {...}`). */
  filters?: Record<string, string | number | boolean>;
  /** Project to these fields (default: all). */
  fields?: string[];
}

export interface RowInput {
  /** Unique within the resource and sortable (the keyset paging order). Defaults to the key field's value, or for a person's or enterprise's row to its subject key. */
  rowKey?: string;
  /** Region the row belongs to (GB/T 2260), for 数据回流 subscriptions. */
  regionCode?: string | null;
  data: Record<string, unknown>;
}

const DSJ = /-DSJ$/;

function typeOk(type: ResourceField['type'], v: unknown): boolean {
  if (v === null) return true;
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    case 'datetime':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v));
  }
}

/** The normal form of a subject identifier before hashing (ID numbers' check letter upper-case, no spaces). */
export function normalizeSubject(value: string): string {
  return value.trim().toUpperCase();
}

/** How long a process trusts its list of a resource's ready row indexes. */
const READY_INDEXES_TTL_MS = 10_000;
/**
 * dataBySubjectKeys: the rows of many subjects of one resource, in row-key order, read from the
 * resource's own partition. Through the partitioned parent, a prepared statement's generic plan
 * covers every resource's partition and prunes them at each run (PostgreSQL 15; pgbench, a 12-key
 * look-up: ≈ 8 % slower with this demo node's 31 partitions, 40 % with 300). One text per resource
 * (made once).
 */
const bySubjectKeysTexts = new Map<string, string>();
function bySubjectKeys(resourceId: string): string {
  let text = bySubjectKeysTexts.get(resourceId);
  if (!text) {
    text = `select subject_key, data from ${partitionName(resourceId)} where resource_id = $1 and subject_key = ANY($2::text[]) order by row_key`;
    bySubjectKeysTexts.set(resourceId, text);
  }
  return text;
}
/** A field whose values can match this many rows is broad: two filters on broad fields get a pair index (pairIndexes). */
const PAIR_MIN_ROWS = 10_000;

export class ResourcesService {
  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly crypto: FieldCrypto,
    private readonly opts: { dbKind?: 'postgres' | 'pglite' } = {},
  ) {}

  /**
   * Ready indexes per resource, read at most every READY_INDEXES_TTL_MS per process (one statement
   * less per row query). An index only becomes ready (this process forgets the entry when it
   * builds one; another process sees it within the TTL and meanwhile answers the same without it).
   */
  private readonly readyCache = new Map<string, { at: number; ready: Record<RowIndexKind, Set<string>> }>();

  /** The keyed hash under which a person's or enterprise's rows are found (and their data uses recorded). */
  subjectKey(idNumberOrCreditCode: string): string {
    return this.crypto.lookupHash(`subject:${normalizeSubject(idNumberOrCreditCode)}`);
  }

  // ---- metadata ------------------------------------------------------------------------------

  async present(r: ResourceRow): Promise<DataResource> {
    const d = await this.org.department(r.provider_department_id);
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      description: r.description,
      provider: { id: r.provider_department_id, code: d?.code ?? '', name: d?.name ?? '', nameEn: d?.nameEn ?? '' },
      regionCode: r.region_code,
      subjectKind: r.subject_kind,
      keyField: r.key_field,
      fields: r.fields,
      sharingClass: r.sharing_class,
      openClass: r.open_class,
      updateFrequency: r.update_frequency,
      legalBasis: r.legal_basis,
      tags: r.tags,
      status: r.status,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }

  /** By id or code (codes are upper-case with dots, ids are UUIDs). */
  async getRow(db: Db, idOrCode: string): Promise<ResourceRow | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
    return db
      .selectFrom('data_resources')
      .selectAll()
      .where(isUuid ? 'id' : 'code', '=', idOrCode)
      .executeTakeFirst();
  }

  async get(idOrCode: string): Promise<DataResource> {
    const r = await this.getRow(this.db, idOrCode);
    if (!r) throw resourceErrors.notFound();
    return this.present(r);
  }

  /** By its catalog name (the `resource` a catalog item's shared_data material names). */
  async byName(db: Db, name: string): Promise<ResourceRow | undefined> {
    return db.selectFrom('data_resources').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(query: ResourceListQuery = {}): Promise<{ total: number; items: DataResource[] }> {
    let q = this.db.selectFrom('data_resources');
    if (!query.includeRetired) q = q.where('status', '=', 'active');
    if (query.providerDepartmentId) q = q.where('provider_department_id', '=', query.providerDepartmentId);
    if (query.sharingClass) q = q.where('sharing_class', '=', query.sharingClass);
    if (query.openClass) q = q.where('open_class', '=', query.openClass);
    if (query.subjectKind) q = q.where('subject_kind', '=', query.subjectKind);
    if (query.q?.trim()) {
      const like = `%${query.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('name', 'like', like), eb('code', 'ilike', like), eb('description', 'like', like)]));
    }
    const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await q
      .selectAll()
      .orderBy('code')
      .limit(Math.min(query.limit ?? 50, 200))
      .offset(query.offset ?? 0)
      .execute();
    return { total, items: await Promise.all(rows.map((r) => this.present(r))) };
  }

  /** Whether this actor may maintain resources of that providing department. */
  async canManage(actor: Actor | null | undefined, provider: Department): Promise<boolean> {
    if (!actor) return false;
    if (hasRole(actor, 'platform_admin')) return true;
    if (!hasRole(actor, 'data_admin', 'dept_admin') || !actor.departmentId) return false;
    if (actor.departmentId === provider.id) return true;
    if (!hasRole(actor, 'data_admin')) return false;
    const own = await this.org.department(actor.departmentId);
    return !!own && DSJ.test(own.code) && isInSubtree(provider.regionCode, own.regionCode);
  }

  /** Whether this actor is a catalog keeper (big data administration data admin, or platform admin). */
  async isKeeper(actor: Actor | null | undefined): Promise<boolean> {
    if (!actor) return false;
    if (hasRole(actor, 'platform_admin')) return true;
    if (!hasRole(actor, 'data_admin') || !actor.departmentId) return false;
    const own = await this.org.department(actor.departmentId);
    return !!own && DSJ.test(own.code);
  }

  private validate(input: ResourceInput): void {
    const names = new Set<string>();
    for (const f of input.fields) {
      if (names.has(f.name)) throw resourceErrors.duplicateField(f.name);
      names.add(f.name);
    }
    if (!names.has(input.keyField)) throw resourceErrors.keyField();
    const personal = input.subjectKind === 'person' || input.fields.some((f) => f.personal || f.sensitive);
    if (personal && input.openClass !== 'none') throw resourceErrors.personalOpen();
  }

  async create(ctx: RequestContext, input: ResourceInput): Promise<DataResource> {
    const provider = await this.org.department(input.providerDepartmentId);
    if (!provider) throw resourceErrors.unknownDepartment();
    if (!(await this.canManage(ctx.actor, provider))) throw resourceErrors.notManager();
    this.validate(input);
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('data_resources').select('id').where('code', '=', input.code).executeTakeFirst()) throw resourceErrors.codeTaken();
      if (await trx.selectFrom('data_resources').select('id').where('name', '=', input.name).executeTakeFirst()) throw resourceErrors.nameTaken();
      await trx
        .insertInto('data_resources')
        .values({
          id,
          code: input.code,
          name: input.name,
          description: input.description ?? '',
          provider_department_id: provider.id,
          region_code: provider.regionCode,
          subject_kind: input.subjectKind,
          key_field: input.keyField,
          fields: JSON.stringify(input.fields),
          sharing_class: input.sharingClass,
          open_class: input.openClass,
          update_frequency: input.updateFrequency,
          legal_basis: input.legalBasis ?? '',
          tags: JSON.stringify(input.tags ?? []),
          created_by: ctx.actor?.kind === 'machine' ? null : (ctx.actor?.accountId ?? null),
          updated_at: new Date(),
        })
        .execute();
      // The resource's own partition of the row store (its statistics and indexes are its own).
      await sql.raw(`CREATE TABLE IF NOT EXISTS ${partitionName(id)} PARTITION OF resource_rows FOR VALUES IN ('${id}')`).execute(trx);
      await recordAudit(trx, ctx, { action: 'resources.create', entityType: 'data_resource', entityId: id, detail: { code: input.code, name: input.name } });
    });
    return this.get(id);
  }

  /** Replaces the metadata (optimistic: the version read must still be current). The code never changes. */
  async update(ctx: RequestContext, id: string, input: Omit<ResourceInput, 'code'> & { version: number }): Promise<DataResource> {
    const current = await this.getRow(this.db, id);
    if (!current) throw resourceErrors.notFound();
    const [from, to] = await Promise.all([this.org.department(current.provider_department_id), this.org.department(input.providerDepartmentId)]);
    if (!to) throw resourceErrors.unknownDepartment();
    if (!from || !(await this.canManage(ctx.actor, from)) || !(await this.canManage(ctx.actor, to))) throw resourceErrors.notManager();
    this.validate({ ...input, code: current.code });
    await this.db.transaction().execute(async (trx) => {
      const clash = await trx.selectFrom('data_resources').select('id').where('name', '=', input.name).where('id', '<>', id).executeTakeFirst();
      if (clash) throw resourceErrors.nameTaken();
      const res = await trx
        .updateTable('data_resources')
        .set({
          name: input.name,
          description: input.description ?? '',
          provider_department_id: to.id,
          region_code: to.regionCode,
          subject_kind: input.subjectKind,
          key_field: input.keyField,
          fields: JSON.stringify(input.fields),
          sharing_class: input.sharingClass,
          open_class: input.openClass,
          update_frequency: input.updateFrequency,
          legal_basis: input.legalBasis ?? '',
          tags: JSON.stringify(input.tags ?? []),
          version: sql`version + 1`,
          updated_at: new Date(),
        })
        .where('id', '=', id)
        .where('version', '=', input.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw resourceErrors.versionConflict();
      await recordAudit(trx, ctx, { action: 'resources.update', entityType: 'data_resource', entityId: id, detail: { version: input.version + 1 } });
    });
    return this.get(id);
  }

  async setStatus(ctx: RequestContext, id: string, status: 'active' | 'retired', reason: string): Promise<DataResource> {
    const current = await this.getRow(this.db, id);
    if (!current) throw resourceErrors.notFound();
    const provider = await this.org.department(current.provider_department_id);
    if (!provider || !(await this.canManage(ctx.actor, provider))) throw resourceErrors.notManager();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('data_resources').set({ status, version: sql`version + 1`, updated_at: new Date() }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: status === 'retired' ? 'resources.retire' : 'resources.reactivate', entityType: 'data_resource', entityId: id, detail: { reason } });
    });
    return this.get(id);
  }

  // ---- rows ----------------------------------------------------------------------------------

  /**
   * Inserts or replaces rows of a resource (the provider's load or change). Each changed row gets
   * a new `seq` (the change feed's order). Validates field names and types. Pass the transaction.
   */
  async upsertRows(trx: Db, resource: ResourceRow, rows: RowInput[]): Promise<number> {
    const fields = new Map(resource.fields.map((f) => [f.name, f]));
    const values = rows.map((r, i) => {
      for (const [k, v] of Object.entries(r.data)) {
        const f = fields.get(k);
        if (!f) throw resourceErrors.badRow(`第 ${i + 1} 行含未定义的数据项 ${k}`, `row ${i + 1} has an undefined field ${k}`);
        if (!typeOk(f.type, v)) throw resourceErrors.badRow(`第 ${i + 1} 行数据项 ${k} 类型应为 ${f.type}`, `row ${i + 1}: field ${k} must be ${f.type}`);
      }
      const key = r.data[resource.key_field];
      if (key === undefined || key === null || key === '') throw resourceErrors.badRow(`第 ${i + 1} 行缺少主键 ${resource.key_field}`, `row ${i + 1} lacks the key field ${resource.key_field}`);
      // A person's or enterprise's row is keyed by the keyed hash of its subject, never by the ID number itself.
      const subject = resource.subject_kind === 'none' ? null : this.subjectKey(String(key));
      return {
        resource_id: resource.id,
        row_key: r.rowKey ?? subject ?? String(key),
        subject_key: subject,
        region_code: r.regionCode ?? null,
        data: JSON.stringify(r.data),
        updated_at: new Date(),
      };
    });
    let n = 0;
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      await trx
        .insertInto('resource_rows')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['resource_id', 'row_key']).doUpdateSet((eb) => ({
            subject_key: eb.ref('excluded.subject_key'),
            region_code: eb.ref('excluded.region_code'),
            data: eb.ref('excluded.data'),
            updated_at: eb.ref('excluded.updated_at'),
            seq: sql`nextval('resource_rows_seq')`,
          })),
        )
        .execute();
      n += chunk.length;
    }
    return n;
  }

  /** The rows of one person or enterprise (by ID number or credit code) in a resource; usually one. */
  async rowBySubject(db: Db, resourceId: string, idNumberOrCreditCode: string): Promise<ProviderRow[]> {
    return this.rowsBySubjectKey(db, resourceId, this.subjectKey(idNumberOrCreditCode));
  }

  async rowsBySubjectKey(db: Db, resourceId: string, subjectKey: string): Promise<ProviderRow[]> {
    const rows = await db
      .selectFrom('resource_rows')
      .select(['row_key', 'data', 'region_code', 'seq', 'updated_at'])
      .where('resource_id', '=', resourceId)
      .where('subject_key', '=', subjectKey)
      .orderBy('row_key')
      .limit(100)
      .execute();
    return rows.map(presentRow);
  }

  /**
   * The data of many subjects' rows at once (one index scan; the exchange batches concurrent
   * look-ups into one query). Only the data column: a call answers from nothing else.
   */
  async dataBySubjectKeys(db: Db, resourceId: string, subjectKeys: string[]): Promise<Map<string, Record<string, unknown>[]>> {
    const out = new Map<string, Record<string, unknown>[]>(subjectKeys.map((k) => [k, []]));
    if (!subjectKeys.length) return out;
    // One array parameter, not a list of them: one statement whatever the batch's size. Its text is
    // fixed per resource (the exchange's look-ups of every verification call come here: no query built and
    // compiled per call), and on PostgreSQL it runs as a prepared statement (db/pg-driver.ts), planned once per connection.
    const rows = (await db.executeQuery<{ subject_key: string; data: Record<string, unknown> }>(CompiledQuery.raw(bySubjectKeys(resourceId), [resourceId, subjectKeys]))).rows;
    for (const r of rows) out.get(r.subject_key)?.push(r.data);
    return out;
  }

  /**
   * Keyset paging in row-key order, with equality filters on fields. At 10 M rows: the primary key
   * (resource_id, row_key) serves the order and the cursor; filters use the GIN (jsonb_path_ops)
   * index on data. Never OFFSET: page n costs what page 1 costs.
   */
  async pageRows(db: Db, resource: Pick<ResourceRow, 'id' | 'fields'>, query: PageRowsQuery = {}): Promise<{ rows: ProviderRow[]; next: string | null }> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const known = new Set(resource.fields.map((f) => f.name));
    for (const k of Object.keys(query.filters ?? {})) if (!known.has(k)) throw resourceErrors.badFilter(k);
    for (const k of query.fields ?? []) if (!known.has(k)) throw resourceErrors.badFilter(k);
    let q = db
      .selectFrom('resource_rows')
      .select(['row_key', 'data', 'region_code', 'seq', 'updated_at'])
      .where('resource_id', '=', resource.id);
    if (query.after) q = q.where('row_key', '>', query.after);
    if (query.filters && Object.keys(query.filters).length) q = q.where(sql<boolean>`data @> ${JSON.stringify(query.filters)}::jsonb`);
    const rows = (await q.orderBy('row_key').limit(limit + 1).execute()).map(presentRow);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    if (query.fields?.length) for (const r of page) r.data = Object.fromEntries(query.fields.map((f) => [f, r.data[f] ?? null]));
    return { rows: page, next: more ? page[page.length - 1].rowKey : null };
  }

  /**
   * The change feed (数据回流): rows changed after `afterSeq`, in change order, optionally only those
   * of a region's subtree (GB/T 2260: 350102 a district, 350100 a city and its districts).
   */
  async changesSince(db: Db, resourceId: string, opts: { afterSeq: number; regionCode?: string; limit?: number }): Promise<ProviderRow[]> {
    let q = db
      .selectFrom('resource_rows')
      .select(['row_key', 'data', 'region_code', 'seq', 'updated_at'])
      .where('resource_id', '=', resourceId)
      .where('seq', '>', opts.afterSeq);
    if (opts.regionCode) q = q.where('region_code', 'like', subtreePattern(opts.regionCode));
    const rows = await q.orderBy('seq').limit(Math.min(opts.limit ?? 100, 1000)).execute();
    return rows.map(presentRow);
  }

  /**
   * Row queries for the open data portal (CKAN datastore_search): filters, full text, sort,
   * fields, limit/offset, keyset cursor, totals estimated by the planner above a threshold. See
   * resources.rows.ts for the access paths. `columns`: the readable columns.
   */
  async searchRows(db: Db, resourceId: string, columns: SourceColumn[], query: RowQuery): Promise<RowQueryResult> {
    const ready = await this.readyIndexes(db, resourceId);
    return searchRows(db, resourceId, columns, query, ready.btree, ready.text, ready.pair);
  }

  /** All rows in key order, in batches (downloads). */
  allRows(db: Db, resourceId: string, columns: SourceColumn[], batch?: number, max?: number) {
    return allRows(db, resourceId, columns, batch, max);
  }

  /** The fields of a resource with a ready expression index on its partition. */
  async readyRowIndexes(db: Db, resourceId: string): Promise<Set<string>> {
    return (await this.readyIndexes(db, resourceId)).btree;
  }

  /** The fields of a resource with a ready index on its partition, by kind (btree: filters and sorts; text: `q`; pair: "a+b", two filters). */
  async readyIndexes(db: Db, resourceId: string): Promise<Record<RowIndexKind, Set<string>>> {
    const hit = this.readyCache.get(resourceId);
    if (hit && hit.at > Date.now() - READY_INDEXES_TTL_MS) return hit.ready;
    const rows = await db.selectFrom('resource_row_indexes').select(['field', 'kind']).where('resource_id', '=', resourceId).where('state', '=', 'ready').execute();
    const of = (k: RowIndexKind) => new Set(rows.filter((r) => r.kind === k).map((r) => r.field));
    const ready = { btree: of('btree'), text: of('text'), pair: of('pair') };
    if (this.readyCache.size > 10_000) this.readyCache.clear();
    this.readyCache.set(resourceId, { at: Date.now(), ready });
    return ready;
  }

  /** The indexes of a resource's partition and their state. */
  async rowIndexes(db: Db, resourceId: string) {
    return db.selectFrom('resource_row_indexes').selectAll().where('resource_id', '=', resourceId).orderBy('field').orderBy('kind').execute();
  }

  /**
   * Asks for indexes on the resource's partition: `btree` (default) `(<field>, row_key)`, for
   * filters and sorts through the row API (datetime fields cannot be indexed); `text`, a GIN index
   * on a text field's grams for full text (`q`). Pass the transaction; the indexes are built later
   * by `buildRowIndexes` (a job: building takes minutes at ten million rows). Returns the fields
   * requested anew.
   */
  async requestRowIndexes(trx: Db, resourceId: string, fields: { name: string; type: SourceColumn['type']; kind?: RowIndexKind }[]): Promise<string[]> {
    const out: string[] = [];
    for (const f of fields) {
      const kind = f.kind ?? 'btree';
      // Pairs are chosen by the index job from the partition's statistics (pairIndexes), not asked for.
      if (kind === 'pair' || (kind === 'btree' ? !indexableType(f.type) : f.type !== 'string')) continue;
      const r = await trx
        .insertInto('resource_row_indexes')
        .values({ resource_id: resourceId, field: f.name, kind, index_name: rowIndexName(resourceId, f.name, kind) })
        .onConflict((oc) => oc.columns(['resource_id', 'field', 'kind']).doNothing())
        .returning('field')
        .executeTakeFirst();
      if (r) out.push(kind === 'text' ? `${f.name} (text)` : f.name);
    }
    return out;
  }

  /**
   * Builds the pending indexes of a resource (CONCURRENTLY on PostgreSQL: rows can be written
   * meanwhile) and analyses the partition so that the planner has the indexed fields' value
   * frequencies; then chooses and builds the pair indexes (pairIndexes). Not in a transaction.
   * Returns the indexes now ready (text ones as "field (text)", pairs as "a+b (pair)").
   * `pairMinRows`: see pairIndexes (tests lower it).
   */
  async buildRowIndexes(resourceId: string, opts: { pairMinRows?: number } = {}): Promise<string[]> {
    const r = await this.getRow(this.db, resourceId);
    if (!r) throw resourceErrors.notFound();
    const types = new Map(r.fields.map((f) => [f.name, f.type]));
    const part = partitionName(resourceId);
    const built = await this.buildPendingIndexes(resourceId, types);
    if (built.some((p) => p.kind !== 'pair')) {
      await sql.raw(`ANALYZE ${part}`).execute(this.db);
      // Better estimates for combined filters; without them the indexes still serve (estimates assume independence).
      await this.combinedStatistics(resourceId, types).catch(() => undefined);
      await this.markReady(resourceId, built);
      // Pairs are chosen from the statistics just gathered.
      const pairs = await this.pairIndexes(resourceId, opts.pairMinRows ?? PAIR_MIN_ROWS);
      for (const f of pairs) {
        await this.db.insertInto('resource_row_indexes').values({ resource_id: resourceId, field: f, kind: 'pair', index_name: rowIndexName(resourceId, f, 'pair') }).onConflict((oc) => oc.columns(['resource_id', 'field', 'kind']).doNothing()).execute();
      }
      if (pairs.length) {
        const more = await this.buildPendingIndexes(resourceId, types);
        await this.markReady(resourceId, more);
        built.push(...more);
      }
    } else await this.markReady(resourceId, built);
    this.readyCache.delete(resourceId);
    return built.map((p) => (p.kind === 'btree' ? p.field : `${p.field} (${p.kind})`));
  }

  /** Builds the resource's indexes not ready yet (a failure is recorded on its row); returns those built. */
  private async buildPendingIndexes(resourceId: string, types: Map<string, ResourceField['type']>) {
    const pending = await this.db.selectFrom('resource_row_indexes').selectAll().where('resource_id', '=', resourceId).where('state', '<>', 'ready').execute();
    if (!pending.length) return [];
    const part = partitionName(resourceId);
    const exists = await sql<{ t: string | null }>`SELECT to_regclass(${part})::text AS t`.execute(this.db);
    const built: typeof pending = [];
    for (const p of pending) {
      try {
        if (!exists.rows[0]?.t) throw new Error(`no partition ${part}`);
        const concurrently = this.opts.dbKind === 'postgres';
        const create = rowIndexSql(p.index_name, part, p.field, types, p.kind, concurrently);
        // A failed concurrent build leaves an invalid index behind: drop it before trying again.
        await sql.raw(`DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${p.index_name}`).execute(this.db);
        await sql.raw(create).execute(this.db);
        built.push(p);
      } catch (e) {
        await this.db.updateTable('resource_row_indexes').set({ state: 'failed', error: String((e as Error).message).slice(0, 500) }).where('resource_id', '=', resourceId).where('field', '=', p.field).where('kind', '=', p.kind).execute();
      }
    }
    return built;
  }

  private async markReady(resourceId: string, built: { field: string; kind: RowIndexKind }[]) {
    for (const p of built) await this.db.updateTable('resource_row_indexes').set({ state: 'ready', error: null, ready_at: new Date() }).where('resource_id', '=', resourceId).where('field', '=', p.field).where('kind', '=', p.kind).execute();
  }

  /**
   * The field pairs that get a pair index `(<a>, <b>, row_key)`: pairs of indexed fields that are
   * both broad — a value of each can match at least `minRows` rows (the most common value's
   * frequency, or one over the distinct count, times the partition's row count, from the
   * statistics of the fields' own indexes). Two equality filters on such fields are what the
   * single indexes cannot bound: when the values rarely or never occur together, the smaller
   * value's whole range is read (or both, for a BitmapAnd) to find few or no rows, e.g. 200,000 of
   * 10 M rows for one page. With one broad and one narrow field, the narrow field's index reads
   * at most its value's few rows. At most the 4 broadest fields, so at most 6 pairs.
   */
  private async pairIndexes(resourceId: string, minRows: number): Promise<string[]> {
    const single = await this.db.selectFrom('resource_row_indexes').select(['field', 'index_name']).where('resource_id', '=', resourceId).where('kind', '=', 'btree').where('state', '=', 'ready').execute();
    if (single.length < 2) return [];
    const part = partitionName(resourceId);
    const stats = await sql<{ tablename: string; top: number | string | null; n_distinct: number | string; rows: number | string }>`
      SELECT s.tablename, s.most_common_freqs[1] AS top, s.n_distinct, c.reltuples AS rows
      FROM pg_stats s, pg_class c
      WHERE s.tablename = ANY(${sql`CAST(${single.map((r) => r.index_name)} AS text[])`}) AND s.attname <> 'row_key' AND c.oid = to_regclass(${part})`.execute(this.db);
    const broad = new Map<string, number>();
    for (const s of stats.rows) {
      const rows = Number(s.rows);
      const nd = Number(s.n_distinct);
      const freq = s.top !== null ? Number(s.top) : nd > 0 ? 1 / nd : nd < 0 && rows > 0 ? 1 / (-nd * rows) : 0;
      const field = single.find((r) => r.index_name === s.tablename)!.field;
      if (rows > 0 && freq * rows >= minRows) broad.set(field, freq);
    }
    const fields = [...broad.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 4).map(([f]) => f);
    const pairs: string[] = [];
    for (let i = 0; i < fields.length; i++) for (let j = i + 1; j < fields.length; j++) pairs.push(pairField(fields[i], fields[j]));
    return pairs;
  }

  /**
   * Filters on two indexed fields are often correlated (a district and a category of works); the
   * planner multiplies their selectivities unless it has their joint frequencies. One extended
   * statistics object (MCV, ndistinct) over the indexed fields with few distinct values (≤ 1,000,
   * from the expression indexes' statistics), then the partition analysed again.
   */
  private async combinedStatistics(resourceId: string, types: Map<string, ResourceField['type']>) {
    const ready = await this.db.selectFrom('resource_row_indexes').select(['field', 'index_name']).where('resource_id', '=', resourceId).where('kind', '=', 'btree').where('state', '<>', 'failed').execute();
    if (ready.length < 2) return;
    const stats = await sql<{ tablename: string; n_distinct: number }>`SELECT tablename, n_distinct FROM pg_stats WHERE tablename = ANY(${sql`CAST(${ready.map((r) => r.index_name)} AS text[])`}) AND attname <> 'row_key'`.execute(this.db);
    const nd = new Map(stats.rows.map((r) => [r.tablename, Number(r.n_distinct)]));
    const low = ready.filter((r) => {
      const n = nd.get(r.index_name);
      return n !== undefined && n > 0 && n <= 1000;
    }).slice(0, 8);
    if (low.length < 2) return;
    const part = partitionName(resourceId);
    const name = `rrs_${resourceId.replace(/-/g, '').slice(0, 20)}`;
    await sql.raw(`DROP STATISTICS IF EXISTS ${name}`).execute(this.db);
    await sql.raw(`CREATE STATISTICS ${name} (mcv, ndistinct) ON ${low.map((r) => fieldExprSql(r.field, types.get(r.field)!)).join(', ')} FROM ${part}`).execute(this.db);
    await sql.raw(`ALTER STATISTICS ${name} SET STATISTICS 1000`).execute(this.db);
    await sql.raw(`ANALYZE ${part}`).execute(this.db);
  }

  async countRows(db: Db, resourceId: string): Promise<number> {
    const r = await db.selectFrom('resource_rows').select((eb) => eb.fn.countAll<number>().as('n')).where('resource_id', '=', resourceId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Row counts of several resources (admin list). */
  async rowCounts(resourceIds: string[]): Promise<Map<string, number>> {
    if (!resourceIds.length) return new Map();
    const rows = await this.db
      .selectFrom('resource_rows')
      .select(['resource_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('resource_id', 'in', resourceIds)
      .groupBy('resource_id')
      .execute();
    return new Map(rows.map((r) => [r.resource_id, Number(r.n)]));
  }

  /** Provider's preview of rows: personal fields masked. For the catalog's admin page. */
  async preview(ctx: RequestContext, id: string, limit = 20): Promise<{ rows: ProviderRow[]; total: number }> {
    const r = await this.getRow(this.db, id);
    if (!r) throw resourceErrors.notFound();
    const provider = await this.org.department(r.provider_department_id);
    if (!provider || !(await this.canManage(ctx.actor, provider))) throw errors.forbidden();
    const page = await this.pageRows(this.db, r, { limit });
    const personal = new Set(r.fields.filter((f) => f.personal || f.sensitive).map((f) => f.name));
    for (const row of page.rows) {
      for (const k of Object.keys(row.data)) if (personal.has(k)) row.data[k] = maskValue(row.data[k]);
      if (r.subject_kind !== 'none') row.rowKey = String(maskValue(row.rowKey));
    }
    return { rows: page.rows, total: await this.countRows(this.db, r.id) };
  }
}

function presentRow(r: { row_key: string; data: Record<string, unknown>; region_code: string | null; seq: number; updated_at: Date | string }): ProviderRow {
  return { rowKey: r.row_key, data: r.data, regionCode: r.region_code, seq: Number(r.seq), updatedAt: new Date(r.updated_at).toISOString() };
}

function maskValue(v: unknown): unknown {
  if (typeof v !== 'string' || v.length === 0) return v === null ? null : '***';
  if (v.length <= 2) return `${v[0]}*`;
  if (v.length <= 4) return `${v[0]}${'*'.repeat(v.length - 1)}`;
  return `${v.slice(0, 2)}${'*'.repeat(Math.max(1, v.length - 4))}${v.slice(-2)}`;
}
