/**
 * Public interaction (互动交流, 12345 接诉即办): inquiries of five kinds from the portal, the
 * 12345 line and Open311 clients, in one queue.
 *
 *   pending_dispatch ──dispatch──▶ dispatched ──respond──▶ responded ──reply──▶ replied ──confirm(resolved)──▶ closed
 *          ▲                          │                      │                    └──confirm(not resolved)──▶ responded
 *          └────────return (退单, with a reason)──────────────┘
 *
 * Dispatch (派单) is automatic by rule (category + the longest matching region prefix) or by a
 * dispatcher (supervisor, the 12345 centre) when no rule matches or after a return. Deadlines
 * follow the urgency (inquiry_deadlines, nearest region up the tree): respond within N working
 * hours, resolve within M working days; timers escalate (督办) what is overdue.
 *
 * Reports (举报) may be anonymous: no sign-in, no identity kept, a tracking code (shown once,
 * stored as a hash) to follow it. A signed-in informant's identity is kept encrypted and shown
 * only to officers of the handling department.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { recordAudit } from '../../plugins/audit';
import { hasRole, subjectOf, type Actor, type RequestContext } from '../../shared/actor';
import type { FieldCrypto } from '../../shared/crypto';
import { maskMobile, maskName, maskPersonalDataInText } from '../../shared/masking';
import { ancestorsOf, getRegion, isInSubtree, subtreePattern } from '../../shared/regions';
import { chinaDate, deadlineAt } from '../../shared/workdays';
import { enqueue, type ClaimedJob } from '../jobs';
import { notify } from '../notifications';
import type { OrgService } from '../org';
import { CATEGORIES, KINDS, categoryByCode } from './interaction.categories';
import { STATE_LABELS, inquiryErrors as E } from './interaction.errors';
import type { InquiryKind, InquiryState, InquiriesTable } from './interaction.tables';
import { addWorkingHours } from './interaction.worktime';
import type { Selectable } from 'kysely';
import './interaction.tables';

export const QUEUE_TIMER = 'interaction.timer';
type Row = Selectable<InquiriesTable>;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** What an inquiry may carry: photos (JPEG, PNG) and PDF documents, up to 10 MB each, at most 9 (the route's limit). */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'];
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

const OPEN: InquiryState[] = ['pending_dispatch', 'dispatched', 'responded', 'replied'];
// A tracking code: 16 characters of an unambiguous alphabet (80 bits), e.g. 'K7QF-9XMD-2H4P-TR6W'.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

export function newTrackingCode(): string {
  const b = randomBytes(16);
  let s = '';
  for (let i = 0; i < 16; i++) s += ALPHABET[b[i] % ALPHABET.length];
  return s.match(/.{4}/g)!.join('-');
}
const normCode = (c: string) => c.toUpperCase().replace(/[^0-9A-Z]/g, '');

export interface NewInquiry {
  kind: InquiryKind;
  category: string;
  urgency?: 'normal' | 'urgent';
  title: string;
  content: string;
  regionCode: string;
  location?: { lat: number; lng: number };
  address?: string;
  attachmentIds?: string[];
  itemId?: string;
  channel?: 'web' | 'mobile' | '12345';
  contactMobile?: string;
}

export interface Informant {
  name: string | null;
  mobile: string | null;
  email?: string | null;
}

/** A department's names, read with the given handle (inside a transaction, the transaction). */
export async function departmentOf(db: Db, id: string | null): Promise<{ name: string; nameEn: string; regionCode: string } | undefined> {
  if (!id) return undefined;
  const r = await sql<{ name: string; name_en: string; region_code: string }>`SELECT name, name_en, region_code FROM departments WHERE id = ${id}`.execute(db);
  const d = r.rows[0];
  return d && { name: d.name, nameEn: d.name_en, regionCode: d.region_code };
}

