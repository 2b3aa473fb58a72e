/**
 * The service catalog: items and bundles, their drafts and immutable published versions, the
 * linter, search, and packages. Rules and transactions live here; SQL in the repository.
 *
 * Transactions: everything that reads another module (departments through OrgService) or the
 * vocabularies happens before a transaction opens; inside one only `trx` is used (PGlite has a
 * single connection, and a second borrower would wait forever).
 */
import { randomUUID, createHash } from 'node:crypto';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import type { RequestContext } from '../../shared/actor';
import { AppError, errors } from '../../shared/errors';
import { ancestorsOf, childrenOf, getRegion, isInSubtree } from '../../shared/regions';
import type { Department, OrgService } from '../org';
import { deriveBundle, type BundleDerived, type BundleItem } from './catalog.bundle';
import { catalogErrors } from './catalog.errors';
import { checkFormSchema } from './catalog.form';
import { hasErrors, isRefusedOnSave, lintBundle, lintBundleStructure, lintItem, RULES, type BundleItemFacts } from './catalog.linter';
import {
  changedFields,
  loadSigningKey,
  mapBundleRefs,
  mapItemDepartments,
  mapItemRegions,
  newSigningKey,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  PACKAGE_MAX_BUNDLES,
  PACKAGE_MAX_BYTES,
  PACKAGE_MAX_ITEMS,
  signPackage,
  verifyPackage,
  type CatalogPackage,
  type PackageDepartment,
  type SigningKey,
} from './catalog.package';
import { assertManages } from './catalog.policy';
import { accuracyRepo, bundlesRepo, itemsRepo, searchRepo, suggestionsRepo, vocabRepo, type SearchFilters, type SearchHit } from './catalog.repository';
import type { BundleContent, Finding, ImportInput, ItemContent, SearchParams } from './catalog.schemas';
import { bundleSearchRow, compileQuery, itemSearchRow, suggestionTexts, type CompiledQuery, type ThemeInfo } from './catalog.search';
import { buildSynonymMap, escapeHtml, highlight, normalize, queryCodes, type SynonymGroup, type SynonymMap } from './catalog.text';
import * as V from './catalog.vocabulary';

/**
 * Facet work is bounded: with a department or region filter at most this many matches are counted
 * (beyond, the total is "at least"); without, department and region facets are estimated from a
 * sample of about this many entries (type, object, theme, depth and the total stay exact).
 */
export const SEARCH_CAP = 2_000;
/** How long a process reuses the facet counts of a query (see `facets`). */
const FACET_TTL_MS = 30_000;
const FACET_CACHE_SIZE = 1_000;
/** How long a process trusts its cached "latest version" of a guide (other processes may publish). */
const GUIDE_TTL_MS = 5_000;
const VERSION_TTL_MS = 60_000;
const VOCAB_TTL_MS = 60_000;
const GUIDE_CACHE_SIZE = 5_000;
const COMPILED_CACHE_SIZE = 2_000;
const SIGNING_KEY = 'catalog.signing_key';

export interface ItemRecord {
  id: string;
  version: number;
  implementationCode: string;
  publishedAt: Date;
  content: ItemContent & { regionCode: string };
  findings: Finding[];
}

export interface BundleRecord {
  id: string;
  version: number;
  publishedAt: Date;
  content: BundleContent & { regionCode: string };
  derived: BundleDerived;
  findings: Finding[];
}

interface ValidatedItem {
  content: ItemContent & { regionCode: string };
  department: Department;
  implementationCode: string;
  findings: Finding[];
}

interface ValidatedBundle {
  content: BundleContent & { regionCode: string };
  department: Department;
}

/**
 * The region codes whose entries serve a region: its own, its ancestors' (a province's item
 * serves its cities) and its whole subtree's — listed code by code, so that the
 * (doc_id, region_code) index answers for each matching text. The code list is fixed: memoised.
 */
const regionCodeLists = new Map<string, string[]>();
function regionCodes(region: string): string[] {
  let codes = regionCodeLists.get(region);
  if (!codes) {
    const subtree: string[] = [];
    const walk = (code: string) => childrenOf(code).forEach((c) => (subtree.push(c.code), walk(c.code)));
    walk(region);
    codes = [region, ...ancestorsOf(region).map((r) => r.code), ...subtree];
    if (getRegion(region)) regionCodeLists.set(region, codes);
  }
  return codes;
}

/** A guide as the bytes sent and their strong ETag (a digest of exactly those bytes). */
export interface GuideBytes {
  body: Buffer;
  etag: string;
}

