/**
 * The applicant's side of applications (办件): drafts that can be resumed on another device,
 * idempotent submission of an item or a bundle (一件事), withdrawal, supplements, and reading
 * one's own applications with their timeline and days left.
 *
 * The applicant is the subject of the request: the person, the enterprise they act as, or the
 * principal an agent acts for (代办). Another subject's application by id is "not found".
 *
 * Everything read from the catalog is read before a transaction opens (PGlite has one
 * connection); inside, only `trx` is used.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';
import { requireActor } from '../../plugins/context';
import type { Actor, RequestContext } from '../../shared/actor';
import { chinaDate } from '../../shared/workdays';
import { validateResidentId } from '../../shared/validators';
import { AppError } from '../../shared/errors';
import type { BundleVersion, CatalogReader, ItemVersion } from './applications.catalog';
import { withCalendar, addWorkingDays, overdueAt } from './applications.clock';
import { Engine, SYSTEM, ctxOf, type BundleContext, type FormCodec, type ItemContext, type Who } from './applications.engine';
import { appErrors } from './applications.errors';
import { validateForm, withoutRequired, type FormProblem } from './applications.form';
import { FINAL_STATES, canTransition, stateConflict, transition, type State } from './applications.machine';
import { presentApplication, type PresentOptions } from './applications.presenter';
import type { catalogPayments } from './applications.payments';
import { receiptHtml } from './applications.receipt';
import type { MaterialSources } from '../../shared/material-sources';
import { checkMaterialInput, grantFiles, materialCounts, resolveMaterials, type FileRef, type MaterialInput, type MaterialRecord } from './applications.materials';
import { buildSteps } from './applications.process';
import type { ProcessDef } from './applications.bpmn';
import { appsRepo, idempotencyRepo, tasksRepo, type AppPatch, type AppRow, type NewApp } from './applications.repository';

/** The item version with an imported process (BPMN) in place of the catalog's, if there is one. */
function withImported(v: ItemVersion, process: ProcessDef | null | undefined): ItemVersion {
  return process ? { ...v, content: { ...v.content, process } } : v;
}

export interface ApplicantServiceOptions {
  db: Db;
  engine: Engine;
  catalog: CatalogReader;
  forms: FormCodec;
  nodeRegion: string;
  publicUrl: string;
  warningShare: number;
  /** Unified payment (optional: without it fees are waived and said so). */
  payments?: ReturnType<typeof catalogPayments>;
  /** Where 免提交 materials come from. */
  sources?: MaterialSources;
  /** Persons by resident ID number, for window intake (the identity module). */
  people?: PeopleDirectory;
  /** The node's name for printed receipts. */
  nodeName?: string;
  /** Processes imported from BPMN, which replace the catalog's for new applications. */
  definitions?: {
    override(itemId: string): Promise<import('./applications.bpmn').ProcessDef | null>;
    overrides(itemIds: string[]): Promise<Map<string, import('./applications.bpmn').ProcessDef>>;
    /** `overrides` as a statement to run with others (a submission's first round trip), and its rows read. */
    overridesRead?(db: Db, itemIds: string[]): { query: CompiledQuery; read(rows: unknown[]): Map<string, import('./applications.bpmn').ProcessDef> };
  };
}

export interface CreateInput {
  itemId?: string;
  bundleId?: string;
  version?: number;
  formData?: Record<string, unknown>;
  materials?: MaterialInput[];
  submit?: boolean;
}

/** Materials of a submission, checked before its transaction. */
interface PreparedMaterials {
  input: MaterialInput[];
  files: Map<string, FileRef>;
}

export interface SupplementInput {
  formData?: Record<string, unknown>;
  note?: string;
  materials?: { key: string; fileId?: string; note?: string }[];
}

/** The subject an application belongs to, from the request's actor. */
export type Applicant = { id: string; kind: 'person' | 'enterprise'; name: string; mandateId: string | null };

/** An application registered by a window clerk for a person whose identity document was checked (窗口收件). */
export interface Intake {
  applicant: Applicant;
}

/** Who can be looked up by resident ID number (the identity module). */
export interface PeopleDirectory {
  accountContext(by: { idNumber: string }, base: RequestContext): Promise<RequestContext>;
}

export function applicantOf(actor: Actor): Applicant {
  if (actor.actingAs) return { id: actor.actingAs.id, kind: 'enterprise', name: actor.actingAs.displayName, mandateId: null };
  if (actor.actingFor) return { id: actor.actingFor.id, kind: 'person', name: actor.actingFor.displayName, mandateId: actor.actingFor.mandateId };
  return { id: actor.accountId, kind: 'person', name: actor.displayName, mandateId: null };
}

export const whoOf = (actor: Actor, ctx: RequestContext): Who =>
  actor.kind === 'officer'
    ? { kind: 'officer', id: actor.accountId, name: actor.displayName, departmentId: actor.departmentId, ctx }
    : { kind: 'applicant', id: actor.accountId, name: actor.actingFor ? `${actor.displayName}（代${actor.actingFor.displayName}）` : actor.displayName, departmentId: null, ctx };

/** A stable hash of a request (keys sorted), to tell a retry from a different request under one key. */
export function requestHash(value: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('base64url');
}

interface PreparedItem {
  kind: 'item';
  version: ItemVersion;
}
interface PreparedBundle {
  kind: 'bundle';
  version: BundleVersion;
  items: Map<string, ItemVersion>;
  childForms: Map<string, Record<string, unknown>>;
}
type Prepared = PreparedItem | PreparedBundle;

/** Thrown inside a submission's transaction when its Idempotency-Key was claimed by a concurrent twin: rolls back. */
const KEY_TAKEN = Symbol('idempotency key taken');

export class ApplicantService {
  constructor(private readonly o: ApplicantServiceOptions) {}

  private get engine() {
    return this.o.engine;
  }

  sealForm(form: Record<string, unknown>): Record<string, unknown> {
    return this.o.forms.seal(form);
  }

  openForm = (v: unknown): Record<string, unknown> => this.o.forms.open(v);

  presentOptions(audience: 'applicant' | 'officer'): PresentOptions {
    return { now: this.engine.now(), share: this.o.warningShare, departments: this.engine.departments, audience, openForm: this.openForm };
  }

  // ---- reading -------------------------------------------------------------------------------

  /** An application of the request's subject, or 404 (another subject's application is not found). */
  private async own(ctx: RequestContext, id: string): Promise<AppRow> {
    const actor = requireActor(ctx);
    const app = await appsRepo.byId(this.o.db, id);
    if (!app || app.applicant_id !== applicantOf(actor).id) throw appErrors.notFound();
    return app;
  }