export class InteractionService {
  constructor(
    private readonly o: {
      db: Db;
      org: OrgService;
      crypto: FieldCrypto;
      clock: { now(): Date };
      contactOf: (accountId: string) => Promise<{ displayName: string; mobile: string | null } | undefined>;
      itemName: (itemId: string) => Promise<string | undefined>;
      filesOwnedBy: (trx: Db, ids: string[]) => Promise<{ id: string; ownerId: string; mediaType?: string; size?: number }[]>;
    },
  ) {}

  now(): Date {
    return this.o.clock.now();
  }

  /** When a job must run for `instant` of this module's clock (tests move the clock; jobs run on real time). */
  private scheduleAt(instant: Date): Date {
    return new Date(Date.now() + (instant.getTime() - this.now().getTime()));
  }

  // ---- places ------------------------------------------------------------------------------

  /** The region's bounding box, or its nearest ancestor's. */
  async bounds(db: Db, regionCode: string) {
    const chain = [regionCode, ...ancestorsOf(regionCode).map((r) => r.code).reverse()];
    const rows = await db.selectFrom('region_bounds').selectAll().where('region_code', 'in', chain).execute();
    for (const c of chain) {
      const b = rows.find((r) => r.region_code === c);
      if (b) return b;
    }
    return undefined;
  }

  /** The smallest region of the node whose box contains the point (Open311 has no region field). */
  async regionOfPoint(db: Db, lat: number, lng: number): Promise<string | undefined> {
    const rows = await db
      .selectFrom('region_bounds')
      .selectAll()
      .where('region_code', 'like', subtreePattern(this.o.org.nodeRegion))
      .where('min_lat', '<=', lat)
      .where('max_lat', '>=', lat)
      .where('min_lng', '<=', lng)
      .where('max_lng', '>=', lng)
      .execute();
    rows.sort((a, b) => (a.max_lat - a.min_lat) * (a.max_lng - a.min_lng) - (b.max_lat - b.min_lat) * (b.max_lng - b.min_lng));
    return rows[0]?.region_code;
  }

  async listBounds() {
    const rows = await this.o.db.selectFrom('region_bounds').selectAll().orderBy('region_code').execute();
    return rows.map((b) => ({ regionCode: b.region_code, name: getRegion(b.region_code)?.name ?? b.region_code, minLat: b.min_lat, maxLat: b.max_lat, minLng: b.min_lng, maxLng: b.max_lng }));
  }

  // ---- filing --------------------------------------------------------------------------------