function guideBytes(value: unknown): GuideBytes {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const label = (l: V.Label) => ({ zh: l.zh, en: l.en });
const countsOf = (fs: Finding[]) => ({
  lint_errors: fs.filter((f) => f.severity === 'error').length,
  lint_warnings: fs.filter((f) => f.severity === 'warning').length,
  lint_rules: [...new Set(fs.filter((f) => f.severity !== 'info').map((f) => f.rule))],
});

/** A stable UUID from a name (SHA-256, shaped as a version-8 UUID): demo entries keep their ids. */
export function nameUuid(name: string): string {
  const h = createHash('sha256').update(`yiwang:catalog:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class CatalogService {
  private vocabAt = 0;
  private themeMap = new Map<string, ThemeInfo>();
  private synonymMap: SynonymMap = new Map();
  private synonymGroups: SynonymGroup[] = [];
  private deptAt = 0;
  private deptMap = new Map<string, Department>();
  private deptLoading: Promise<Map<string, Department>> | null = null;
  /** Facet counts by query and filters (see FACET_TTL_MS). */
  private facetCache = new Map<string, { at: number; value: Awaited<ReturnType<typeof searchRepo.facets>> }>();
  /** Compiled queries of the current synonym map (see `compiled`). */
  private compiledCache = new Map<string, CompiledQuery>();
  private compiledFor: SynonymMap | null = null;
  /** Serialised guides as bytes with their ETag: a read sends them as they are (no JSON or UTF-8 encoding per request). */
  private guideCache = new Map<string, GuideBytes & { at: number }>();
  private uses = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private keyPromise: Promise<SigningKey> | undefined;
  private themeCountCache: { at: number; value: Map<string, number> } | undefined;

  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly node: { name: string; regionCode: string },
  ) {}

  // ---- caches ---------------------------------------------------------------------------------

  private async vocab(force = false) {
    if (!force && Date.now() - this.vocabAt < VOCAB_TTL_MS) return;
    const [themes, synonyms] = await Promise.all([vocabRepo.themes(this.db), vocabRepo.synonyms(this.db)]);
    this.themeMap = new Map(themes.map((t) => [t.code, { code: t.code, name: t.name, nameEn: t.name_en, audience: t.audience, keywords: t.keywords }]));
    this.synonymGroups = synonyms.map((s) => ({ kind: s.kind, terms: s.terms }));
    this.synonymMap = buildSynonymMap(this.synonymGroups);
    this.vocabAt = Date.now();
  }

  /**
   * Departments by id, cached. A stale copy is served while one refresh runs in the background
   * (a national node has tens of thousands of departments: requests should not queue behind, or
   * each repeat, that read); the first load and `force` (an id not seen yet) wait for it.
   */
  private async departmentsById(force = false): Promise<Map<string, Department>> {
    if (force || this.deptAt === 0) return this.loadDepartments();
    if (Date.now() - this.deptAt > VOCAB_TTL_MS) this.loadDepartments().catch(() => undefined);
    return this.deptMap;
  }

  private loadDepartments(): Promise<Map<string, Department>> {
    this.deptLoading ??= this.org
      .departments()
      .then((list) => {
        this.deptMap = new Map(list.map((d) => [d.id, d]));
        this.deptAt = Date.now();
        return this.deptMap;
      })
      .finally(() => {
        this.deptLoading = null;
      });
    return this.deptLoading;
  }

  private async department(id: string): Promise<Department | undefined> {
    const m = await this.departmentsById();
    return m.get(id) ?? (await this.departmentsById(true)).get(id);
  }

  private cacheGuide(key: string, g: GuideBytes): GuideBytes {
    if (this.guideCache.size >= GUIDE_CACHE_SIZE) this.guideCache.delete(this.guideCache.keys().next().value!);
    this.guideCache.set(key, { ...g, at: Date.now() });
    return g;
  }

  /** Drops every cached guide of an entry (latest and versions: their status fields change). */
  private forget(id: string) {
    this.facetCache.clear();
    for (const key of [...this.guideCache.keys()]) if (key === id || key.startsWith(`${id}@`)) this.guideCache.delete(key);
  }

  // ---- use counter (ranking boost) ----------------------------------------------------------

  /** Counts a use of an entry (a guide read, an application started). Written in batches. */
  recordUse(id: string) {
    this.uses.set(id, (this.uses.get(id) ?? 0) + 1);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushUses(), 5_000);
      this.flushTimer.unref();
    }
  }

  async flushUses() {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.uses.size) return;
    const batch = this.uses;
    this.uses = new Map();
    try {
      await searchRepo.addUses(this.db, batch);
    } catch {
      // Statistics only: a failed flush (e.g. during shutdown) loses a few counts, nothing else.
    }
  }

  // ---- validation -----------------------------------------------------------------------------

  private assertRegion(code: string, field: string) {
    if (!getRegion(code)) throw catalogErrors.regionUnknown(field);
    if (!isInSubtree(code, this.node.regionCode)) throw catalogErrors.outsideNode(field);
  }

  private assertThemes(codes: string[], prefix: string) {
    codes.forEach((c, i) => {
      if (!this.themeMap.has(c)) throw catalogErrors.unknownTheme(`${prefix}/themes/${i}`, c);
    });
  }

  /** Checks an item's references and rules; throws for what no draft may contain. Outside transactions. */
  private async validateItem(input: ItemContent, prefix = 'body'): Promise<ValidatedItem> {
    await this.vocab();
    const department = await this.department(input.departmentId);
    if (!department) throw catalogErrors.unknownDepartment(`${prefix}/departmentId`);
    const regionCode = input.regionCode ?? department.regionCode;
    this.assertRegion(regionCode, `${prefix}/regionCode`);
    if (!isInSubtree(regionCode, department.regionCode))
      throw new AppError(400, 'ITEM_REGION_OUTSIDE_DEPARTMENT', '事项实施区划须在实施部门的辖区内', "The item's region must lie within its department's region", `${prefix}/regionCode`);
    input.crossProvince.regions.forEach((r, i) => {
      if (!getRegion(r)) throw catalogErrors.regionUnknown(`${prefix}/crossProvince/regions/${i}`);
    });
    for (const [i, s] of input.process.stages.entries()) {
      if (s.department && !(await this.department(s.department))) throw catalogErrors.unknownDepartment(`${prefix}/process/stages/${i}/department`);
      for (const [j, d] of (s.departments ?? []).entries()) if (!(await this.department(d))) throw catalogErrors.unknownDepartment(`${prefix}/process/stages/${i}/departments/${j}`);
    }
    this.assertThemes(input.themes, prefix);
    const formProblem = checkFormSchema(input.form);
    if (formProblem) throw catalogErrors.formInvalid(`${prefix}/form${formProblem.path}`, formProblem.message);
    const content = { ...input, regionCode };
    const findings = lintItem(content);
    const refused = findings.find(isRefusedOnSave);
    if (refused) throw catalogErrors.ruleBroken(refused, prefix, findings);
    const implementationCode = `${content.basicCode}-${regionCode}-${department.uscc ?? department.code}-${content.handlingItem}`;
    return { content, department, implementationCode, findings };
  }

  private async validateBundle(input: BundleContent, prefix = 'body', knownItems?: Set<string>): Promise<ValidatedBundle> {
    await this.vocab();
    const department = await this.department(input.leadDepartmentId);
    if (!department) throw catalogErrors.unknownDepartment(`${prefix}/leadDepartmentId`);
    const regionCode = input.regionCode ?? department.regionCode;
    this.assertRegion(regionCode, `${prefix}/regionCode`);
    this.assertThemes(input.themes, prefix);
    const structure = lintBundleStructure(input);
    const refused = structure.find(isRefusedOnSave);
    if (refused) throw catalogErrors.ruleBroken(refused, prefix, structure);
    const ids = input.items.map((i) => i.itemId);
    const found = new Set([...(knownItems ?? []), ...(await itemsRepo.byIds(this.db, ids.filter((id) => !knownItems?.has(id)))).map((r) => r.id)]);
    ids.forEach((id, i) => {
      if (!found.has(id)) throw catalogErrors.unknownItem(`${prefix}/items/${i}/itemId`);
    });
    return { content: { ...input, regionCode }, department };
  }

  // ---- items: editing -------------------------------------------------------------------------

  async createItem(ctx: RequestContext, input: ItemContent, opts: { id?: string } = {}) {
    const actor = ctx.actor!;
    const v = await this.validateItem(input);
    assertManages(actor, v.department.id);
    const id = opts.id ?? randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await this.insertItemDraft(trx, ctx, id, v);
    });
    return this.adminItem(id);
  }

  private async insertItemDraft(trx: Db, ctx: RequestContext, id: string, v: ValidatedItem) {
    if (await itemsRepo.byCode(trx, v.implementationCode)) throw catalogErrors.codeTaken(v.implementationCode);
    await itemsRepo.insert(trx, {
      id,
      implementation_code: v.implementationCode,
      department_id: v.department.id,
      region_code: v.content.regionCode,
      name: v.content.name,
      draft: JSON.stringify(v.content),
      draft_updated_at: new Date(),
    });
    await recordAudit(trx, ctx, { action: 'catalog.item.create', entityType: 'catalog_item', entityId: id, detail: { implementationCode: v.implementationCode, name: v.content.name } });
  }

  async saveItemDraft(ctx: RequestContext, id: string, input: ItemContent) {
    const actor = ctx.actor!;
    const current = await itemsRepo.byId(this.db, id);
    if (!current) throw catalogErrors.itemNotFound();
    assertManages(actor, current.department_id);
    const v = await this.validateItem(input);
    assertManages(actor, v.department.id);
    await this.db.transaction().execute(async (trx) => {
      await this.updateItemDraft(trx, ctx, id, v);
    });
    return this.adminItem(id);
  }

  private async updateItemDraft(trx: Db, ctx: RequestContext, id: string, v: ValidatedItem, detail: Record<string, unknown> = {}) {
    const row = await itemsRepo.byIdForUpdate(trx, id);
    if (!row) throw catalogErrors.itemNotFound();
    const other = await itemsRepo.byCode(trx, v.implementationCode);
    if (other && other.id !== id) throw catalogErrors.codeTaken(v.implementationCode);
    await itemsRepo.update(trx, id, { draft: JSON.stringify(v.content), draft_updated_at: new Date(), name: row.latest_version ? row.name : v.content.name });
    await recordAudit(trx, ctx, {
      action: 'catalog.item.draft',
      entityType: 'catalog_item',
      entityId: id,
      detail: { name: v.content.name, changed: changedFields(row.draft ?? null, v.content as unknown as Record<string, unknown>), ...detail },
    });
  }

  async discardItemDraft(ctx: RequestContext, id: string) {
    const row = await itemsRepo.byId(this.db, id);
    if (!row) throw catalogErrors.itemNotFound();
    assertManages(ctx.actor!, row.department_id);
    if (!row.draft) throw catalogErrors.noDraft();
    if (!row.latest_version) throw catalogErrors.neverPublished();
    await this.db.transaction().execute(async (trx) => {
      await itemsRepo.update(trx, id, { draft: null, draft_updated_at: null });
      await recordAudit(trx, ctx, { action: 'catalog.item.discard_draft', entityType: 'catalog_item', entityId: id });
    });
    return this.adminItem(id);
  }

  async publishItem(ctx: RequestContext, id: string) {
    const row = await itemsRepo.byId(this.db, id);
    if (!row) throw catalogErrors.itemNotFound();
    assertManages(ctx.actor!, row.department_id);
    if (!row.draft) throw catalogErrors.nothingToPublish();
    const v = await this.validateItem(row.draft as unknown as ItemContent, 'draft');
    if (hasErrors(v.findings)) throw catalogErrors.lintErrors(v.findings);
    await this.db.transaction().execute(async (trx) => {
      const locked = await itemsRepo.byIdForUpdate(trx, id);
      if (!locked?.draft || iso(locked.draft_updated_at) !== iso(row.draft_updated_at))
        throw errors.conflict('CATALOG_DRAFT_CHANGED', '草稿已被他人修改，请刷新后再发布', 'The draft changed meanwhile; reload and publish again');
      const version = (locked.latest_version ?? 0) + 1;
      const previous = locked.status === 'published' && locked.latest_version ? await itemsRepo.version(trx, id, locked.latest_version) : undefined;
      const other = await itemsRepo.byCode(trx, v.implementationCode);
      if (other && other.id !== id) throw catalogErrors.codeTaken(v.implementationCode);
      await itemsRepo.insertVersion(trx, {
        item_id: id,
        version,
        implementation_code: v.implementationCode,
        content: JSON.stringify(v.content),
        findings: JSON.stringify(v.findings),
        published_by: ctx.actor?.kind === 'machine' ? null : (ctx.actor?.accountId ?? null),
      });
      await itemsRepo.update(trx, id, {
        status: 'published',
        latest_version: version,
        draft: null,
        draft_updated_at: null,
        implementation_code: v.implementationCode,
        name: v.content.name,
        department_id: v.department.id,
        region_code: v.content.regionCode,
        retired_at: null,
        retired_reason: null,
        ...countsOf(v.findings),
      });
      await searchRepo.upsert(trx, itemSearchRow(id, version, v.content, this.themeMap));
      if (previous) {
        const pc = previous.content as unknown as ItemContent;
        await suggestionsRepo.remove(trx, suggestionTexts('item', pc.name, pc.aliases).map((s) => s.text));
      }
      await suggestionsRepo.add(trx, suggestionTexts('item', v.content.name, v.content.aliases));
      await recordAudit(trx, ctx, {
        action: 'catalog.item.publish',
        entityType: 'catalog_item',
        entityId: id,
        detail: { version, implementationCode: v.implementationCode, warnings: countsOf(v.findings).lint_warnings },
      });
    });
    this.forget(id);
    return this.adminItem(id);
  }

  async retireItem(ctx: RequestContext, id: string, reason: string) {
    const row = await itemsRepo.byId(this.db, id);
    if (!row) throw catalogErrors.itemNotFound();
    assertManages(ctx.actor!, row.department_id);
    if (row.status === 'retired') throw catalogErrors.alreadyRetired();
    if (row.status !== 'published') throw catalogErrors.notPublished();
    await this.db.transaction().execute(async (trx) => {
      const bundles = await bundlesRepo.containing(trx, id);
      if (bundles.length) throw catalogErrors.inBundle(bundles.map((b) => b.name));
      const version = await itemsRepo.version(trx, id, row.latest_version!);
      await itemsRepo.update(trx, id, { status: 'retired', retired_at: new Date(), retired_reason: reason });
      await searchRepo.remove(trx, id);
      const c = version!.content as unknown as ItemContent;
      await suggestionsRepo.remove(trx, suggestionTexts('item', c.name, c.aliases).map((s) => s.text));
      await recordAudit(trx, ctx, { action: 'catalog.item.retire', entityType: 'catalog_item', entityId: id, detail: { version: row.latest_version, reason } });
    });
    this.forget(id);
    return this.adminItem(id);
  }

  // ---- items: reading -------------------------------------------------------------------------

  async adminItem(id: string) {
    const row = await itemsRepo.byId(this.db, id);
    if (!row) throw catalogErrors.itemNotFound();
    const versions = await itemsRepo.versions(this.db, id);
    const latest = row.latest_version ? await itemsRepo.version(this.db, id, row.latest_version) : undefined;
    let draftFindings: Finding[] = [];
    if (row.draft) {
      try {
        draftFindings = (await this.validateItem(row.draft as unknown as ItemContent, 'draft')).findings;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        draftFindings = (e.extra.findings as Finding[] | undefined) ?? [refusal(e)];
      }
    }
    return {
      id: row.id,
      implementationCode: row.implementation_code,
      name: row.name,
      departmentId: row.department_id,
      regionCode: row.region_code,
      status: row.status,
      latestVersion: row.latest_version,
      draft: row.draft,
      published: (latest?.content ?? null) as Record<string, unknown> | null,
      draftFindings,
      publishedFindings: (latest?.findings ?? []) as Finding[],
      versions: versions.map((v) => ({ version: v.version, publishedAt: iso(v.published_at)!, publishedBy: v.published_by })),
      retiredAt: iso(row.retired_at),
      retiredReason: row.retired_reason,
      updatedAt: iso(row.updated_at)!,
    };
  }

  async listAdmin(kind: 'item' | 'bundle', f: { department?: string; status?: string; q?: string; limit: number; offset: number }) {
    if (kind === 'item') {
      const rows = await itemsRepo.list(this.db, { departmentId: f.department, status: f.status, q: f.q, limit: f.limit, offset: f.offset });
      return rows.map((r) => ({
        id: r.id, kind, code: r.implementation_code, name: r.name, departmentId: r.department_id, regionCode: r.region_code, status: r.status,
        latestVersion: r.latest_version, hasDraft: r.has_draft, lintErrors: r.lint_errors, lintWarnings: r.lint_warnings, updatedAt: iso(r.updated_at)!,
      }));
    }
    const rows = await bundlesRepo.list(this.db, { departmentId: f.department, status: f.status, q: f.q, limit: f.limit, offset: f.offset });
    return rows.map((r) => ({
      id: r.id, kind, code: r.code, name: r.name, departmentId: r.lead_department_id, regionCode: r.region_code, status: r.status,
      latestVersion: r.latest_version, hasDraft: r.has_draft, lintErrors: r.lint_errors, lintWarnings: r.lint_warnings, updatedAt: iso(r.updated_at)!,
    }));
  }

  /** A published version of an item, for applications bound to (itemId, version). Issue 4 uses this. */
  async getPublishedVersion(itemId: string, version: number): Promise<ItemRecord | undefined> {
    const v = await itemsRepo.version(this.db, itemId, version);
    if (!v) return undefined;
    return { id: itemId, version, implementationCode: v.implementation_code, publishedAt: v.published_at, content: v.content as never, findings: v.findings as Finding[] };
  }

  /** The latest published version and whether the item is still offered (not retired). */
  async getLatestPublished(itemId: string): Promise<(ItemRecord & { retired: boolean }) | undefined> {
    const row = await itemsRepo.byId(this.db, itemId);
    if (!row?.latest_version) return undefined;
    const rec = await this.getPublishedVersion(itemId, row.latest_version);
    return rec && { ...rec, retired: row.status === 'retired' };
  }

  /**
   * The public guide (办事指南) of the latest version, serialised with its ETag; cached per
   * process (the latest version is looked up again after GUIDE_TTL_MS: other processes may publish).
   */
  async guide(id: string): Promise<GuideBytes> {
    const hit = this.guideCache.get(id);
    if (hit && Date.now() - hit.at < GUIDE_TTL_MS) {
      this.recordUse(id);
      return hit;
    }
    const row = await itemsRepo.byId(this.db, id);
    if (!row?.latest_version) throw catalogErrors.itemNotFound();
    const g = await this.guideVersion(id, row.latest_version, row.status === 'retired' ? { retiredAt: iso(row.retired_at), reason: row.retired_reason } : null);
    this.cacheGuide(id, g);
    this.recordUse(id);
    return g;
  }

  async guideVersion(id: string, version: number, retired?: { retiredAt: string | null; reason: string | null } | null): Promise<GuideBytes> {
    const key = `${id}@${version}`;
    if (retired === undefined) {
      // The content of a version never changes; its status fields (retired, latest) may, so
      // other processes' copies are refreshed now and then.
      const hit = this.guideCache.get(key);
      if (hit && Date.now() - hit.at < VERSION_TTL_MS) return hit;
    }
    const rec = await this.getPublishedVersion(id, version);
    if (!rec) throw catalogErrors.versionNotFound();
    if (retired === undefined) {
      const row = await itemsRepo.byId(this.db, id);
      retired = row?.status === 'retired' ? { retiredAt: iso(row.retired_at), reason: row.retired_reason } : null;
      return this.cacheGuide(key, guideBytes(await this.presentItem(rec, retired, row?.latest_version ?? version)));
    }
    return guideBytes(await this.presentItem(rec, retired, version));
  }

  private async presentItem(rec: ItemRecord, retired: { retiredAt: string | null; reason: string | null } | null, latestVersion: number) {
    await this.vocab();
    const c = rec.content;
    const dept = await this.department(c.departmentId);
    const deptName = async (id?: string) => (id ? ((await this.department(id))?.name ?? id) : (dept?.name ?? c.departmentId));
    const stages = [];
    for (const s of c.process.stages) {
      stages.push({
        ...s,
        roleLabel: label(V.STAGE_ROLES[s.role]),
        kindLabel: label(V.STAGE_KINDS[s.kind]),
        departmentName: await deptName(s.department),
        ...(s.departments ? { departmentNames: await Promise.all(s.departments.map((d) => deptName(d))) } : {}),
      });
    }
    const materials = c.materials.map((m) => ({
      ...m,
      exempt: m.source.kind !== 'applicant',
      sourceLabel: label(V.MATERIAL_SOURCES[m.source.kind]),
      formatLabel: label(V.MATERIAL_FORMATS[m.format]),
      reuseGradeLabel: label(V.REUSE_GRADES[m.reuseGrade]),
      ...(m.source.kind === 'elicence' ? { licenceTypeLabel: V.KNOWN_LICENCE_TYPES[m.source.licenceType] ?? null } : {}),
    }));
    return {
      kind: 'item',
      id: rec.id,
      version: rec.version,
      latestVersion,
      isLatest: rec.version === latestVersion,
      status: retired ? 'retired' : 'published',
      retired,
      publishedAt: rec.publishedAt.toISOString?.() ?? String(rec.publishedAt),
      implementationCode: rec.implementationCode,
      basicCode: c.basicCode,
      handlingItem: c.handlingItem,
      name: c.name,
      aliases: c.aliases,
      itemType: { code: c.itemType, ...label(V.ITEM_TYPES[c.itemType]) },
      serviceObjects: c.serviceObjects.map((o) => ({ code: o, ...label(V.SERVICE_OBJECTS[o]) })),
      department: dept
        ? { id: dept.id, code: dept.code, name: dept.name, nameEn: dept.nameEn, kind: { code: dept.kind, ...label(V.DEPARTMENT_KINDS[dept.kind]) } }
        : { id: c.departmentId, code: null, name: c.departmentId, nameEn: null, kind: null },
      region: { code: c.regionCode, name: getRegion(c.regionCode)?.fullName ?? c.regionCode },
      powerSource: { code: c.powerSource, ...label(V.POWER_SOURCES[c.powerSource]) },
      legalLimit: c.legalLimit,
      promisedLimit: c.promisedLimit,
      handlingKind: { code: c.handlingKind, ...label(V.HANDLING_KINDS[c.handlingKind]) },
      specialProcedures: c.specialProcedures,
      visits: c.visits,
      visitsReason: c.visitsReason ?? null,
      onlineDepth: { level: c.onlineDepth, ...label(V.ONLINE_DEPTHS[c.onlineDepth as 1 | 2 | 3 | 4]) },
      expressDelivery: c.expressDelivery,
      onlinePayment: c.onlinePayment,
      free: c.fees.length === 0,
      fees: c.fees,
      crossProvince: {
        ...c.crossProvince,
        regionNames: c.crossProvince.regions.map((r) => getRegion(r)?.fullName ?? r),
        wayLabels: c.crossProvince.ways.map((w) => label(V.CROSS_PROVINCE_WAYS[w])),
      },
      conditions: c.conditions,
      legalBasis: c.legalBasis,
      faq: c.faq,
      themes: c.themes.map((t) => ({ code: t, name: this.themeMap.get(t)?.name ?? t })),
      result: { ...c.result, kindLabel: label(V.RESULT_KINDS[c.result.kind]), licenceTypeLabel: c.result.licenceType ? (V.KNOWN_LICENCE_TYPES[c.result.licenceType] ?? null) : null },
      materials,
      materialCount: materials.length,
      exemptCount: materials.filter((m) => m.exempt).length,
      form: c.form,
      process: { stages, payment: c.process.payment, totalBudgetDays: c.process.stages.reduce((n, s) => n + s.budgetDays, 0) + (c.process.payment?.budgetDays ?? 0) },
      window: c.window ?? null,
      accuracy: { errors: rec.findings.filter((f) => f.severity === 'error').length, warnings: rec.findings.filter((f) => f.severity === 'warning').length, findings: rec.findings },
    };
  }

  // ---- bundles --------------------------------------------------------------------------------

  /** Published versions of the bundle's items, the derived data and the findings. */
  private async bundleFindings(b: BundleContent): Promise<{ findings: Finding[]; derived: BundleDerived; items: Map<string, BundleItem>; rows: Map<string, { status: string }> }> {
    const ids = b.items.map((i) => i.itemId);
    const latest = await itemsRepo.latestVersions(this.db, ids);
    const items = new Map<string, BundleItem>();
    const facts = new Map<string, BundleItemFacts>();
    const rows = new Map<string, { status: string }>();
    for (const l of latest) {
      rows.set(l.item_id, { status: l.status });
      const content = l.content as unknown as ItemContent;
      const published = l.status === 'published';
      facts.set(l.item_id, { published, hasErrors: hasErrors(l.findings as Finding[]), serviceObjects: content.serviceObjects });
      if (published) items.set(l.item_id, { id: l.item_id, version: l.version, content });
    }
    const { derived, findings: derivedFindings } = deriveBundle(b, items);
    return { findings: lintBundle(b, facts, derivedFindings), derived, items, rows };
  }

  async createBundle(ctx: RequestContext, input: BundleContent, opts: { id?: string } = {}) {
    const v = await this.validateBundle(input);
    assertManages(ctx.actor!, v.department.id);
    const id = opts.id ?? randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await this.insertBundleDraft(trx, ctx, id, v);
    });
    return this.adminBundle(id);
  }

  private async insertBundleDraft(trx: Db, ctx: RequestContext, id: string, v: ValidatedBundle) {
    if (await bundlesRepo.byCode(trx, v.content.code)) throw catalogErrors.bundleCodeTaken();
    await bundlesRepo.insert(trx, {
      id,
      code: v.content.code,
      lead_department_id: v.department.id,
      region_code: v.content.regionCode,
      name: v.content.name,
      draft: JSON.stringify(v.content),
      draft_updated_at: new Date(),
    });
    await recordAudit(trx, ctx, { action: 'catalog.bundle.create', entityType: 'catalog_bundle', entityId: id, detail: { code: v.content.code, name: v.content.name } });
  }

  async saveBundleDraft(ctx: RequestContext, id: string, input: BundleContent) {
    const row = await bundlesRepo.byId(this.db, id);
    if (!row) throw catalogErrors.bundleNotFound();
    assertManages(ctx.actor!, row.lead_department_id);
    const v = await this.validateBundle(input);
    assertManages(ctx.actor!, v.department.id);
    await this.db.transaction().execute(async (trx) => this.updateBundleDraft(trx, ctx, id, v));
    return this.adminBundle(id);
  }

  private async updateBundleDraft(trx: Db, ctx: RequestContext, id: string, v: ValidatedBundle, detail: Record<string, unknown> = {}) {
    const row = await bundlesRepo.byIdForUpdate(trx, id);
    if (!row) throw catalogErrors.bundleNotFound();
    const other = await bundlesRepo.byCode(trx, v.content.code);
    if (other && other.id !== id) throw catalogErrors.bundleCodeTaken();
    await bundlesRepo.update(trx, id, { draft: JSON.stringify(v.content), draft_updated_at: new Date(), name: row.latest_version ? row.name : v.content.name });
    await recordAudit(trx, ctx, {
      action: 'catalog.bundle.draft',
      entityType: 'catalog_bundle',
      entityId: id,
      detail: { name: v.content.name, changed: changedFields(row.draft ?? null, v.content as unknown as Record<string, unknown>), ...detail },
    });
  }

  async discardBundleDraft(ctx: RequestContext, id: string) {
    const row = await bundlesRepo.byId(this.db, id);
    if (!row) throw catalogErrors.bundleNotFound();
    assertManages(ctx.actor!, row.lead_department_id);
    if (!row.draft) throw catalogErrors.noDraft();
    if (!row.latest_version) throw catalogErrors.neverPublished();
    await this.db.transaction().execute(async (trx) => {
      await bundlesRepo.update(trx, id, { draft: null, draft_updated_at: null });
      await recordAudit(trx, ctx, { action: 'catalog.bundle.discard_draft', entityType: 'catalog_bundle', entityId: id });
    });
    return this.adminBundle(id);
  }

  async publishBundle(ctx: RequestContext, id: string) {
    const row = await bundlesRepo.byId(this.db, id);
    if (!row) throw catalogErrors.bundleNotFound();
    assertManages(ctx.actor!, row.lead_department_id);
    if (!row.draft) throw catalogErrors.nothingToPublish();
    const v = await this.validateBundle(row.draft as unknown as BundleContent, 'draft');
    const { findings, derived, items } = await this.bundleFindings(v.content);
    if (hasErrors(findings)) throw catalogErrors.lintErrors(findings);
    await this.db.transaction().execute(async (trx) => {
      const locked = await bundlesRepo.byIdForUpdate(trx, id);
      if (!locked?.draft || iso(locked.draft_updated_at) !== iso(row.draft_updated_at))
        throw errors.conflict('CATALOG_DRAFT_CHANGED', '草稿已被他人修改，请刷新后再发布', 'The draft changed meanwhile; reload and publish again');
      // The items must still be the versions the derivation used.
      const now = await itemsRepo.byIds(trx, [...items.keys()]);
      if (now.some((i) => i.status !== 'published' || i.latest_version !== items.get(i.id)!.version))
        throw errors.conflict('CATALOG_DRAFT_CHANGED', '所含事项已变化，请重试', 'An item of the bundle changed meanwhile; try again');
      const version = (locked.latest_version ?? 0) + 1;
      const previous = locked.status === 'published' && locked.latest_version ? await bundlesRepo.version(trx, id, locked.latest_version) : undefined;
      await bundlesRepo.insertVersion(trx, {
        bundle_id: id,
        version,
        content: JSON.stringify({ ...v.content, derived }),
        findings: JSON.stringify(findings),
        published_by: ctx.actor?.kind === 'machine' ? null : (ctx.actor?.accountId ?? null),
      });
      await bundlesRepo.update(trx, id, {
        status: 'published',
        latest_version: version,
        draft: null,
        draft_updated_at: null,
        code: v.content.code,
        name: v.content.name,
        lead_department_id: v.department.id,
        region_code: v.content.regionCode,
        retired_at: null,
        retired_reason: null,
        ...countsOf(findings),
      });
      await bundlesRepo.setItems(trx, id, [...items.keys()]);
      const itemInfo = v.content.items.map((i) => {
        const c = items.get(i.itemId)!.content;
        return { name: c.name, onlineDepth: c.onlineDepth, crossProvince: c.crossProvince.mode !== 'none' };
      });
      await searchRepo.upsert(trx, bundleSearchRow(id, version, v.content, derived, itemInfo, this.themeMap));
      if (previous) {
        const pc = previous.content as unknown as BundleContent;
        await suggestionsRepo.remove(trx, suggestionTexts('bundle', pc.name, pc.aliases).map((s) => s.text));
      }
      await suggestionsRepo.add(trx, suggestionTexts('bundle', v.content.name, v.content.aliases));
      await recordAudit(trx, ctx, {
        action: 'catalog.bundle.publish',
        entityType: 'catalog_bundle',
        entityId: id,
        detail: { version, code: v.content.code, promisedDays: derived.timing.promisedDays, itemVersions: derived.itemVersions },
      });
    });
    this.forget(id);
    return this.adminBundle(id);
  }

  async retireBundle(ctx: RequestContext, id: string, reason: string) {
    const row = await bundlesRepo.byId(this.db, id);
    if (!row) throw catalogErrors.bundleNotFound();
    assertManages(ctx.actor!, row.lead_department_id);
    if (row.status === 'retired') throw catalogErrors.alreadyRetired();
    if (row.status !== 'published') throw catalogErrors.notPublished();
    await this.db.transaction().execute(async (trx) => {
      const version = await bundlesRepo.version(trx, id, row.latest_version!);
      await bundlesRepo.update(trx, id, { status: 'retired', retired_at: new Date(), retired_reason: reason });
      await bundlesRepo.setItems(trx, id, []);
      await searchRepo.remove(trx, id);
      const c = version!.content as unknown as BundleContent;
      await suggestionsRepo.remove(trx, suggestionTexts('bundle', c.name, c.aliases).map((s) => s.text));
      await recordAudit(trx, ctx, { action: 'catalog.bundle.retire', entityType: 'catalog_bundle', entityId: id, detail: { version: row.latest_version, reason } });
    });
    this.forget(id);
    return this.adminBundle(id);
  }

  async adminBundle(id: string) {
    const row = await bundlesRepo.byId(this.db, id);
    if (!row) throw catalogErrors.bundleNotFound();
    const versions = await bundlesRepo.versions(this.db, id);
    const latest = row.latest_version ? await bundlesRepo.version(this.db, id, row.latest_version) : undefined;
    let draftFindings: Finding[] = [];
    let draftDerived: Record<string, unknown> | null = null;
    if (row.draft) {
      try {
        const v = await this.validateBundle(row.draft as unknown as BundleContent, 'draft');
        const r = await this.bundleFindings(v.content);
        draftFindings = r.findings;
        draftDerived = r.derived as unknown as Record<string, unknown>;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        draftFindings = (e.extra.findings as Finding[] | undefined) ?? [refusal(e)];
      }
    }
    return {
      id: row.id,
      code: row.code,
      name: row.name,
      leadDepartmentId: row.lead_department_id,
      regionCode: row.region_code,
      status: row.status,
      latestVersion: row.latest_version,
      draft: row.draft,
      published: latest ? (({ derived: _derived, ...rest }) => rest)(latest.content as unknown as Record<string, unknown>) : null,
      draftFindings,
      draftDerived,
      publishedFindings: (latest?.findings ?? []) as Finding[],
      versions: versions.map((v) => ({ version: v.version, publishedAt: iso(v.published_at)!, publishedBy: v.published_by })),
      retiredAt: iso(row.retired_at),
      retiredReason: row.retired_reason,
      updatedAt: iso(row.updated_at)!,
    };
  }

  /** A published bundle version with the item versions it pinned. Issue 4 uses this. */
  async getPublishedBundleVersion(bundleId: string, version: number): Promise<BundleRecord | undefined> {
    const v = await bundlesRepo.version(this.db, bundleId, version);
    if (!v) return undefined;
    const { derived, ...content } = v.content as unknown as BundleContent & { regionCode: string; derived: BundleDerived };
    return { id: bundleId, version, publishedAt: v.published_at, content, derived, findings: v.findings as Finding[] };
  }

  /** The latest published version of a bundle and whether it is still offered. Issue 4 uses this. */
  async getLatestPublishedBundle(bundleId: string): Promise<{ version: number; retired: boolean } | undefined> {
    const row = await bundlesRepo.byId(this.db, bundleId);
    return row?.latest_version ? { version: row.latest_version, retired: row.status === 'retired' } : undefined;
  }

  async bundleGuide(id: string): Promise<GuideBytes> {
    const hit = this.guideCache.get(id);
    if (hit && Date.now() - hit.at < GUIDE_TTL_MS) {
      this.recordUse(id);
      return hit;
    }
    const row = await bundlesRepo.byId(this.db, id);
    if (!row?.latest_version) throw catalogErrors.bundleNotFound();
    const g = await this.bundleGuideVersion(id, row.latest_version, true);
    this.cacheGuide(id, g);
    this.recordUse(id);
    return g;
  }

  /** A published version of a bundle's guide; cached like an item's (`fresh` skips the cached copy). */
  async bundleGuideVersion(id: string, version: number, fresh = false): Promise<GuideBytes> {
    const key = `${id}@${version}`;
    const hit = fresh ? undefined : this.guideCache.get(key);
    if (hit && Date.now() - hit.at < VERSION_TTL_MS) return hit;
    return this.cacheGuide(key, guideBytes(await this.presentBundle(id, version)));
  }

  private async presentBundle(id: string, version: number) {
    const rec = await this.getPublishedBundleVersion(id, version);
    if (!rec) throw catalogErrors.versionNotFound();
    const row = await bundlesRepo.byId(this.db, id);
    await this.vocab();
    const b = rec.content;
    const items = [];
    for (const it of b.items) {
      const iv = rec.derived.itemVersions[it.itemId];
      const r = iv ? await this.getPublishedVersion(it.itemId, iv) : undefined;
      const d = r ? await this.department(r.content.departmentId) : undefined;
      items.push({
        id: it.itemId,
        version: iv ?? null,
        note: it.note ?? null,
        name: r?.content.name ?? it.itemId,
        department: d ? { id: d.id, name: d.name } : null,
        promisedDays: r?.content.promisedLimit.days ?? null,
        legalDays: r?.content.legalLimit.days ?? null,
        onlineDepth: r?.content.onlineDepth ?? null,
        result: r?.content.result ?? null,
        startsAfterDays: rec.derived.timing.startDays[it.itemId] ?? 0,
        onCriticalPath: rec.derived.timing.criticalPath.includes(it.itemId),
      });
    }
    const lead = await this.department(b.leadDepartmentId);
    return {
      kind: 'bundle',
      id,
      version,
      latestVersion: row?.latest_version ?? version,
      status: row?.status === 'retired' ? 'retired' : 'published',
      publishedAt: rec.publishedAt.toISOString?.() ?? String(rec.publishedAt),
      code: b.code,
      name: b.name,
      aliases: b.aliases,
      description: b.description,
      themes: b.themes.map((t) => ({ code: t, name: this.themeMap.get(t)?.name ?? t })),
      serviceObjects: b.serviceObjects.map((o) => ({ code: o, ...label(V.SERVICE_OBJECTS[o]) })),
      leadDepartment: lead ? { id: lead.id, name: lead.name } : { id: b.leadDepartmentId, name: b.leadDepartmentId },
      region: { code: b.regionCode, name: getRegion(b.regionCode)?.fullName ?? b.regionCode },
      denialPolicy: { code: b.denialPolicy, ...label(V.DENIAL_POLICIES[b.denialPolicy]) },
      items,
      dependencies: b.dependencies,
      timing: rec.derived.timing,
      mergedForm: rec.derived.mergedForm,
      materials: rec.derived.materials,
      stats: rec.derived.stats,
      accuracy: { errors: rec.findings.filter((f) => f.severity === 'error').length, warnings: rec.findings.filter((f) => f.severity === 'warning').length, findings: rec.findings },
    };
  }

  async publishedBundles() {
    const rows = await bundlesRepo.list(this.db, { status: 'published', limit: 200, offset: 0 });
    const out = [];
    for (const r of rows) {
      const v = await bundlesRepo.version(this.db, r.id, r.latest_version!);
      const c = v!.content as unknown as BundleContent & { derived: BundleDerived };
      out.push({ id: r.id, code: r.code, name: r.name, version: r.latest_version!, themes: c.themes, serviceObjects: c.serviceObjects, items: c.items.length,
        promisedDays: c.derived.timing.promisedDays, sumPromisedDays: c.derived.timing.sumPromisedDays, uses: r.use_count });
    }
    return out.sort((a, b) => b.uses - a.uses || a.name.localeCompare(b.name, 'zh'));
  }

  // ---- search ---------------------------------------------------------------------------------

  async search(p: SearchParams) {
    await this.vocab();
    const filters: SearchFilters = {
      departmentId: p.department,
      itemType: p.type,
      object: p.object,
      theme: p.theme,
      crossProvince: p.crossProvince,
      minDepth: p.depth,
      kind: p.type === 'bundle' ? 'bundle' : p.kind,
    };
    let regionDigits = 2;
    if (p.region) {
      // Entries serving a region: its own, its ancestors' (a province's item serves its cities) and its subtree's.
      // Listed code by code (entries' regions are validated against the same code list), so
      // that the (doc_id, region_code) index answers it for each matching text.
      filters.region = { codes: regionCodes(p.region) };
      regionDigits = p.region.endsWith('0000') ? 4 : 6;
    }
    let compiled = this.compiled(p.q, false);
    let relaxed = false;
    const run = (c: typeof compiled) =>
      Promise.all([
        searchRepo.page(this.db, { terms: c.codes, words: c.parsed.terms.map((t) => t.alternatives), filters, q: normalize(p.q), limit: p.limit, offset: p.offset }),
        p.facets ? this.facets(c.codes, filters, regionDigits) : Promise.resolve(null),
      ]);
    let [hits, facetResult] = await run(compiled);
    const filtered = Object.values(filters).some((v) => v !== undefined);
    // Relaxing is for a bare query; with filters the person asked for exactly that (and a retry
    // over every filtered match would double the cost of an empty answer).
    if (hits.length === 0 && p.offset === 0 && compiled.codes.length > 1 && !filtered) {
      // Nothing has every word: show what has some of them, and say so.
      relaxed = true;
      compiled = this.compiled(p.q, true);
      [hits, facetResult] = await run(compiled);
    }
    const depts = await this.departmentsById();
    // A page often holds several entries of one text (the same item in several regions): each
    // name and snippet is highlighted once per request.
    const marked = new Map<string, string>();
    const mark = (text: string) => {
      let html = marked.get(text);
      if (html === undefined) marked.set(text, (html = highlight(text, compiled.words)));
      return html;
    };
    const facet = (f: string) => (facetResult?.rows ?? []).filter((r) => r.f === f);
    const total = facetResult ? (facet('total')[0]?.n ?? 0) : hits.length + p.offset;
    const labelOf = (f: string, v: string): string => {
      switch (f) {
        case 'department': return depts.get(v)?.name ?? v;
        case 'region': return getRegion(v)?.fullName ?? v;
        case 'type': return v === 'bundle' ? '一件事' : (V.ITEM_TYPES[v as V.ItemType]?.zh ?? v);
        case 'object': return V.SERVICE_OBJECTS[v as V.ServiceObject]?.zh ?? v;
        case 'theme': return this.themeMap.get(v)?.name ?? v;
        case 'depth': return V.ONLINE_DEPTHS[Number(v) as 1]?.zh ?? v;
        case 'crossProvince': return v === 'true' ? '跨省通办' : '非跨省通办';
        default: return v;
      }
    };
    const facetList = (f: string) => facet(f).map((r) => ({ value: r.v ?? '', label: labelOf(f, r.v ?? ''), count: r.n })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return {
      query: { q: p.q, terms: compiled.parsed.terms.map((t) => t.alternatives), relaxed },
      total,
      totalExact: facetResult ? facetResult.totalExact : false,
      facetsExact: facetResult ? facetResult.facetsExact : false,
      items: hits.map((h) => this.presentHit(h, compiled.words, depts, mark)),
      facets: {
        department: facetList('department'),
        region: facetList('region'),
        type: facetList('type'),
        object: facetList('object'),
        theme: facetList('theme'),
        depth: facetList('depth'),
        crossProvince: facetList('crossProvince'),
      },
    };
  }

  /**
   * Totals and facet counts change only when something is published or retired; they are kept
   * for FACET_TTL_MS per query and filters (dropped at once when this process publishes or
   * retires; another process's change shows within the TTL). The page of hits is never cached.
   */
  private async facets(terms: number[][][], filters: SearchFilters, regionDigits: number) {
    const key = JSON.stringify([terms, filters, regionDigits]);
    const hit = this.facetCache.get(key);
    if (hit && Date.now() - hit.at < FACET_TTL_MS) return hit.value;
    const value = await searchRepo.facets(this.db, { terms, filters, cap: SEARCH_CAP, regionDigits });
    if (this.facetCache.size >= FACET_CACHE_SIZE) this.facetCache.delete(this.facetCache.keys().next().value!);
    this.facetCache.set(key, { at: Date.now(), value });
    return value;
  }

  /**
   * A query parsed and compiled, kept per process (parsing runs the segmenter and the synonym
   * dictionary); dropped when the synonyms are reloaded. Bounded: the oldest go first.
   */
  private compiled(q: string, relaxed: boolean) {
    if (this.compiledFor !== this.synonymMap) {
      this.compiledCache.clear();
      this.compiledFor = this.synonymMap;
    }
    const key = `${relaxed ? 1 : 0}${q}`;
    let c = this.compiledCache.get(key);
    if (!c) {
      c = compileQuery(q, this.synonymMap, relaxed);
      if (this.compiledCache.size >= COMPILED_CACHE_SIZE) this.compiledCache.delete(this.compiledCache.keys().next().value!);
      this.compiledCache.set(key, c);
    }
    return c;
  }

  private presentHit(h: SearchHit, words: string[], depts: Map<string, Department>, mark: (text: string) => string) {
    const matches = h.snippet
      .split('、')
      .filter((s, i, all) => {
        if (!s || all.indexOf(s) !== i) return false;
        const n = normalize(s);
        return words.some((w) => n.includes(w));
      })
      .slice(0, 3)
      .map(mark);
    return {
      id: h.entity_id,
      kind: h.kind,
      version: h.version,
      name: h.name,
      highlight: { name: mark(h.name), matches },
      departmentId: h.department_id,
      departmentName: depts.get(h.department_id)?.name ?? '',
      regionCode: h.region_code,
      itemType: h.item_type,
      itemTypeLabel: h.item_type === 'bundle' ? '一件事' : (V.ITEM_TYPES[h.item_type as V.ItemType]?.zh ?? h.item_type),
      serviceObjects: h.service_objects,
      themes: h.themes,
      onlineDepth: h.depth,
      crossProvince: h.cross_province,
      promisedDays: h.promised_days,
      materialCount: h.material_count,
      exemptCount: h.exempt_count,
      uses: Number(h.use_count),
    };
  }

  /** Suggestions as you type: names and aliases containing what was typed, synonyms followed. */
  async suggest(q: string, limit: number) {
    await this.vocab();
    const text = normalize(q);
    if (!text) return { q, suggestions: [] };
    const alternatives = new Set<string>([text]);
    for (const [term, alts] of this.synonymMap) if (term.startsWith(text) || text.startsWith(term)) alts.forEach((a) => alternatives.add(a));
    const codes = [...alternatives].map(queryCodes).filter((c) => c.length);
    const rows = await suggestionsRepo.find(this.db, codes, text, limit);
    const words = [...alternatives];
    const out = rows.map((r) => ({ text: r.text, kind: r.kind, highlight: highlight(r.text, words) }));
    // Life events people type (生孩子 → 出生) as theme suggestions.
    for (const t of this.themeMap.values()) {
      if (out.length >= limit) break;
      if ([t.name, ...t.keywords].some((k) => k.includes(text)) && !out.some((o) => o.text === t.name)) out.push({ text: t.name, kind: 'theme', highlight: escapeHtml(t.name) });
    }
    return { q, suggestions: out.slice(0, limit) };
  }

  async themes() {
    await this.vocab();
    if (!this.themeCountCache || Date.now() - this.themeCountCache.at > VOCAB_TTL_MS) {
      this.themeCountCache = { at: Date.now(), value: new Map((await searchRepo.themeCounts(this.db)).map((r) => [r.theme, r.n])) };
    }
    const counts = this.themeCountCache.value;
    return [...this.themeMap.values()].map((t) => ({ ...t, count: counts.get(t.code) ?? 0 }));
  }

  vocabulary() {
    const table = (o: Record<string, V.Label>) => Object.entries(o).map(([code, l]) => ({ code, zh: l.zh, en: l.en }));
    return {
      itemTypes: Object.entries(V.ITEM_TYPES).map(([code, t]) => ({ code, zh: t.zh, en: t.en, powerCode: t.powerCode })),
      serviceObjects: table(V.SERVICE_OBJECTS),
      departmentKinds: table(V.DEPARTMENT_KINDS),
      powerSources: table(V.POWER_SOURCES),
      handlingKinds: table(V.HANDLING_KINDS),
      onlineDepths: table(V.ONLINE_DEPTHS),
      materialFormats: table(V.MATERIAL_FORMATS),
      materialSources: table(V.MATERIAL_SOURCES),
      reuseGrades: table(V.REUSE_GRADES),
      resultKinds: table(V.RESULT_KINDS),
      stageRoles: table(V.STAGE_ROLES),
      stageKinds: table(V.STAGE_KINDS),
      crossProvinceWays: table(V.CROSS_PROVINCE_WAYS),
      denialPolicies: table(V.DENIAL_POLICIES),
      licenceTypes: table(V.KNOWN_LICENCE_TYPES),
      rules: Object.entries(RULES as Record<string, { severity: string; zh: string; en: string }>).map(([code, r]) => ({ code, severity: r.severity, zh: r.zh, en: r.en })),
    };
  }

  async accuracy() {
    const [rows, rules, depts] = await Promise.all([accuracyRepo.byDepartment(this.db), accuracyRepo.rules(this.db), this.departmentsById()]);
    const n = rows.reduce((s, r) => s + r.entries, 0);
    const sum = rows.reduce((s, r) => s + r.score_sum, 0);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      score: n ? round(sum / n) : 100,
      items: n - rows.reduce((s, r) => s + r.bundles, 0),
      bundles: rows.reduce((s, r) => s + r.bundles, 0),
      withErrors: rows.reduce((s, r) => s + r.with_errors, 0),
      withWarnings: rows.reduce((s, r) => s + r.with_warnings, 0),
      rules: rules.map((r) => ({ rule: r.rule, count: r.n })),
      departments: rows
        .map((r) => ({ departmentId: r.department_id, name: depts.get(r.department_id)?.name ?? r.department_id, score: round(r.score_sum / r.entries), items: r.entries, withErrors: r.with_errors, withWarnings: r.with_warnings }))
        .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name, 'zh')),
    };
  }

  /** Re-runs the linter on every published version (after the rules changed) and stores the counts. */
  async relint(ctx: RequestContext) {
    let after = '00000000-0000-0000-0000-000000000000';
    let items = 0;
    let changed = 0;
    for (;;) {
      const page = await itemsRepo.publishedIdsPage(this.db, after, 500);
      if (!page.length) break;
      after = page[page.length - 1].id;
      const versions = await itemsRepo.latestVersions(this.db, page.map((p) => p.id));
      const updates = versions.map((v) => ({ id: v.item_id, counts: countsOf(lintItem(v.content as unknown as ItemContent & { regionCode: string })) }));
      const current = new Map((await itemsRepo.byIds(this.db, page.map((p) => p.id))).map((r) => [r.id, r]));
      await this.db.transaction().execute(async (trx) => {
        for (const u of updates) {
          const c = current.get(u.id)!;
          if (c.lint_errors !== u.counts.lint_errors || c.lint_warnings !== u.counts.lint_warnings) {
            changed++;
            await itemsRepo.update(trx, u.id, u.counts);
          }
        }
      });
      items += page.length;
    }
    await this.db.transaction().execute(async (trx) => {
      await recordAudit(trx, ctx, { action: 'catalog.relint', entityType: 'catalog', detail: { items, changed } });
    });
    return { items, changed };
  }

  // ---- synonyms -------------------------------------------------------------------------------

  async synonyms() {
    await this.vocab(true);
    return this.synonymGroups;
  }

  async replaceSynonyms(ctx: RequestContext, groups: SynonymGroup[]) {
    await this.db.transaction().execute(async (trx) => {
      await vocabRepo.replaceSynonyms(trx, groups.map((g) => ({ kind: g.kind, terms: g.terms.map((t) => t.trim()) })));
      await recordAudit(trx, ctx, { action: 'catalog.synonyms.replace', entityType: 'catalog_synonyms', detail: { groups: groups.length } });
    });
    await this.vocab(true);
    return this.synonymGroups;
  }

  // ---- packages -------------------------------------------------------------------------------

  private signingKey(): Promise<SigningKey> {
    this.keyPromise ??= (async () => {
      let row = await vocabRepo.meta(this.db, SIGNING_KEY);
      if (!row) {
        await vocabRepo.insertMetaIfAbsent(this.db, SIGNING_KEY, newSigningKey());
        row = await vocabRepo.meta(this.db, SIGNING_KEY); // another process may have won the race
      }
      return loadSigningKey(row!.value as { privatePkcs8: string; publicSpki: string });
    })();
    this.keyPromise.catch(() => (this.keyPromise = undefined));
    return this.keyPromise;
  }

  async publicKey() {
    const k = await this.signingKey();
    return { alg: 'Ed25519', keyId: k.keyId, publicKey: k.publicKeyDer, node: this.node.name, regionCode: this.node.regionCode };
  }

  async exportPackage(ctx: RequestContext, input: { name: string; version: string; items: string[]; bundles: string[] }): Promise<CatalogPackage> {
    if (!input.items.length && !input.bundles.length) throw catalogErrors.emptyExport();
    const depts = await this.departmentsById(true);
    const bundleEntries: { ref: string; sourceVersion: number; content: BundleContent }[] = [];
    const itemIds = new Set(input.items);
    for (const [i, id] of input.bundles.entries()) {
      const row = await bundlesRepo.byId(this.db, id);
      if (!row?.latest_version || row.status !== 'published') throw errors.invalid('PACKAGE_ENTRY_NOT_PUBLISHED', `body/bundles/${i}`, '只能导出已发布的一件事', 'Only published bundles can be exported');
      const rec = (await this.getPublishedBundleVersion(id, row.latest_version))!;
      rec.content.items.forEach((it) => itemIds.add(it.itemId));
      bundleEntries.push({ ref: `bundle:${rec.content.code}`, sourceVersion: rec.version, content: rec.content });
    }
    // Entries are referred to by their codes: ids mean nothing in another node.
    const items: { ref: string; sourceVersion: number; content: ItemContent }[] = [];
    const refOf = new Map<string, string>();
    for (const [i, id] of [...itemIds].entries()) {
      const rec = await this.getLatestPublished(id);
      if (!rec || rec.retired) throw errors.invalid('PACKAGE_ENTRY_NOT_PUBLISHED', `body/items/${Math.min(i, input.items.length - 1)}`, '只能导出已发布的事项', 'Only published items can be exported');
      refOf.set(id, `item:${rec.implementationCode}`);
      items.push({ ref: refOf.get(id)!, sourceVersion: rec.version, content: rec.content });
    }
    const used = new Set<string>();
    const code = (id: string) => {
      const d = depts.get(id);
      if (!d) throw catalogErrors.unknownDepartment('body');
      used.add(d.id);
      return d.code;
    };
    const body = {
      format: PACKAGE_FORMAT,
      formatVersion: PACKAGE_FORMAT_VERSION,
      id: randomUUID(),
      name: input.name,
      version: input.version,
      createdAt: new Date().toISOString(),
      source: { node: this.node.name, regionCode: this.node.regionCode },
      items: items.map((it) => ({ ref: it.ref, sourceVersion: it.sourceVersion, content: mapItemDepartments(it.content, code) as unknown as Record<string, unknown> })),
      bundles: bundleEntries.map((b) => ({
        ref: b.ref,
        sourceVersion: b.sourceVersion,
        content: mapBundleRefs(b.content, code, (id) => refOf.get(id)!, (r) => r) as unknown as Record<string, unknown>,
      })),
      departments: [] as PackageDepartment[],
    } satisfies Omit<CatalogPackage, 'signature'>;
    body.departments = [...used].map((id) => depts.get(id)!).map((d) => ({ code: d.code, name: d.name, kind: d.kind, regionCode: d.regionCode }));
    const pkg = signPackage(body, await this.signingKey());
    await this.db.transaction().execute(async (trx) => {
      await recordAudit(trx, ctx, {
        action: 'catalog.package.export',
        entityType: 'catalog_package',
        entityId: pkg.id,
        detail: { name: pkg.name, version: pkg.version, items: pkg.items.length, bundles: pkg.bundles.length },
      });
    });
    return pkg;
  }

  /**
   * Imports a package: verify, remap departments and regions, validate every entry, then write
   * drafts (new items or new drafts of the matching ones) in ONE transaction. With `dryRun`
   * nothing is written and the same plan is returned as a preview.
   */
  async importPackage(ctx: RequestContext, input: ImportInput, dryRun: boolean) {
    const actor = ctx.actor!;
    const bytes = Buffer.byteLength(JSON.stringify(input.package));
    if (bytes > PACKAGE_MAX_BYTES) throw catalogErrors.packageTooLarge(bytes, PACKAGE_MAX_BYTES);
    const pkg = input.package as unknown as CatalogPackage;
    if (pkg.format !== PACKAGE_FORMAT) throw catalogErrors.packageFormat(`format must be ${PACKAGE_FORMAT}`);
    if (pkg.formatVersion !== PACKAGE_FORMAT_VERSION) throw catalogErrors.packageFormat(`formatVersion ${String(pkg.formatVersion)} is not supported`);
    if (!Array.isArray(pkg.items) || !Array.isArray(pkg.bundles) || !Array.isArray(pkg.departments) || typeof pkg.id !== 'string')
      throw catalogErrors.packageFormat('items, bundles, departments and id are required');
    if (pkg.items.length > PACKAGE_MAX_ITEMS || pkg.bundles.length > PACKAGE_MAX_BUNDLES) throw catalogErrors.packageTooManyEntries();
    const verified = verifyPackage(input.package);
    if (!verified.ok) throw catalogErrors.packageSignature(verified.reason);
    if (input.trustedKeyIds?.length && !input.trustedKeyIds.includes(verified.keyId)) throw catalogErrors.packageUntrusted(verified.keyId);

    // Departments: the mapping given, else a department with the same code here.
    const here = await this.departmentsById(true);
    const byCode = new Map([...here.values()].map((d) => [d.code, d]));
    const sourceDept = new Map(pkg.departments.map((d) => [d.code, d]));
    const deptFor = (codeRef: string): Department => {
      const mapped = input.departmentMap[codeRef];
      const d = mapped ? here.get(mapped) : byCode.get(codeRef);
      if (!d) throw catalogErrors.packageDepartmentUnmapped(codeRef);
      assertManages(actor, d.id);
      return d;
    };
    const region = (code: string) => input.regionMap[code] ?? code;

    const plans: { ref: string; id: string; action: 'create' | 'update'; v: ValidatedItem; before: Record<string, unknown> | null }[] = [];
    const itemIdOf = new Map<string, string>();
    for (const [i, entry] of pkg.items.entries()) {
      if (typeof entry?.ref !== 'string' || !entry.content || typeof entry.content !== 'object') throw catalogErrors.packageFormat(`items/${i} is malformed`);
      try {
        let content = mapItemDepartments(entry.content as unknown as ItemContent, (ref) => deptFor(ref).id);
        const srcDept = sourceDept.get(String((entry.content as { departmentId?: unknown }).departmentId));
        // The item's own region follows its department unless a mapping says otherwise.
        if (content.regionCode && !input.regionMap[content.regionCode] && srcDept && content.regionCode === srcDept.regionCode) content = { ...content, regionCode: undefined };
        content = mapItemRegions(content, region);
        if (content.regionCode === undefined) delete content.regionCode;
        const v = await this.validateItem(content, `body/package/items/${i}/content`);
        const existing = await itemsRepo.byCode(this.db, v.implementationCode);
        const before = existing ? ((existing.draft ?? (await itemsRepo.version(this.db, existing.id, existing.latest_version ?? 0))?.content ?? null) as Record<string, unknown> | null) : null;
        const id = existing?.id ?? randomUUID();
        if (plans.some((p) => p.id === id || p.v.implementationCode === v.implementationCode))
          throw errors.invalid('PACKAGE_ENTRY_DUPLICATE', `body/package/items/${i}`, '事项包中的两个事项映射到同一实施编码', 'Two items of the package map to the same implementation code');
        if (existing) assertManages(actor, existing.department_id);
        itemIdOf.set(entry.ref, id);
        plans.push({ ref: entry.ref, id, action: existing ? 'update' : 'create', v, before });
      } catch (e) {
        if (e instanceof AppError && e.status < 500 && e.code !== 'PACKAGE_DEPARTMENT_UNMAPPED' && e.code !== 'CATALOG_NOT_YOUR_DEPARTMENT' && !e.field?.startsWith('body/package')) throw catalogErrors.packageEntryInvalid(entry.ref, e);
        throw e;
      }
    }
    const bundlePlans: { ref: string; id: string; action: 'create' | 'update'; v: ValidatedBundle; before: Record<string, unknown> | null; findings: Finding[] }[] = [];
    for (const [i, entry] of pkg.bundles.entries()) {
      if (typeof entry?.ref !== 'string' || !entry.content || typeof entry.content !== 'object') throw catalogErrors.packageFormat(`bundles/${i} is malformed`);
      const raw = entry.content as unknown as BundleContent & { derived?: unknown };
      const { derived: _d, ...plain } = raw;
      const content = mapBundleRefs(
        plain,
        (ref) => deptFor(ref).id,
        (ref) => {
          const id = itemIdOf.get(ref);
          if (!id) throw catalogErrors.packageFormat(`bundles/${i} refers to ${ref}, which the package does not contain`);
          return id;
        },
        region,
      );
      if (content.regionCode && !input.regionMap[content.regionCode]) delete content.regionCode;
      const v = await this.validateBundle(content, `body/package/bundles/${i}/content`, new Set(itemIdOf.values()));
      let existing = await bundlesRepo.byCode(this.db, v.content.code);
      if (existing && existing.lead_department_id !== v.department.id) {
        // The code is another department's bundle here (a node serves several regions): the
        // imported variant is told apart by its region.
        v.content.code = `${v.content.code}-${v.content.regionCode}`.slice(0, 48);
        existing = await bundlesRepo.byCode(this.db, v.content.code);
        if (existing && existing.lead_department_id !== v.department.id) throw catalogErrors.bundleCodeTaken();
      }
      if (existing) assertManages(actor, existing.lead_department_id);
      const before = existing ? ((existing.draft ?? (await bundlesRepo.version(this.db, existing.id, existing.latest_version ?? 0))?.content ?? null) as Record<string, unknown> | null) : null;
      bundlePlans.push({ ref: entry.ref, id: existing?.id ?? randomUUID(), action: existing ? 'update' : 'create', v, before, findings: lintBundleStructure(v.content) });
    }

    if (dryRun) {
      // Who looked at which package is worth knowing; nothing else is written.
      await this.db.transaction().execute(async (trx) => {
        await recordAudit(trx, ctx, {
          action: 'catalog.package.preview',
          entityType: 'catalog_package',
          entityId: pkg.id,
          detail: { name: pkg.name, version: pkg.version, signer: verified.keyId, items: plans.length, bundles: bundlePlans.length },
        });
      });
    } else {
      await this.db.transaction().execute(async (trx) => {
        for (const p of plans) {
          if (p.action === 'create') await this.insertItemDraft(trx, ctx, p.id, p.v);
          else await this.updateItemDraft(trx, ctx, p.id, p.v, { package: pkg.id });
        }
        for (const b of bundlePlans) {
          if (b.action === 'create') await this.insertBundleDraft(trx, ctx, b.id, b.v);
          else await this.updateBundleDraft(trx, ctx, b.id, b.v, { package: pkg.id });
        }
        await recordAudit(trx, ctx, {
          action: 'catalog.package.import',
          entityType: 'catalog_package',
          entityId: pkg.id,
          detail: { name: pkg.name, version: pkg.version, signer: verified.keyId, source: pkg.source, items: plans.length, bundles: bundlePlans.length },
        });
      });
    }
    return {
      dryRun,
      package: { id: pkg.id, name: String(pkg.name), version: String(pkg.version), source: pkg.source as unknown as Record<string, unknown>, signer: verified.keyId, createdAt: String(pkg.createdAt) },
      items: plans.map((p) => ({
        ref: p.ref,
        action: p.action,
        id: p.id,
        name: p.v.content.name,
        implementationCode: p.v.implementationCode,
        departmentId: p.v.department.id,
        changes: changedFields(p.before, p.v.content as unknown as Record<string, unknown>),
        findings: p.v.findings,
      })),
      bundles: bundlePlans.map((b) => ({
        ref: b.ref,
        action: b.action,
        id: b.id,
        code: b.v.content.code,
        name: b.v.content.name,
        changes: changedFields(b.before, b.v.content as unknown as Record<string, unknown>),
        findings: b.findings,
      })),
    };
  }

  // ---- demo -----------------------------------------------------------------------------------

  /**
   * Loads a catalog (the demo's) through the same validation, linting and publishing as the API,
   * in one transaction: every entry must pass the linter. Entries that exist are left alone.
   */
  async loadPublished(ctx: RequestContext, data: { items: { id: string; content: ItemContent }[]; bundles: { id: string; content: BundleContent }[] }) {
    await this.vocab(true);
    const existingItems = new Set((await itemsRepo.byIds(this.db, data.items.map((i) => i.id))).map((r) => r.id));
    const items: { id: string; v: ValidatedItem }[] = [];
    for (const it of data.items) {
      if (existingItems.has(it.id)) continue;
      const v = await this.validateItem(it.content, `demo/${it.content.name}`);
      if (hasErrors(v.findings)) throw catalogErrors.lintErrors(v.findings);
      items.push({ id: it.id, v });
    }
    const published = new Map<string, BundleItem>();
    for (const it of data.items) published.set(it.id, { id: it.id, version: 1, content: items.find((x) => x.id === it.id)?.v.content ?? it.content });
    const bundles: { id: string; v: ValidatedBundle; derived: BundleDerived; findings: Finding[]; map: Map<string, BundleItem> }[] = [];
    for (const b of data.bundles) {
      if (await bundlesRepo.byId(this.db, b.id)) continue;
      const v = await this.validateBundle(b.content, `demo/${b.content.code}`, new Set(data.items.map((i) => i.id)));
      const map = new Map(v.content.items.map((i) => [i.itemId, published.get(i.itemId)!]));
      const { derived, findings: derivedFindings } = deriveBundle(v.content, map);
      const facts = new Map([...map.values()].map((i) => [i.id, { published: true, hasErrors: false, serviceObjects: i.content.serviceObjects }]));
      const findings = lintBundle(v.content, facts, derivedFindings);
      if (hasErrors(findings)) throw catalogErrors.lintErrors(findings);
      bundles.push({ id: b.id, v, derived, findings, map });
    }
    if (!items.length && !bundles.length) return { items: 0, bundles: 0 };
    await this.db.transaction().execute(async (trx) => {
      // One statement per table for all items: the demo loads at every first start.
      if (items.length) await itemsRepo.insert(trx, items.map(({ id, v }) => ({
        id, implementation_code: v.implementationCode, department_id: v.department.id, region_code: v.content.regionCode, name: v.content.name,
        status: 'published', latest_version: 1, ...countsOf(v.findings),
      })));
      if (items.length) await itemsRepo.insertVersion(trx, items.map(({ id, v }) => ({
        item_id: id, version: 1, implementation_code: v.implementationCode, content: JSON.stringify(v.content), findings: JSON.stringify(v.findings), published_by: null,
      })));
      await searchRepo.insertMany(trx, items.map(({ id, v }) => itemSearchRow(id, 1, v.content, this.themeMap)));
      await suggestionsRepo.add(trx, items.flatMap(({ v }) => suggestionTexts('item', v.content.name, v.content.aliases)));
      for (const { id, v } of items) {
        await recordAudit(trx, ctx, { action: 'catalog.item.publish', entityType: 'catalog_item', entityId: id, detail: { version: 1, implementationCode: v.implementationCode, source: 'demo' } });
      }
      for (const b of bundles) {
        const versions = Object.fromEntries([...b.map.keys()].map((id) => [id, 1]));
        const derived = { ...b.derived, itemVersions: versions };
        await bundlesRepo.insert(trx, {
          id: b.id, code: b.v.content.code, lead_department_id: b.v.department.id, region_code: b.v.content.regionCode, name: b.v.content.name,
          status: 'published', latest_version: 1, ...countsOf(b.findings),
        });
        await bundlesRepo.insertVersion(trx, { bundle_id: b.id, version: 1, content: JSON.stringify({ ...b.v.content, derived }), findings: JSON.stringify(b.findings), published_by: null });
        await bundlesRepo.setItems(trx, b.id, [...b.map.keys()]);
        const info = b.v.content.items.map((i) => {
          const c = b.map.get(i.itemId)!.content;
          return { name: c.name, onlineDepth: c.onlineDepth, crossProvince: c.crossProvince.mode !== 'none' };
        });
        await searchRepo.upsert(trx, bundleSearchRow(b.id, 1, b.v.content, derived, info, this.themeMap));
        await suggestionsRepo.add(trx, suggestionTexts('bundle', b.v.content.name, b.v.content.aliases));
        await recordAudit(trx, ctx, { action: 'catalog.bundle.publish', entityType: 'catalog_bundle', entityId: b.id, detail: { version: 1, code: b.v.content.code, source: 'demo' } });
      }
    });
    return { items: items.length, bundles: bundles.length };
  }
}

function refusal(e: AppError): Finding {
  return { rule: e.code, severity: 'error', field: e.field ?? null, message: { zh: e.zh, en: e.en } };
}