  async list(ctx: RequestContext, q: { state?: string; limit: number; offset: number }) {
    const actor = requireActor(ctx);
    await this.engine.departments.refresh();
    const rows = await appsRepo.listOf(this.o.db, applicantOf(actor).id, q);
    // The list shows no form data: nothing to decrypt.
    const o = { ...this.presentOptions('applicant'), openForm: () => ({}) };
    return rows.map((r) => {
      const p = presentApplication(r, o);
      return {
        id: p.id, number: p.number, kind: p.kind, title: p.title, state: p.state, stateLabel: p.stateLabel, department: p.department,
        createdAt: p.createdAt, submittedAt: p.submittedAt, concludedAt: p.concludedAt, clock: p.clock, currentStep: p.currentStep, awaiting: p.awaiting, version: p.version, channel: p.channel,
      };
    });
  }

  /** The printable receipt (HTML with a QR code of the tracking URL): the acceptance receipt, or until then the submission receipt. */
  async receipt(ctx: RequestContext, id: string): Promise<string> {
    const app = await this.own(ctx, id);
    const root = app.parent_id ? (await appsRepo.byId(this.o.db, app.parent_id))! : app;
    if (!app.submitted_at || !app.number) throw appErrors.noReceipt();
    await this.engine.departments.refresh();
    const r: Record<string, unknown> = app.receipt ?? {
      kind: 'submission_receipt',
      title: '收件回执',
      number: app.number,
      itemName: app.title,
      applicant: app.applicant_name,
      department: this.engine.departments.name(app.department_id),
      submittedAt: new Date(app.submitted_at).toISOString(),
      promisedDays: app.promised_days,
      trackUrl: `${this.o.publicUrl}/portal/applications/${root.id}`,
      note: '本回执仅证明已收到申请材料；是否受理以受理回执为准。',
    };
    await transact(this.o.db, (trx) => recordAudit(trx, ctx, { action: 'application.receipt.print', entityType: 'application', entityId: app.id, detail: { kind: r.kind } }));
    return receiptHtml(r, `${this.o.nodeName ?? ''}一网通办`);
  }

  async get(ctx: RequestContext, id: string) {
    const app = await this.own(ctx, id);
    return this.view(app.id, 'applicant');
  }

  /** The full view of an application (and of its children and timeline). */
  async view(id: string, audience: 'applicant' | 'officer') {
    await this.engine.departments.refresh();
    const rows = await appsRepo.withFamilyAndTimeline(this.o.db, id, audience === 'applicant');
    const app = rows.app!;
    const children = app.kind === 'bundle' ? rows.children : [];
    const all = rows.timeline;
    // A child's own view shows its own entries; a bundle's and an item's show all.
    const timeline = app.parent_id ? all.filter((e) => e.application_id === app.id) : all;
    const tasks = audience === 'officer' ? await tasksRepo.ofApplications(this.o.db, [app.id, ...children.map((c) => c.id)]) : undefined;
    return presentApplication(app, this.presentOptions(audience), { children, timeline, tasks });
  }

  // ---- drafts and submission -----------------------------------------------------------------

  /** Reads and checks what is being applied for: offered (not retired), the latest version, for this kind of applicant. */
  /** With `processes` 'later': the catalog's processes, the imported ones to be applied by the caller (withOverrides). */
  private async target(actor: Actor, t: { itemId?: string | null; bundleId?: string | null; version?: number | null }, field: 'body' | 'draft', applicant?: Applicant, processes: 'now' | 'later' = 'now'): Promise<Prepared> {
    const who = applicant ?? applicantOf(actor);
    const objects = (list: readonly string[]) => {
      const need = who.kind === 'enterprise' ? 'legal_person' : 'natural_person';
      if (!list.includes(need)) throw appErrors.applicantKind(who.kind === 'enterprise' ? '自然人' : '法人');
    };
    if (t.itemId) {
      const f = field === 'body' ? 'body/itemId' : 'itemId';
      const offer = await this.o.catalog.itemOffer(t.itemId);
      if (!offer) throw appErrors.itemNotFound(f);
      const version = t.version ?? offer.latestVersion;
      if (offer.retired || version !== offer.latestVersion) throw appErrors.versionRetired(field === 'body' && t.version ? 'body/version' : f, offer.latestVersion, offer.retired);
      const v = await this.o.catalog.itemVersion(t.itemId, version);
      if (!v) throw appErrors.itemNotFound(f);
      objects(v.content.serviceObjects);
      return { kind: 'item', version: processes === 'now' ? await this.withProcess(v) : v };
    }
    const f = field === 'body' ? 'body/bundleId' : 'bundleId';
    const offer = await this.o.catalog.bundleOffer(t.bundleId!);
    if (!offer) throw appErrors.bundleNotFound(f);
    const version = t.version ?? offer.latestVersion;
    if (offer.retired || version !== offer.latestVersion) throw appErrors.versionRetired(field === 'body' && t.version ? 'body/version' : f, offer.latestVersion, offer.retired);
    const bv = await this.o.catalog.bundleVersion(t.bundleId!, version);
    if (!bv) throw appErrors.bundleNotFound(f);
    objects(bv.content.serviceObjects);
    const items = new Map<string, ItemVersion>();
    for (const it of bv.content.items) {
      const iv = await this.o.catalog.itemVersion(it.itemId, bv.derived.itemVersions[it.itemId]);
      if (!iv) throw appErrors.bundleNotFound(f);
      items.set(it.itemId, iv);
    }
    const prepared: Prepared = { kind: 'bundle', version: bv, items, childForms: new Map() };
    // The processes imported for the bundle's items, read in one query.
    return processes === 'now' ? this.withOverrides(prepared, (await this.o.definitions?.overrides(this.itemIdsOf(prepared))) ?? new Map()) : prepared;
  }

  /** The items whose processes a submission runs. */
  private itemIdsOf(p: Prepared): string[] {
    return p.kind === 'item' ? [p.version.id] : [...p.items.values()].map((v) => v.id);
  }

  /** The prepared submission with the imported processes (by item id) in place of the catalog's. */
  private withOverrides(p: Prepared, overrides: Map<string, ProcessDef>): Prepared {
    if (!overrides.size) return p;
    const apply = (v: ItemVersion) => withImported(v, overrides.get(v.id));
    if (p.kind === 'item') return { ...p, version: apply(p.version) };
    for (const [itemId, v] of p.items) p.items.set(itemId, apply(v));
    return p;
  }

  /** The item version with the process new applications run (an imported one replaces the catalog's). */
  private async withProcess(v: ItemVersion): Promise<ItemVersion> {
    return withImported(v, await this.o.definitions?.override(v.id));
  }