  /**
   * Files an inquiry. Signed-in people file any kind; without sign-in only an anonymous report.
   * Returns the tracking code once (anonymous reports).
   */
  async create(ctx: RequestContext, input: NewInquiry, opts: { channel?: 'open311'; serviceCode?: string; informant?: Informant } = {}) {
    // Open311 requests come from a client system on behalf of someone: no account of ours.
    const actor = opts.channel ? null : ctx.actor;
    const anonymous = !actor && !opts.channel;
    if (!actor && !opts.channel && input.kind !== 'report') throw E.signInRequired();
    const cat = categoryByCode(input.category);
    if (!cat || !cat.kinds.includes(input.kind)) throw E.categoryUnknown(opts.channel ? 'body/service_code' : 'body/category');
    if (!getRegion(input.regionCode) || !isInSubtree(input.regionCode, this.o.org.nodeRegion)) throw E.regionInvalid();
    if (input.location) {
      const b = await this.bounds(this.o.db, input.regionCode);
      const { lat, lng } = input.location;
      if (!b || lat < b.min_lat || lat > b.max_lat || lng < b.min_lng || lng > b.max_lng) throw E.pointOutside(opts.channel ? 'body/lat' : 'body/location');
    }
    let itemName: string | undefined;
    if (input.itemId) {
      itemName = await this.o.itemName(input.itemId);
      if (!itemName) throw E.itemNotFound();
    }
    const attachments = input.attachmentIds ?? [];
    if (attachments.length && !actor) throw E.attachmentsAnonymous();
    const code = anonymous ? newTrackingCode() : null;
    let informant: Informant | null = opts.informant ?? null;
    if (actor && !informant) {
      const c = await this.o.contactOf(subjectOf(actor));
      informant = { name: actor.actingAs?.displayName ?? actor.actingFor?.displayName ?? actor.displayName, mobile: input.contactMobile ?? c?.mobile ?? null };
    }
    const res = await this.o.db.transaction().execute(async (trx) => {
      if (attachments.length) {
        const files = await this.o.filesOwnedBy(trx, attachments);
        attachments.forEach((id, i) => {
          const f = files.find((x) => x.id === id && x.ownerId === subjectOf(actor!));
          if (!f) throw E.attachmentInvalid(i);
          // Photos and documents only, each within the attachment limit (the files module checked the content).
          if (f.mediaType && !ATTACHMENT_TYPES.includes(f.mediaType)) throw E.attachmentType(i, f.mediaType);
          if (f.size !== undefined && f.size > ATTACHMENT_MAX_BYTES) throw E.attachmentTooLarge(i, ATTACHMENT_MAX_BYTES);
        });
        if (new Set(attachments).size !== attachments.length) throw E.attachmentInvalid(attachments.findIndex((a, i) => attachments.indexOf(a) !== i));
      }
      const now = this.now();
      const seq = await sql<{ n: string }>`SELECT nextval('inquiry_number_seq')::text AS n`.execute(trx);
      const number = `${chinaDate(now).replaceAll('-', '')}${seq.rows[0].n.padStart(6, '0')}`;
      const id = randomUUID();
      await trx
        .insertInto('inquiries')
        .values({
          id,
          number,
          kind: input.kind,
          category: input.category,
          urgency: input.urgency ?? 'normal',
          title: input.title,
          content: input.content,
          region_code: input.regionCode,
          lat: input.location?.lat ?? null,
          lng: input.location?.lng ?? null,
          address: input.address ?? null,
          attachments: JSON.stringify(attachments),
          item_id: input.itemId ?? null,
          channel: opts.channel ?? input.channel ?? 'web',
          service_code: opts.serviceCode ?? null,
          person_id: actor ? subjectOf(actor) : null,
          anonymous,
          informant_enc: informant ? this.o.crypto.encrypt(JSON.stringify(informant)) : null,
          tracking_hash: code ? sha(normCode(code)) : null,
          state: 'pending_dispatch',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await this.event(trx, id, 'filed', 'public', null, null, `${KINDS[input.kind].zh}已受理 / ${KINDS[input.kind].en} received`);
      await recordAudit(trx, ctx, { action: 'inquiry.create', entityType: 'inquiry', entityId: id, detail: { kind: input.kind, category: input.category, channel: opts.channel ?? input.channel ?? 'web', anonymous } });
      // Dispatch by rule: the longest region prefix of a rule for this category (or 'other' rules).
      const rule = await this.ruleFor(trx, input.category, input.regionCode);
      if (rule) await this.dispatchTo(trx, id, rule.department_id, null, '按规则自动派单 / dispatched by rule');
      return { id, number };
    });
    return { ...res, trackingCode: code, inquiry: await this.view(this.o.db, res.id, actor, { tracking: !!code }) };
  }

  private async ruleFor(db: Db, category: string, regionCode: string) {
    const rules = await db.selectFrom('inquiry_dispatch_rules').selectAll().where('category', '=', category).execute();
    return rules.filter((r) => regionCode.startsWith(r.region_prefix)).sort((a, b) => b.region_prefix.length - a.region_prefix.length)[0];
  }

  async deadlinesFor(db: Db, regionCode: string, urgency: 'normal' | 'urgent') {
    const chain = [regionCode, ...ancestorsOf(regionCode).map((r) => r.code).reverse(), '000000'];
    const rows = await db.selectFrom('inquiry_deadlines').selectAll().where('urgency', '=', urgency).where('region_code', 'in', chain).execute();
    for (const c of chain) {
      const r = rows.find((x) => x.region_code === c);
      if (r) return r;
    }
    throw new Error('no default inquiry deadlines');
  }

  private async dispatchTo(trx: Db, id: string, departmentId: string, actor: Actor | null, note: string) {
    const i = await trx.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const now = this.now();
    const d = await this.deadlinesFor(trx, i.region_code, i.urgency);
    const respondDue = addWorkingHours(now, d.respond_hours);
    const resolveDue = deadlineAt(now, d.resolve_days);
    await trx.updateTable('inquiries').set({ state: 'dispatched', department_id: departmentId, dispatched_at: now, respond_due: respondDue, resolve_due: resolveDue, responded_at: null, responded_late: null, updated_at: now, version: sql`version + 1` }).where('id', '=', id).execute();
    const dept = await departmentOf(trx, departmentId);
    await this.event(trx, id, 'dispatched', 'public', actor, departmentId, `派至${dept?.name ?? ''}（${note}） / dispatched to ${dept?.nameEn ?? ''}`);
    for (const [kind, at] of [['respond', respondDue], ['resolve', resolveDue]] as const) {
      await enqueue(trx, { queue: QUEUE_TIMER, payload: { inquiryId: id, kind, at: at.toISOString(), dispatchedAt: now.toISOString(), slot: 0 }, runAt: this.scheduleAt(at), dedupeKey: `${id}:${kind}:${now.toISOString()}:0` });
    }
    for (const to of await this.staffOf(trx, departmentId)) await notify(trx, { recipientAccountId: to, template: 'inquiry.dispatched', params: { number: i.number, title: i.title, respondBy: fmt(respondDue) }, link: `/workbench/inquiries/${id}` });
  }

  private async event(trx: Db, id: string, type: string, visibility: 'public' | 'internal', actor: Actor | null, departmentId: string | null, note: string | null) {
    await trx.insertInto('inquiry_events').values({ inquiry_id: id, type, visibility, actor_name: actor?.displayName ?? null, department_id: departmentId, note, at: this.now() }).execute();
  }

  /** Department admins (notified of new and escalated work) — read from the identity module's tables. */
  private async staffOf(db: Db, departmentId: string): Promise<string[]> {
    const r = await sql<{ id: string }>`SELECT DISTINCT a.id FROM accounts a JOIN account_roles ar ON ar.account_id = a.id WHERE a.department_id = ${departmentId} AND ar.role = 'dept_admin' AND a.status = 'active'`.execute(db);
    return r.rows.map((x) => x.id);
  }

  private async supervisors(db: Db, regionCode: string): Promise<string[]> {
    const r = await sql<{ id: string; region_code: string | null }>`SELECT DISTINCT a.id, a.region_code FROM accounts a JOIN account_roles ar ON ar.account_id = a.id WHERE ar.role = 'supervisor' AND a.status = 'active'`.execute(db);
    return r.rows.filter((x) => x.region_code && isInSubtree(regionCode, x.region_code)).map((x) => x.id);
  }

  // ---- reading -------------------------------------------------------------------------------

  async mine(actor: Actor) {
    const rows = await this.o.db.selectFrom('inquiries').select('id').where('person_id', '=', subjectOf(actor)).orderBy('created_at', 'desc').limit(200).execute();
    return Promise.all(rows.map((r) => this.view(this.o.db, r.id, actor, { brief: true })));
  }

  /** Officers: their department's; supervisors: their region's; platform admins: all. */
  async list(actor: Actor, q: { state?: string; kind?: string; overdue?: boolean; limit?: number; offset?: number }) {
    let query = this.o.db.selectFrom('inquiries').select('id');
    if (hasRole(actor, 'platform_admin')) {
      /* all */
    } else if (hasRole(actor, 'supervisor')) query = query.where('region_code', 'like', subtreePattern(actor.regionCode ?? '______'));
    else query = query.where('department_id', '=', actor.departmentId ?? '00000000-0000-0000-0000-000000000000');
    if (q.state) query = query.where('state', '=', q.state as InquiryState);
    if (q.kind) query = query.where('kind', '=', q.kind as InquiryKind);
    if (q.overdue) query = query.where('state', 'in', ['dispatched', 'responded']).where('resolve_due', '<', this.now());
    const rows = await query.orderBy('created_at', 'desc').limit(q.limit ?? 50).offset(q.offset ?? 0).execute();
    return Promise.all(rows.map((r) => this.view(this.o.db, r.id, actor, { brief: true })));
  }

  private canSee(actor: Actor | null, i: Row): 'owner' | 'department' | 'supervisor' | null {
    if (!actor) return null;
    if (i.person_id && i.person_id === subjectOf(actor) && hasRole(actor, 'citizen', 'enterprise', 'agent')) return 'owner';
    if (actor.departmentId && actor.departmentId === i.department_id && hasRole(actor, 'window_clerk', 'reviewer', 'decider', 'dept_admin')) return 'department';
    if (hasRole(actor, 'platform_admin') || (hasRole(actor, 'supervisor') && actor.regionCode && isInSubtree(i.region_code, actor.regionCode))) return 'supervisor';
    return null;
  }

  async get(actor: Actor, id: string) {
    const i = await this.o.db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!i || !this.canSee(actor, i)) throw E.notFound();
    return this.view(this.o.db, id, actor);
  }

  /** An anonymous informant follows their report with its number and tracking code (nothing else is accepted). */
  async track(number: string, code: string) {
    const i = await this.o.db.selectFrom('inquiries').select(['id', 'tracking_hash']).where('number', '=', number).executeTakeFirst();
    if (!i || !i.tracking_hash || i.tracking_hash !== sha(normCode(code))) throw E.trackingNotFound();
    return this.view(this.o.db, i.id, null, { tracking: true });
  }

  async view(db: Db, id: string, actor: Actor | null, o: { brief?: boolean; tracking?: boolean } = {}) {
    const i = await db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const who = o.tracking ? 'owner' : this.canSee(actor, i);
    const dept = await departmentOf(db, i.department_id);
    const cat = categoryByCode(i.category);
    const base = {
      id: i.id,
      number: i.number,
      kind: i.kind,
      kindLabel: KINDS[i.kind],
      category: i.category,
      categoryLabel: cat ? { zh: cat.zh, en: cat.en } : null,
      urgency: i.urgency,
      title: i.title,
      regionCode: i.region_code,
      regionName: getRegion(i.region_code)?.name ?? null,
      channel: i.channel,
      state: i.state,
      stateLabel: STATE_LABELS[i.state],
      department: dept?.name ?? null,
      departmentId: i.department_id,
      respondDue: i.respond_due?.toISOString() ?? null,
      resolveDue: i.resolve_due?.toISOString() ?? null,
      overdue: OPEN.includes(i.state) && i.state !== 'replied' && !!i.resolve_due && i.resolve_due < this.now(),
      responseOverdue: i.state === 'dispatched' && !!i.respond_due && i.respond_due < this.now(),
      escalated: !!i.escalated_at,
      returns: i.returns,
      anonymous: i.anonymous,
      createdAt: i.created_at.toISOString(),
      repliedAt: i.replied_at?.toISOString() ?? null,
      resolved: i.resolved,
      satisfaction: i.satisfaction,
      canConfirm: who === 'owner' && i.state === 'replied',
    };
    if (o.brief) return base;
    const events = await db.selectFrom('inquiry_events').selectAll().where('inquiry_id', '=', id).orderBy('id').execute();
    let informant: (Informant & { visible: boolean }) | { visible: false } | null = null;
    if (i.informant_enc) {
      // The informant of a report is seen only by the handling department (and themselves).
      const full = JSON.parse(this.o.crypto.decrypt(i.informant_enc)) as Informant;
      if (who === 'department' || who === 'owner') informant = { ...full, visible: true };
      else if (i.kind === 'report') informant = { visible: false };
      else informant = { name: full.name ? maskName(full.name) : null, mobile: full.mobile ? maskMobile(full.mobile) : null, visible: true };
    }
    return {
      ...base,
      content: i.content,
      location: i.lat !== null && i.lng !== null ? { lat: i.lat, lng: i.lng } : null,
      address: i.address,
      attachmentIds: i.attachments,
      itemId: i.item_id,
      reply: i.reply,
      ratingComment: i.rating_comment,
      informant,
      timeline: events.filter((e) => e.visibility === 'public' || who === 'department' || who === 'supervisor').map((e) => ({ type: e.type, actor: who === 'owner' ? null : e.actor_name, note: e.note, at: e.at.toISOString() })),
    };
  }

  // ---- handling ------------------------------------------------------------------------------

  private async lock(trx: Db, id: string) {
    const i = await trx.selectFrom('inquiries').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!i) throw E.notFound();
    return i;
  }