  /**
   * 代办: an agent may only apply for what the principal's mandate covers — `*`, the item's id,
   * basic or implementation code, a theme as `theme:<code>`, or a bundle's id or code (which
   * covers its items). Read before the transaction; a revoked or expired mandate is refused too.
   */
  private async checkMandate(actor: Actor, p: Prepared): Promise<void> {
    const m = actor.actingFor;
    if (!m) return;
    const row = await this.o.db.selectFrom('mandates').select(['scope', 'revoked_at', 'valid_until', 'valid_from']).where('id', '=', m.mandateId).executeTakeFirst();
    const now = this.engine.now();
    if (!row || row.revoked_at || new Date(row.valid_until) <= new Date() || new Date(row.valid_from) > new Date(Math.max(now.getTime(), Date.now()))) throw appErrors.mandateInvalid();
    const scope = new Set(((typeof row.scope === 'string' ? JSON.parse(row.scope) : row.scope) as string[]).map(String));
    if (scope.has('*')) return;
    const covers = (iv: ItemVersion) => {
      const c = iv.content as ItemVersion['content'] & { basicCode?: string; themes?: readonly string[] };
      return scope.has(iv.id) || scope.has(iv.implementationCode) || (!!c.basicCode && scope.has(c.basicCode)) || (c.themes ?? []).some((t) => scope.has(`theme:${t}`));
    };
    if (p.kind === 'item') {
      if (!covers(p.version)) throw appErrors.mandateScope(p.version.content.name);
      return;
    }
    const b = p.version.content as BundleVersion['content'] & { code?: string; themes?: readonly string[] };
    if (scope.has(p.version.id) || (!!b.code && scope.has(b.code)) || (b.themes ?? []).some((t) => scope.has(`theme:${t}`))) return;
    const outside = [...p.items.values()].filter((iv) => !covers(iv));
    if (outside.length) throw appErrors.mandateScope(outside.map((iv) => iv.content.name).join('、'));
  }

  /** Validates the form for submission (the item's schema; a bundle's merged form and each child's). */
  private validate(p: Prepared, form: Record<string, unknown>): void {
    if (p.kind === 'item') {
      const problems = validateForm(`${p.version.id}@${p.version.version}`, p.version.content.form, form);
      if (problems.length) throw appErrors.formInvalid(problems);
      return;
    }
    const d = p.version.derived;
    const merged = validateForm(`bundle:${p.version.id}@${p.version.version}`, d.mergedForm.schema, form);
    if (merged.length) throw appErrors.formInvalid(merged);
    const questionOf = new Map<string, string>();
    for (const [q, targets] of Object.entries(d.mergedForm.mapping)) for (const t of targets) questionOf.set(`${t.itemId}/${t.field}`, q);
    const problems: FormProblem[] = [];
    for (const [itemId, iv] of p.items) {
      const child: Record<string, unknown> = {};
      for (const [q, targets] of Object.entries(d.mergedForm.mapping))
        for (const t of targets) if (t.itemId === itemId && form[q] !== undefined) child[t.field] = form[q];
      const filled = d.mergedForm.filledByResults.filter((f) => f.itemId === itemId).map((f) => f.field);
      const schema = withoutRequired(iv.content.form, filled);
      for (const pr of validateForm(`${iv.id}@${iv.version}:without:${filled.join(',')}`, schema, child, '')) {
        const field = pr.field.replace(/^\//, '').split('/')[0];
        problems.push({ ...pr, field: `body/formData/${questionOf.get(`${itemId}/${field}`) ?? field}` });
      }
      p.childForms.set(itemId, child);
    }
    if (problems.length) throw appErrors.formInvalid(problems);
  }

  /** Checks the material input against the item(s) and the files module, before the transaction. */
  private async prepareMaterials(ownerId: string, p: Prepared, input: MaterialInput[]): Promise<PreparedMaterials> {
    const all = p.kind === 'item' ? p.version.content.materials : [...p.items.values()].flatMap((iv) => iv.content.materials);
    const unique = [...new Map(all.map((m) => [m.key, m])).values()];
    return { input, files: await checkMaterialInput(this.o.db, ownerId, unique, input) };
  }

  /** Resolves and stores the materials of an item row being submitted; grants its departments the files. */
  private async materialsOf(trx: Db, ctx: RequestContext, app: AppRow, iv: ItemVersion, number: string, m: PreparedMaterials): Promise<AppPatch> {
    const { patch, grant } = await this.resolveMaterialsOf(trx, ctx, app, iv, number, m);
    await grant();
    return patch;
  }

  /** The materials patch of an application, and the file grants to write once its row exists. */
  private async resolveMaterialsOf(trx: Db, ctx: RequestContext, app: AppRow, iv: ItemVersion, number: string, m: PreparedMaterials): Promise<{ patch: AppPatch; grant: () => Promise<void> }> {
    const mine = iv.content.materials;
    const input = m.input.filter((x) => mine.some((cm) => cm.key === x.key));
    const list = await resolveMaterials(mine, input, m.files, {
      trx,
      ctx,
      sources: this.o.sources,
      holder: { kind: app.applicant_kind as 'person' | 'enterprise', accountId: app.applicant_id, displayName: app.applicant_name },
      purpose: { applicationId: app.id, applicationNo: number, itemId: iv.id, itemName: iv.content.name, departmentId: iv.content.departmentId },
      now: this.engine.now(),
      fieldOf: (key) => {
        const i = m.input.findIndex((x) => x.key === key);
        return i >= 0 ? `body/materials/${i}/fileIds` : 'body/materials';
      },
    });
    const departments = [iv.content.departmentId, ...buildSteps(iv.content).flatMap((s) => s.departments)];
    return {
      patch: { materials: list as unknown as Record<string, unknown>[], ...materialCounts(list) },
      grant: () => grantFiles(trx, app.id, list.flatMap((x) => x.files.map((f) => f.id)), departments),
    };
  }

  /** The application number (`seq`: the sequence's next value when already drawn). */
  private async number(trx: Db, seq?: number): Promise<string> {
    seq ??= await appsRepo.nextNumber(trx);
    return `${this.o.nodeRegion}${chinaDate(this.engine.now()).replace(/-/g, '')}${String(seq).padStart(6, '0')}`;
  }

  private itemContext(v: ItemVersion): ItemContext {
    const c = v.content;
    return {
      implementationCode: v.implementationCode,
      resultSpec: c.result,
      specialProcedures: c.specialProcedures.map((s) => ({ name: s.name, ...(s.limitDays !== undefined ? { limitDays: s.limitDays } : {}) })),
      fees: c.fees.map((f) => ({ name: f.name, ...(f.amount !== undefined ? { amount: f.amount } : {}), ...(f.standard ? { standard: f.standard } : {}), ...(f.basis ? { basis: f.basis } : {}) })),
      paymentDays: c.process.payment?.budgetDays ?? 0,
    };
  }

  /**
   * Creates a draft, or creates and submits at once (`submit: true`, with an Idempotency-Key):
   * a retried submission — even a concurrent one — returns the application the first made.
   */
  async create(ctx: RequestContext, input: CreateInput, idempotencyKey: string | undefined, intake?: Intake): Promise<{ status: number; replayed: boolean; application: Awaited<ReturnType<ApplicantService['view']>> }> {
    const actor = requireActor(ctx);
    if (!!input.itemId === !!input.bundleId) throw appErrors.oneTarget();
    if (input.submit && !idempotencyKey) throw appErrors.idempotencyKeyRequired();
    await this.engine.departments.refresh();
    const who = intake?.applicant ?? applicantOf(actor);
    const hash = requestHash({ op: 'create', subject: who.id, body: input });
    // No read of the key first: a first submission (the usual case) claims it in its transaction's
    // first round trip, and a retry finds it claimed there and is answered as the first was (below).
    // A retry refused by the checks here (the item retired since, …) is answered the same way.
    let p: Prepared;
    let form: Record<string, unknown>;
    let mats: PreparedMaterials;
    try {
      // A submission reads the imported processes in its transaction's first round trip (below).
      p = await this.target(actor, { itemId: input.itemId, bundleId: input.bundleId, version: input.version }, 'body', intake?.applicant, input.submit && this.o.definitions?.overridesRead ? 'later' : 'now');
      if (!intake) await this.checkMandate(actor, p);
      form = input.formData ?? {};
      if (input.submit) this.validate(p, form);
      // At the window the clerk scans the paper materials: the files are the clerk's uploads.
      mats = await this.prepareMaterials(intake ? actor.accountId : who.id, p, input.materials ?? []);
    } catch (e) {
      const prior = input.submit ? await idempotencyRepo.get(this.o.db, actor.accountId, idempotencyKey!) : undefined;
      if (prior) return this.replay(ctx, prior, hash);
      throw e;
    }
    const id = randomUUID();
    const now = this.engine.now();
    const created = await transact(this.o.db, async (trx) => {
      const row = { ...this.draftRow(id, actor, p, form, now, intake?.applicant), context: { materialInput: input.materials ?? [] }, ...(intake ? { channel: 'window' as const } : {}) };
      let app: AppRow;
      let seq: number | undefined;
      if (input.submit) {
        // The key's claim, the number, the row and the imported processes in one round trip; a key already claimed rolls it all back.
        const processes = this.o.definitions?.overridesRead?.(trx, this.itemIdsOf(p));
        const first = await appsRepo.claimNumberAndInsert(trx, { account_id: actor.accountId, key: idempotencyKey!, request_hash: hash, application_id: id, status: 201 }, row, processes?.query);
        if (!first.claimed) throw KEY_TAKEN;
        ({ app, seq } = first);
        if (processes) p = this.withOverrides(p, processes.read(first.also));
      } else app = await appsRepo.insertReturning(trx, row);
      if (intake) {
        const dept = actor.departmentId ? this.engine.departments.name(actor.departmentId) : '';
        await this.engine.event(trx, app, {
          type: 'window_intake',
          visibility: 'public',
          who: whoOf(actor, ctx),
          message: { zh: `${dept}窗口现场核验身份证件后代为录入申请`, en: `Registered at the ${dept} window after the identity document was checked in person` },
          data: { channel: 'window' },
        });
        await recordAudit(trx, ctx, { action: 'application.window_intake', entityType: 'application', entityId: id, detail: { applicantId: intake.applicant.id, departmentId: actor.departmentId } });
      }
      if (input.submit) await this.submitLocked(trx, ctx, app, p, form, mats, seq);
      else await this.engine.event(trx, app, { type: 'draft', visibility: 'public', who: whoOf(actor, ctx), message: { zh: '保存草稿', en: 'Draft saved' } });
      await recordAudit(trx, ctx, { action: input.submit ? 'application.submit' : 'application.draft.create', entityType: 'application', entityId: id, detail: { kind: app.kind, title: app.title, number: app.number } });
      return app;
    }).catch((e: unknown) => {
      if (e === KEY_TAKEN) return null;
      throw e;
    });
    if (!created) {
      // A retry, or a concurrent twin that claimed the key first and has committed: answer as the first did.
      const prior = (await idempotencyRepo.get(this.o.db, actor.accountId, idempotencyKey!))!;
      return this.replay(ctx, prior, hash);
    }
    p.kind === 'item' ? this.o.catalog.recordUse?.(p.version.id) : this.o.catalog.recordUse?.(p.version.id);
    return { status: 201, replayed: false, application: await this.view(created.id, 'applicant') };
  }

  /**
   * 窗口收件: a window clerk registers and submits an application for a person who came to the
   * counter. The person is found by resident ID number in the identity module and the name must
   * match the document; the application is theirs (their portal lists it), channel 'window',
   * created_by the clerk, audited. Idempotent like every submission.
   */
  async windowIntake(ctx: RequestContext, input: Omit<CreateInput, 'submit'> & { idNumber: string; name: string }, idempotencyKey: string | undefined) {
    const { idNumber, name, ...rest } = input;
    if (!validateResidentId(idNumber).ok) throw appErrors.intakeIdNumberInvalid();
    if (!this.o.people) throw appErrors.intakeUnavailable();
    let person: Actor | null = null;
    try {
      person = (await this.o.people.accountContext({ idNumber }, ctx)).actor;
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 404) throw e;
    }
    if (!person || person.kind !== 'citizen') throw appErrors.intakePersonNotFound();
    if (person.displayName.trim() !== name.trim()) throw appErrors.intakeNameMismatch();
    return this.create(ctx, { ...rest, submit: true }, idempotencyKey, { applicant: { id: person.accountId, kind: 'person', name: person.displayName, mandateId: null } });
  }

  private async replay(ctx: RequestContext, prior: { request_hash: string; application_id: string; status: number; key: string }, hash: string) {
    if (prior.request_hash !== hash) throw appErrors.idempotencyKeyReused();
    await transact(this.o.db, async (trx) =>
      recordAudit(trx, ctx, { action: 'application.submit.replay', entityType: 'application', entityId: prior.application_id, detail: { idempotencyKey: prior.key } }),
    );
    return { status: prior.status, replayed: true, application: await this.view(prior.application_id, 'applicant') };
  }

  private draftRow(id: string, actor: Actor, p: Prepared, form: Record<string, unknown>, now: Date, applicant?: Applicant): NewApp {
    const who = applicant ?? applicantOf(actor);
    const base = {
      id,
      number: null,
      parent_id: null,
      applicant_id: who.id,
      applicant_kind: who.kind,
      applicant_name: who.name,
      created_by: actor.accountId,
      mandate_id: who.mandateId,
      state: 'draft',
      form_data: this.sealForm(form),
      steps: null,
      step_index: null,
      step_due: null,
      awaiting: null,
      legal_days: null,
      promised_days: null,
      accepted_at: null,
      legal_due: null,
      promised_due: null,
      paused_at: null,
      pause_reason: null,
      submitted_at: null,
      decided_at: null,
      concluded_at: null,
      withdrawn_at: null,
      draft_saved_at: now,
    } as const;
    if (p.kind === 'item') {
      const c = p.version.content;
      return { ...base, kind: 'item', item_id: p.version.id, item_version: p.version.version, bundle_id: null, bundle_version: null, title: c.name, department_id: c.departmentId, region_code: c.regionCode, context: {} };
    }
    const b = p.version.content;
    return { ...base, kind: 'bundle', item_id: null, item_version: null, bundle_id: p.version.id, bundle_version: p.version.version, title: b.name, department_id: b.leadDepartmentId, region_code: b.regionCode, context: {} };
  }