  private assertDepartment(actor: Actor, i: Row) {
    if (!actor.departmentId || actor.departmentId !== i.department_id) throw E.otherDepartment();
  }

  private assertRegion(actor: Actor, i: Row) {
    if (!hasRole(actor, 'platform_admin') && (!actor.regionCode || !isInSubtree(i.region_code, actor.regionCode))) throw E.outOfRegion();
  }

  /** A dispatcher (12345 centre / supervisor) dispatches or redispatches. */
  async dispatch(ctx: RequestContext, id: string, body: { departmentId: string; note?: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      this.assertRegion(actor, i);
      if (i.state !== 'pending_dispatch') throw E.state(i.state, 'dispatch');
      const dept = await departmentOf(trx, body.departmentId);
      if (!dept) throw E.departmentUnknown();
      const last = await trx.selectFrom('inquiry_events').select('department_id').where('inquiry_id', '=', id).where('type', '=', 'returned').orderBy('id', 'desc').executeTakeFirst();
      if (last?.department_id === body.departmentId) throw E.sameDepartment();
      await this.dispatchTo(trx, id, body.departmentId, actor, body.note ?? '人工派单 / dispatched by hand');
      await recordAudit(trx, ctx, { action: 'inquiry.dispatch', entityType: 'inquiry', entityId: id, detail: { departmentId: body.departmentId } });
      return this.view(trx, id, actor);
    });
  }

  /** 退单: the department returns a wrong dispatch, with its reason; a dispatcher redispatches. */
  async returnDispatch(ctx: RequestContext, id: string, body: { reason: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      this.assertDepartment(actor, i);
      if (!['dispatched', 'responded'].includes(i.state)) throw E.state(i.state, 'return');
      await trx.updateTable('inquiries').set({ state: 'pending_dispatch', department_id: null, returns: sql`returns + 1`, respond_due: null, resolve_due: null, updated_at: this.now(), version: sql`version + 1` }).where('id', '=', id).execute();
      await this.event(trx, id, 'returned', 'internal', actor, i.department_id, body.reason);
      await recordAudit(trx, ctx, { action: 'inquiry.return', entityType: 'inquiry', entityId: id, detail: { reason: body.reason } });
      for (const to of await this.supervisors(trx, i.region_code)) await notify(trx, { recipientAccountId: to, template: 'inquiry.escalated', params: { number: i.number, title: i.title, reason: `退单：${body.reason}` }, link: `/workbench/inquiries/${id}` });
      return this.view(trx, id, actor);
    });
  }

  async respond(ctx: RequestContext, id: string, body: { note?: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      this.assertDepartment(actor, i);
      if (i.state !== 'dispatched') throw E.state(i.state, 'respond');
      const now = this.now();
      await trx.updateTable('inquiries').set({ state: 'responded', responded_at: now, responded_late: !!i.respond_due && now > i.respond_due, updated_at: now, version: sql`version + 1` }).where('id', '=', id).execute();
      await this.event(trx, id, 'responded', 'public', actor, i.department_id, body.note ?? '已签收，正在办理 / received, in progress');
      await recordAudit(trx, ctx, { action: 'inquiry.respond', entityType: 'inquiry', entityId: id });
      return this.view(trx, id, actor);
    });
  }

  async reply(ctx: RequestContext, id: string, body: { reply: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      this.assertDepartment(actor, i);
      if (!['dispatched', 'responded'].includes(i.state)) throw E.state(i.state, 'reply');
      const now = this.now();
      await trx
        .updateTable('inquiries')
        .set({
          state: 'replied',
          reply: body.reply,
          replied_at: now,
          replied_late: !!i.resolve_due && now > i.resolve_due,
          responded_at: i.responded_at ?? now,
          responded_late: i.responded_at ? i.responded_late : !!i.respond_due && now > i.respond_due,
          updated_at: now,
          version: sql`version + 1`,
        })
        .where('id', '=', id)
        .execute();
      await this.event(trx, id, 'replied', 'public', actor, i.department_id, body.reply);
      if (i.person_id) await notify(trx, { recipientAccountId: i.person_id, template: 'inquiry.replied', params: { number: i.number, title: i.title }, link: `/portal/inquiries/${id}` });
      await recordAudit(trx, ctx, { action: 'inquiry.reply', entityType: 'inquiry', entityId: id });
      return this.view(trx, id, actor);
    });
  }

  /** The person confirms whether it was resolved and rates it (by sign-in, or with the tracking code). */
  async confirm(ctx: RequestContext, id: string, body: { resolved: boolean; satisfaction: number; comment?: string; trackingCode?: string }) {
    const actor = ctx.actor;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      const owner = body.trackingCode !== undefined ? !!i.tracking_hash && i.tracking_hash === sha(normCode(body.trackingCode)) : !!actor && !!i.person_id && i.person_id === subjectOf(actor);
      if (!owner) throw body.trackingCode !== undefined ? E.trackingNotFound() : E.notYours();
      if (i.state !== 'replied') throw E.state(i.state, 'confirm');
      const now = this.now();
      await trx
        .updateTable('inquiries')
        .set({ state: body.resolved ? 'closed' : 'responded', resolved: body.resolved, satisfaction: body.satisfaction, rating_comment: body.comment ?? null, confirmed_at: now, closed_at: body.resolved ? now : null, updated_at: now, version: sql`version + 1` })
        .where('id', '=', id)
        .execute();
      await this.event(trx, id, body.resolved ? 'confirmed' : 'reopened', 'public', null, i.department_id, body.resolved ? '诉求人确认已解决 / confirmed resolved' : `诉求人认为未解决，退回继续办理：${body.comment ?? ''} / not resolved; back to the department`);
      await recordAudit(trx, ctx, { action: 'inquiry.confirm', entityType: 'inquiry', entityId: id, detail: { resolved: body.resolved, satisfaction: body.satisfaction } });
      return this.view(trx, id, null, { tracking: true });
    });
  }

  /** 督办 by a supervisor. */
  async escalate(ctx: RequestContext, id: string, body: { note: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const i = await this.lock(trx, id);
      this.assertRegion(actor, i);
      if (!OPEN.includes(i.state)) throw E.state(i.state, 'escalate');
      await trx.updateTable('inquiries').set({ escalated_at: this.now(), updated_at: this.now(), version: sql`version + 1` }).where('id', '=', id).execute();
      await this.event(trx, id, 'escalated', 'internal', actor, i.department_id, body.note);
      if (i.department_id) for (const to of await this.staffOf(trx, i.department_id)) await notify(trx, { recipientAccountId: to, template: 'inquiry.escalated', params: { number: i.number, title: i.title, reason: body.note }, link: `/workbench/inquiries/${id}` });
      await recordAudit(trx, ctx, { action: 'inquiry.escalate', entityType: 'inquiry', entityId: id });
      return this.view(trx, id, actor);
    });
  }

  /** Deadline timers: an inquiry not responded / not answered in time is escalated automatically. */
  async onTimer(job: ClaimedJob): Promise<void> {
    const p = job.payload as { inquiryId: string; kind: 'respond' | 'resolve'; at: string; dispatchedAt: string; slot?: number };
    if (this.now() < new Date(p.at)) {
      const slot = p.slot ? 0 : 1;
      await enqueue(this.o.db, { queue: QUEUE_TIMER, payload: { ...p, slot }, runAt: this.scheduleAt(new Date(p.at)), dedupeKey: `${p.inquiryId}:${p.kind}:${p.dispatchedAt}:${slot}` });
      return;
    }
    await this.o.db.transaction().execute(async (trx) => {
      const i = await trx.selectFrom('inquiries').selectAll().where('id', '=', p.inquiryId).forUpdate().executeTakeFirst();
      if (!i || !i.dispatched_at || i.dispatched_at.toISOString() !== p.dispatchedAt) return;
      const late = p.kind === 'respond' ? i.state === 'dispatched' : ['dispatched', 'responded'].includes(i.state);
      if (!late) return;
      const reason = p.kind === 'respond' ? '超时未响应 / not responded in time' : '超期未办结 / not resolved in time';
      await trx.updateTable('inquiries').set({ escalated_at: i.escalated_at ?? this.now() }).where('id', '=', i.id).execute();
      await this.event(trx, i.id, 'overdue', 'internal', null, i.department_id, reason);
      const to = [...(i.department_id ? await this.staffOf(trx, i.department_id) : []), ...(await this.supervisors(trx, i.region_code))];
      for (const a of to) await notify(trx, { recipientAccountId: a, template: 'inquiry.escalated', params: { number: i.number, title: i.title, reason }, link: `/workbench/inquiries/${i.id}` });
    });
  }

  // ---- configuration -------------------------------------------------------------------------

  async rules() {
    const rows = await this.o.db.selectFrom('inquiry_dispatch_rules').selectAll().orderBy('category').orderBy('region_prefix').execute();
    return Promise.all(rows.map(async (r) => ({ id: r.id, category: r.category, regionPrefix: r.region_prefix, departmentId: r.department_id, department: (await this.o.org.department(r.department_id))?.name ?? null })));
  }

  async putRule(ctx: RequestContext, body: { category: string; regionPrefix: string; departmentId: string }) {
    if (!categoryByCode(body.category)) throw E.categoryUnknown();
    if (!(await this.o.org.department(body.departmentId))) throw E.departmentUnknown();
    return this.o.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await trx
        .insertInto('inquiry_dispatch_rules')
        .values({ id, category: body.category, region_prefix: body.regionPrefix, department_id: body.departmentId })
        .onConflict((oc) => oc.columns(['category', 'region_prefix']).doUpdateSet({ department_id: body.departmentId }))
        .execute();
      await recordAudit(trx, ctx, { action: 'inquiry.rule_set', entityType: 'inquiry_dispatch_rule', detail: body });
      return body;
    });
  }

  async listDeadlines() {
    const rows = await this.o.db.selectFrom('inquiry_deadlines').selectAll().orderBy('region_code').orderBy('urgency').execute();
    return rows.map((r) => ({ regionCode: r.region_code, urgency: r.urgency, respondHours: r.respond_hours, resolveDays: r.resolve_days }));
  }

  async setDeadline(ctx: RequestContext, regionCode: string, urgency: 'normal' | 'urgent', body: { respondHours: number; resolveDays: number }) {
    if (regionCode !== '000000' && !getRegion(regionCode)) throw E.regionInvalid('params/regionCode');
    return this.o.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('inquiry_deadlines')
        .values({ region_code: regionCode, urgency, respond_hours: body.respondHours, resolve_days: body.resolveDays })
        .onConflict((oc) => oc.columns(['region_code', 'urgency']).doUpdateSet({ respond_hours: body.respondHours, resolve_days: body.resolveDays, updated_at: sql`now()` }))
        .execute();
      await recordAudit(trx, ctx, { action: 'inquiry.deadline_set', entityType: 'region', entityId: regionCode, detail: { urgency, ...body } });
      return { regionCode, urgency, ...body };
    });
  }

  categories() {
    return CATEGORIES.map((c) => ({ code: c.code, zh: c.zh, en: c.en, group: c.group, kinds: c.kinds }));
  }
}

/** 'YYYY-MM-DD HH:mm' China time. */
export function fmt(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export const maskText = maskPersonalDataInText;