  /** Submits a locked draft: numbers it, builds the process (or the bundle's children) and starts work. */
  private async submitLocked(trx: Db, ctx: RequestContext, app: AppRow, p: Prepared, form: Record<string, unknown>, mats: PreparedMaterials, seq?: number): Promise<void> {
    const actor = requireActor(ctx);
    const who = whoOf(actor, ctx);
    const now = this.engine.now();
    const number = await this.number(trx, seq);
    transition(app.state, 'submit');
    if (p.kind === 'item') {
      const c = p.version.content;
      await this.engine.move(trx, app, 'submit', who, {
        patch: {
          number,
          form_data: this.sealForm(form),
          steps: buildSteps(c) as unknown[],
          legal_days: c.legalLimit.days,
          promised_days: c.promisedLimit.days,
          submitted_at: now,
          context: this.itemContext(p.version) as Record<string, unknown>,
          ...(await this.materialsOf(trx, ctx, app, p.version, number, mats)),
        },
        message: { zh: `提交申请，办件编号 ${number}`, en: `Application submitted, number ${number}` },
        data: { number },
      });
      await this.engine.openStep(trx, app, 0, who);
      return;
    }
    // A bundle: one child per item, each with its share of the merged form; those without
    // prerequisites start at once, in parallel, in their departments.
    const b = p.version;
    const bc: BundleContext = {
      denialPolicy: b.content.denialPolicy,
      dependencies: b.content.dependencies.map((d) => ({ from: d.from, to: d.to, result: d.result, fields: [...(d.fields ?? [])] })),
      filledByResults: b.derived.mergedForm.filledByResults,
      promisedDays: b.derived.timing.promisedDays,
      legalDays: b.derived.timing.legalDays,
    };
    const order = b.content.items.map((i) => i.itemId);
    const childIds = new Map(order.map((itemId) => [itemId, randomUUID()]));
    const receipt = {
      kind: 'submission_receipt',
      title: '一件事收件回执',
      number,
      bundle: b.content.name,
      applicant: app.applicant_name,
      submittedAt: now.toISOString(),
      leadDepartment: this.engine.departments.name(b.content.leadDepartmentId),
      promisedDays: bc.promisedDays,
      items: order.map((itemId, i) => ({ number: `${number}-${i + 1}`, name: p.items.get(itemId)!.content.name, department: this.engine.departments.name(p.items.get(itemId)!.content.departmentId) })),
      trackUrl: `${this.o.publicUrl}/portal/applications/${app.id}`,
    };
    await this.engine.move(trx, app, 'submit', who, {
      patch: { number, form_data: this.sealForm(form), submitted_at: now, context: bc as unknown as Record<string, unknown>, receipt },
      message: { zh: `提交「${b.content.name}」，办件编号 ${number}，含 ${order.length} 个事项`, en: `"${b.content.name}" submitted, number ${number}, ${order.length} items` },
      data: { number, items: order.length },
    });
    const rows: { row: NewApp; grant: () => Promise<void>; name: string; departmentId: string; waiting: boolean }[] = [];
    for (const [i, itemId] of order.entries()) {
      const iv = p.items.get(itemId)!;
      const c = iv.content;
      const feeds = bc.dependencies.filter((d) => d.from === itemId).flatMap((d) => d.fields);
      const waiting = bc.dependencies.some((d) => d.to === itemId);
      const row: NewApp = {
        id: childIds.get(itemId)!,
        number: `${number}-${i + 1}`,
        kind: 'child',
        parent_id: app.id,
        item_id: itemId,
        item_version: iv.version,
        bundle_id: null,
        bundle_version: null,
        title: c.name,
        department_id: c.departmentId,
        region_code: c.regionCode,
        applicant_id: app.applicant_id,
        applicant_kind: app.applicant_kind,
        applicant_name: app.applicant_name,
        created_by: app.created_by,
        mandate_id: app.mandate_id,
        state: waiting ? 'waiting' : 'submitted',
        form_data: this.sealForm(p.childForms.get(itemId) ?? {}),
        context: { ...this.itemContext(iv), feeds: [...new Set(feeds)] } as Record<string, unknown>,
        steps: buildSteps(c) as unknown[],
        step_index: null,
        step_due: null,
        awaiting: null,
        legal_days: c.legalLimit.days,
        promised_days: c.promisedLimit.days,
        accepted_at: null,
        legal_due: null,
        promised_due: null,
        paused_at: null,
        pause_reason: null,
        submitted_at: now,
        decided_at: null,
        concluded_at: null,
        withdrawn_at: null,
        draft_saved_at: null,
      };
      // The materials are resolved first and inserted with the row (materialsOf reads only the applicant and the id).
      const { patch: mpatch, grant } = await this.resolveMaterialsOf(trx, ctx, row as unknown as AppRow, iv, row.number!, mats);
      rows.push({ row: { ...row, ...(mpatch as Partial<NewApp>) }, grant, name: c.name, departmentId: c.departmentId, waiting });
    }
    // All children in one INSERT … RETURNING, then their file grants and timeline entries in order.
    const inserted = new Map((await appsRepo.insertManyReturning(trx, rows.map((r) => r.row))).map((r) => [r.id, r]));
    const children: AppRow[] = [];
    for (const { row, grant, name, departmentId, waiting } of rows) {
      const child = inserted.get(row.id as string)!;
      await grant();
      children.push(child);
      await this.engine.event(trx, child, {
        type: 'submit',
        to: child.state,
        visibility: 'public',
        who,
        message: waiting
          ? { zh: `「${name}」等待前置事项办结`, en: `"${name}" waits for its prerequisites` }
          : { zh: `「${name}」已提交${this.engine.departments.name(departmentId)}`, en: `"${name}" sent to ${this.engine.departments.name(departmentId)}` },
      });
    }
    for (const child of children) if (child.state === 'submitted') await this.engine.openStep(trx, child, 0, who);
  }

  async saveDraft(ctx: RequestContext, id: string, input: { formData: Record<string, unknown>; materials?: MaterialInput[]; version: number }) {
    const app = await this.own(ctx, id);
    if (app.state !== 'draft') throw appErrors.notDraft();
    await transact(this.o.db, async (trx) => {
      const ok = await appsRepo.updateIfVersion(trx, id, input.version, {
        form_data: this.sealForm(input.formData),
        draft_saved_at: this.engine.now(),
        ...(input.materials ? { context: { ...ctxOf(app), materialInput: input.materials } } : {}),
      });
      if (!ok) {
        const cur = (await appsRepo.byId(trx, id))!;
        if (cur.state !== 'draft') throw appErrors.notDraft();
        throw appErrors.draftStale(cur.version);
      }
      await recordAudit(trx, ctx, { action: 'application.draft.save', entityType: 'application', entityId: id, detail: { version: input.version + 1 } });
    });
    return this.view(id, 'applicant');
  }

  async discard(ctx: RequestContext, id: string): Promise<void> {
    const app = await this.own(ctx, id);
    if (app.state !== 'draft') throw appErrors.notDraft();
    await transact(this.o.db, async (trx) => {
      const locked = await appsRepo.lock(trx, id);
      if (!locked || locked.state !== 'draft') throw appErrors.notDraft();
      await trx.deleteFrom('application_events').where('application_id', '=', id).execute();
      await appsRepo.delete(trx, id);
      await recordAudit(trx, ctx, { action: 'application.draft.discard', entityType: 'application', entityId: id, detail: { title: app.title } });
    });
  }

  /** Submits a draft (Idempotency-Key required): a retry answers as the first submission did. */
  async submit(ctx: RequestContext, id: string, idempotencyKey: string | undefined) {
    const actor = requireActor(ctx);
    if (!idempotencyKey) throw appErrors.idempotencyKeyRequired();
    const app = await this.own(ctx, id);
    const hash = requestHash({ op: 'submit', id });
    const prior = await idempotencyRepo.get(this.o.db, actor.accountId, idempotencyKey);
    if (prior) return this.replay(ctx, prior, hash);
    if (app.state !== 'draft') throw appErrors.alreadySubmitted();
    await this.engine.departments.refresh();
    const p = await this.target(actor, { itemId: app.item_id, bundleId: app.bundle_id, version: app.item_version ?? app.bundle_version }, 'draft');
    await this.checkMandate(actor, p);
    const form = this.openForm(app.form_data);
    this.validate(p, form);
    const mats = await this.prepareMaterials(app.applicant_id, p, ((ctxOf(app) as { materialInput?: MaterialInput[] }).materialInput ?? []));
    const done = await transact(this.o.db, async (trx) => {
      if (!(await idempotencyRepo.claim(trx, { account_id: actor.accountId, key: idempotencyKey, request_hash: hash, application_id: id, status: 200 }))) return false;
      const locked = await appsRepo.lock(trx, id);
      if (!locked || locked.state !== 'draft') throw appErrors.alreadySubmitted();
      await this.submitLocked(trx, ctx, locked, p, form, mats);
      await recordAudit(trx, ctx, { action: 'application.submit', entityType: 'application', entityId: id, detail: { kind: locked.kind, title: locked.title, number: locked.number } });
      return true;
    });
    if (!done) return this.replay(ctx, (await idempotencyRepo.get(this.o.db, actor.accountId, idempotencyKey))!, hash);
    return { status: 200, replayed: false, application: await this.view(id, 'applicant') };
  }

  // ---- withdrawal and supplements ------------------------------------------------------------

  async withdraw(ctx: RequestContext, id: string, input: { reason: string }) {
    const actor = requireActor(ctx);
    const found = await this.own(ctx, id);
    // A bundle's child is withdrawn with its bundle: the applicant sees one application.
    const rootId = found.parent_id ?? found.id;
    await this.engine.departments.refresh();
    const who = whoOf(actor, ctx);
    await transact(this.o.db, async (trx) => {
      const root = (await appsRepo.lock(trx, rootId))!;
      transition(root.state, 'withdraw');
      const now = this.engine.now();
      const withdrawOne = async (a: AppRow) => {
        await tasksRepo.cancelLive(trx, a.id);
        await this.engine.cancelTimers(trx, a.id, ['warning', 'overdue', 'stage_warning', 'stage_overdue']);
        await this.engine.move(trx, a, 'withdraw', who, {
          patch: { withdrawn_at: now, outcome: { kind: 'withdrawn', reason: input.reason }, paused_at: null, pause_reason: null },
          message: { zh: `申请人撤回申请：${input.reason}`, en: `Withdrawn by the applicant: ${input.reason}` },
        });
      };
      if (root.kind === 'bundle') {
        for (const c of await appsRepo.lockChildren(trx, root.id)) if (canTransition(c.state, 'withdraw')) await withdrawOne(c);
        await this.engine.event(trx, root, { type: 'withdraw', visibility: 'public', who, message: { zh: `申请人撤回一件事：${input.reason}`, en: `The applicant withdrew the bundle: ${input.reason}` } });
        await this.engine.progressBundle(trx, root, who);
        if (root.state === 'withdrawn') await appsRepo.update(trx, root.id, { withdrawn_at: now, outcome: { kind: 'withdrawn', reason: input.reason } });
      } else await withdrawOne(root);
      await recordAudit(trx, ctx, { action: 'application.withdraw', entityType: 'application', entityId: root.id, detail: { number: root.number, reason: input.reason } });
    });
    return this.view(id, 'applicant');
  }

  /**
   * The applicant answers a supplement request (补正): the form is completed (and checked against
   * the item's form), the listed materials noted, and handling resumes where it stopped — with
   * the clock extended by the working days it was paused. On a bundle, every child awaiting a
   * supplement receives its share of the merged form.
   */
  async supplement(ctx: RequestContext, id: string, input: SupplementInput) {
    const actor = requireActor(ctx);
    const found = await this.own(ctx, id);
    await this.engine.departments.refresh();
    const who = whoOf(actor, ctx);
    const patch = input.formData ?? {};
    // Which rows answer, and their new forms (validated before anything is written).
    let targets: AppRow[];
    let mapping: Record<string, { itemId: string; field: string }[]> | null = null;
    if (found.kind === 'bundle') {
      targets = (await appsRepo.children(this.o.db, found.id)).filter((c) => c.state === 'supplement_requested');
      const bv = await this.o.catalog.bundleVersion(found.bundle_id!, found.bundle_version!);
      mapping = bv?.derived.mergedForm.mapping ?? {};
    } else targets = [found];
    if (!targets.length || targets.some((t) => t.state !== 'supplement_requested')) throw stateConflict(found.state, 'supplement');
    // The reply-by date has passed (its timer ends the application any moment now).
    const late = targets.map((t) => (t.supplement as { replyBy?: string } | null)?.replyBy).find((d) => d && this.engine.now() >= overdueAt(d));
    if (late) throw appErrors.supplementOverdue(late);
    // Files handed in with the supplement: the applicant's own, for materials of the item(s).
    const supplied = (input.materials ?? []).filter((m) => m.fileId);
    const files = new Map<string, FileRef>();
    if (supplied.length) {
      const catalogMaterials: { key: string; name: string; requirement: string; source: { kind: string } }[] = [];
      for (const t of targets) {
        const iv = await this.o.catalog.itemVersion(t.item_id!, t.item_version!);
        catalogMaterials.push(...(iv?.content.materials ?? []));
      }
      const known = [...new Map(catalogMaterials.map((m) => [m.key, m])).values()];
      const checked = await checkMaterialInput(this.o.db, found.applicant_id, known, (input.materials ?? []).map((m) => ({ key: m.key, fileIds: m.fileId ? [m.fileId] : [] })));
      for (const [k, v] of checked) files.set(k, v);
    }
    const forms = new Map<string, Record<string, unknown>>();
    for (const t of targets) {
      let share: Record<string, unknown> = patch;
      if (mapping) {
        share = {};
        for (const [q, list] of Object.entries(mapping)) for (const m of list) if (m.itemId === t.item_id && patch[q] !== undefined) share[m.field] = patch[q];
      }
      const form = { ...this.openForm(t.form_data), ...share };
      const iv = await this.o.catalog.itemVersion(t.item_id!, t.item_version!);
      if (iv) {
        const problems = validateForm(`${iv.id}@${iv.version}`, iv.content.form, form);
        if (problems.length) throw appErrors.formInvalid(problems);
      }
      forms.set(t.id, form);
    }
    await transact(this.o.db, async (trx) => {
      const parent = found.parent_id ? await appsRepo.lock(trx, found.parent_id) : found.kind === 'bundle' ? await appsRepo.lock(trx, found.id) : undefined;
      for (const t of targets) {
        const app = (await appsRepo.lock(trx, t.id))!;
        const returnTo = ((app.supplement as { returnTo?: State } | null)?.returnTo ?? 'submitted') as State;
        // Supplied files join their materials; the departments of the process may read them.
        let mpatch: AppPatch = {};
        if (supplied.length && Array.isArray(app.materials)) {
          const list = (app.materials as unknown as MaterialRecord[]).map((m) => {
            const add = supplied.filter((x) => x.key === m.key).map((x) => files.get(x.fileId!)!).filter(Boolean);
            if (!add.length) return m;
            return { ...m, files: [...m.files, ...add.filter((f) => !m.files.some((g) => g.id === f.id))], status: (m.exempt ? (m.status === 'resolved' ? 'resolved' : 'uploaded_instead') : 'handed_in') as MaterialRecord['status'] };
          });
          const steps = (app.steps ?? []) as unknown as { departments: string[] }[];
          await grantFiles(trx, app.id, supplied.map((x) => x.fileId!).filter((id) => files.has(id)), [app.department_id ?? '', ...steps.flatMap((st) => st.departments)].filter(Boolean));
          mpatch = { materials: list as unknown as Record<string, unknown>[], ...materialCounts(list) };
        }
        await this.engine.cancelReplyBy(trx, app.id);
        await this.engine.move(trx, app, 'supplement', who, {
          target: returnTo,
          patch: { ...mpatch, form_data: this.sealForm(forms.get(t.id)!), supplement: { ...(app.supplement ?? {}), answeredAt: this.engine.now().toISOString(), note: input.note ?? null, materials: input.materials ?? [] } },
          message: { zh: `申请人已补正${input.note ? `：${input.note}` : ''}`, en: `The applicant supplemented${input.note ? `: ${input.note}` : ''}` },
          data: { fields: Object.keys(patch), materials: (input.materials ?? []).map((m) => m.key) },
        });
        await this.engine.resume(trx, app, who);
      }
      if (parent) await this.engine.progressBundle(trx, parent, who);
      await recordAudit(trx, ctx, { action: 'application.supplement', entityType: 'application', entityId: found.id, detail: { targets: targets.map((t) => t.number), fields: Object.keys(patch) } });
    });
    return this.view(id, 'applicant');
  }

  /**
   * The payments module says the fee of an application awaiting payment was paid (outbox
   * `payment.paid`): handling goes on with the step after the payment. Idempotent; a payment of
   * another order or of a different amount than asked does not move the application (it is put on
   * the internal timeline for the department to sort out).
   */
  async paymentSettled(ctx: RequestContext, applicationId: string, paid?: { orderId: string; amountFen: number; paidAt?: string | null }): Promise<boolean> {
    await this.engine.departments.refresh();
    const first = await appsRepo.byId(this.o.db, applicationId);
    if (!first) throw appErrors.notFound();
    return transact(this.o.db, async (trx) => {
      const parent = first.parent_id ? await appsRepo.lock(trx, first.parent_id) : undefined;
      const app = (await appsRepo.lock(trx, applicationId))!;
      const c = ctxOf(app);
      const who: Who = { ...SYSTEM, ctx };
      if (paid && c.payment && c.payment.orderId === paid.orderId && c.payment.state === 'paid') return false;
      if (paid && app.awaiting === 'payment' && FINAL_STATES.has(app.state as State) && c.payment?.orderId === paid.orderId) {
        // Paid after the application ended without the service (withdrawn, or stopped by its bundle,
        // while the order was still open): the fee is recorded and given back; handling does not resume.
        const payment = { ...c.payment, state: 'paid', paidAt: paid.paidAt ?? this.engine.now().toISOString() };
        const context = { ...c, payment };
        await appsRepo.update(trx, app.id, { awaiting: null, context: context as Record<string, unknown> });
        Object.assign(app, { awaiting: null, context });
        await this.engine.event(trx, app, {
          type: 'paid_after_end',
          visibility: 'public',
          who,
          message: { zh: `办件结束后收到缴费 ¥${(payment.amountFen / 100).toFixed(2)}（订单 ${payment.orderNo}），不再继续办理`, en: `A fee of ¥${(payment.amountFen / 100).toFixed(2)} (order ${payment.orderNo}) was paid after the application ended; handling does not resume` },
          data: { orderId: payment.orderId, amountFen: payment.amountFen },
        });
        await this.engine.refundFee(trx, app, who, app.state);
        await recordAudit(trx, ctx, { action: 'application.payment_after_end', entityType: 'application', entityId: app.id, detail: { number: app.number, orderId: paid.orderId, state: app.state } });
        return false;
      }
      if (app.awaiting !== 'payment' || FINAL_STATES.has(app.state as State)) return false;
      if (paid && c.payment && (c.payment.orderId !== paid.orderId || c.payment.amountFen !== paid.amountFen)) {
        await this.engine.event(trx, app, {
          type: 'payment_mismatch',
          visibility: 'internal',
          who,
          message: { zh: `收到与待缴订单不符的缴费（订单 ${paid.orderId}，${(paid.amountFen / 100).toFixed(2)} 元），未据此继续办理`, en: `A payment that does not match the awaited order (${paid.orderId}, ¥${(paid.amountFen / 100).toFixed(2)}) was not taken as the fee` },
          data: { orderId: paid.orderId, amountFen: paid.amountFen, expected: c.payment },
        });
        await recordAudit(trx, ctx, { action: 'application.payment_mismatch', entityType: 'application', entityId: app.id, detail: { orderId: paid.orderId, amountFen: paid.amountFen } });
        return false;
      }
      const step = app.step_index!;
      const payment = c.payment ? { ...c.payment, state: 'paid', paidAt: paid?.paidAt ?? this.engine.now().toISOString() } : null;
      const context = { ...c, paidSteps: [...(c.paidSteps ?? []), step], ...(payment ? { payment } : {}) };
      await appsRepo.update(trx, app.id, { awaiting: null, context: context as Record<string, unknown> });
      Object.assign(app, { awaiting: null, context });
      await this.engine.event(trx, app, {
        type: 'paid',
        visibility: 'public',
        who,
        message: payment ? { zh: `费用 ¥${(payment.amountFen / 100).toFixed(2)} 已缴纳（订单 ${payment.orderNo}），继续办理`, en: `Fee of ¥${(payment.amountFen / 100).toFixed(2)} paid (order ${payment.orderNo}); handling continues` } : { zh: '费用已缴纳，继续办理', en: 'Fee paid; handling continues' },
        data: payment ? { orderId: payment.orderId, amountFen: payment.amountFen } : {},
      });
      await this.engine.nextStep(trx, app, step + 1, who);
      if (parent) await this.engine.progressBundle(trx, parent, who);
      await recordAudit(trx, ctx, { action: 'application.payment_settled', entityType: 'application', entityId: app.id, detail: { number: app.number, orderId: paid?.orderId ?? null } });
      return true;
    });
  }

  /** The order an application waits for ended unpaid (expired, cancelled, failed): the applicant may start a new one. */
  async paymentClosed(ctx: RequestContext, applicationId: string, closed: { orderId: string; state: string }): Promise<boolean> {
    return transact(this.o.db, async (trx) => {
      const app = await appsRepo.lock(trx, applicationId);
      if (!app) return false;
      const c = ctxOf(app);
      if (app.awaiting !== 'payment' || c.payment?.orderId !== closed.orderId || c.payment.state === closed.state) return false;
      const context = { ...c, payment: { ...c.payment, state: closed.state } };
      await appsRepo.update(trx, app.id, { context: context as Record<string, unknown> });
      Object.assign(app, { context });
      const label = { expired: { zh: '已过期', en: 'expired' }, cancelled: { zh: '已取消', en: 'was cancelled' }, failed: { zh: '支付失败', en: 'failed' } }[closed.state] ?? { zh: closed.state, en: closed.state };
      await this.engine.event(trx, app, {
        type: 'payment_closed',
        visibility: 'public',
        who: { ...SYSTEM, ctx },
        message: { zh: `缴费订单 ${c.payment.orderNo} ${label.zh}，请重新发起缴费`, en: `Payment order ${c.payment.orderNo} ${label.en}; please start the payment again` },
        data: { orderId: closed.orderId, state: closed.state },
      });
      await recordAudit(trx, ctx, { action: 'application.payment_closed', entityType: 'application', entityId: app.id, detail: { orderId: closed.orderId, state: closed.state } });
      return true;
    });
  }

  /** A refund of an application's fee succeeded: recorded on the application and its timeline. */
  async paymentRefunded(ctx: RequestContext, applicationId: string, r: { orderId: string; refundNo: string; amountFen: number; refundedFen: number; fully: boolean }): Promise<boolean> {
    return transact(this.o.db, async (trx) => {
      const app = await appsRepo.lock(trx, applicationId);
      if (!app) return false;
      const c = ctxOf(app);
      const refunds = (c as { refunds?: string[] }).refunds ?? [];
      if (refunds.includes(r.refundNo)) return false;
      const context = { ...c, refunds: [...refunds, r.refundNo], ...(c.payment?.orderId === r.orderId ? { payment: { ...c.payment, refundedFen: r.refundedFen, state: r.fully ? 'refunded' : 'partially_refunded' } } : {}) };
      await appsRepo.update(trx, app.id, { context: context as Record<string, unknown> });
      Object.assign(app, { context });
      await this.engine.event(trx, app, {
        type: 'refunded',
        visibility: 'public',
        who: { ...SYSTEM, ctx },
        message: { zh: `已退款 ¥${(r.amountFen / 100).toFixed(2)}${r.fully ? '（全额）' : ''}`, en: `Refunded ¥${(r.amountFen / 100).toFixed(2)}${r.fully ? ' (in full)' : ''}` },
        data: { orderId: r.orderId, refundNo: r.refundNo, amountFen: r.amountFen, fully: r.fully },
      });
      await recordAudit(trx, ctx, { action: 'application.payment_refunded', entityType: 'application', entityId: app.id, detail: { orderId: r.orderId, refundNo: r.refundNo, amountFen: r.amountFen } });
      return true;
    });
  }

  /**
   * The applicant starts a new payment order for an application still awaiting payment whose
   * order ended unpaid (expired, cancelled, failed). With an order still open, that one is kept.
   */
  async renewPayment(ctx: RequestContext, id: string) {
    const found = await this.own(ctx, id);
    if (!this.o.payments) throw appErrors.paymentNotAvailable();
    const payments = this.o.payments;
    await this.engine.departments.refresh();
    await transact(this.o.db, async (trx) => {
      const app = (await appsRepo.lock(trx, found.id))!;
      if (app.awaiting !== 'payment') throw appErrors.notAwaitingPayment();
      const c = ctxOf(app);
      if (c.payment && !['expired', 'cancelled', 'failed'].includes(c.payment.state)) throw appErrors.paymentOrderOpen(c.payment.orderId);
      const order = await payments.orderFor(trx, ctx, {
        applicationId: app.id,
        rootId: app.parent_id ?? app.id,
        number: app.number ?? '',
        itemName: app.title,
        departmentId: app.department_id ?? '',
        payerAccountId: app.applicant_id,
        fees: c.fees ?? [],
        payWithinDays: c.paymentDays ?? 0,
        step: app.step_index ?? 0,
      });
      if (!order) throw appErrors.notAwaitingPayment();
      const context = { ...c, payment: order };
      await appsRepo.update(trx, app.id, { context: context as Record<string, unknown> });
      Object.assign(app, { context });
      await this.engine.event(trx, app, {
        type: 'payment_renewed',
        visibility: 'public',
        who: whoOf(requireActor(ctx), ctx),
        message: { zh: `重新发起缴费（订单 ${order.orderNo}）`, en: `Payment started again (order ${order.orderNo})` },
        data: { orderId: order.orderId },
      });
      await recordAudit(trx, ctx, { action: 'application.payment_renew', entityType: 'application', entityId: app.id, detail: { orderId: order.orderId } });
    });
    return this.view(id, 'applicant');
  }

  /** A supplement's reply-by date: `days` working days from today. */
  replyBy(days: number): string {
    return withCalendar(() => addWorkingDays(chinaDate(this.engine.now()), days));
  }
}
