/**
 * Reviews (好差评) and the rectification of bad reviews (差评整改).
 *
 * - One review per concluded application (一事一评: the root application, a bundle as a whole)
 *   and per window visit (一次一评), only by the applicant or their agent (application) or the
 *   holder of the visit's rating link (window device / SMS). A review can be corrected within
 *   REVIEW_CORRECTION_MINUTES; a second review is refused. No default ratings: nothing is ever
 *   written for a case nobody rated.
 * - A 差评 (level 1 or 2) opens a case: 核实 (verify) → 整改 (rectify) → 反馈 (feedback) → the
 *   reviewer may re-rate once. Each step has a deadline in working days (rectification_deadlines,
 *   nearest region up the tree, '000000' the fallback); timers warn on the last day and escalate
 *   to the region's supervisors when it has passed. A department may appeal (申诉) once, with
 *   evidence files; a supervisor upholds (the review is annulled, out of the statistics) or
 *   rejects (the step restarts).
 * - Gaming detection after each review: bursts of top ratings from one device or address, and
 *   reviews within seconds of conclusion at scale, are flagged to supervisors.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { transact } from '../../db/deferred';
import { recordAudit } from '../../plugins/audit';
import { hasRole, subjectOf, type Actor, type RequestContext } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import { maskName, maskPersonalDataInText } from '../../shared/masking';
import { ancestorsOf, isInSubtree, isRegionCode, subtreePattern } from '../../shared/regions';
import { addWorkingDays, chinaDate } from '../../shared/workdays';
import { chinaEndOfDay } from '../../shared/dates';
import { cancelJobs, enqueue, type ClaimedJob } from '../jobs';
import { notify } from '../notifications';
import type { OrgService } from '../org';
import { CASE_STATES, CLOSED_REASONS, reviewErrors as E } from './reviews.errors';
import { rollupDelta } from './reviews.rollup';
import type { CaseState } from './reviews.tables';
import './reviews.tables';

export const LEVELS = {
  5: { zh: '非常满意', en: 'Very satisfied' },
  4: { zh: '满意', en: 'Satisfied' },
  3: { zh: '基本满意', en: 'Fairly satisfied' },
  2: { zh: '不满意', en: 'Dissatisfied' },
  1: { zh: '非常不满意', en: 'Very dissatisfied' },
} as const;
/** 差评: the last two levels. */
export const isBad = (level: number) => level <= 2;

export const INDICATORS = {
  online: ['overall', 'efficiency', 'guide_accuracy', 'convenience', 'platform_usability'],
  onsite: ['overall', 'efficiency', 'service_level', 'attitude'],
} as const;
export type IndicatorSet = keyof typeof INDICATORS;

export const CHANNELS = ['web', 'mobile', 'window_device', '12345', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
const CHANNELS_FOR: Record<'application' | 'visit', Channel[]> = {
  application: ['web', 'mobile', '12345', 'sms'],
  visit: ['window_device', 'sms', '12345'],
};

export const QUEUE_TIMER = 'reviews.timer';
export const QUEUE_REMIND = 'reviews.remind';

export interface ReviewSettings {
  correctionMinutes: number;
  reminderHours: number;
  visitLinkDays: number;
  /** Days the one-time rating link of the invitation SMS stays valid. */
  inviteLinkDays: number;
  /** Absolute base of links sent by SMS (the site's public address). */
  publicUrl: string;
  burstCount: number;
  burstMinutes: number;
  fastSeconds: number;
  fastCount: number;
}

export interface RatingInput {
  level: number;
  scores: Record<string, number>;
  comment?: string;
  channel: Channel;
  deviceId?: string;
}

const STEP_OF: Partial<Record<CaseState, { zh: string; en: string; days: 'verify_days' | 'rectify_days' | 'feedback_days' }>> = {
  verifying: { zh: '核实', en: 'verify', days: 'verify_days' },
  rectifying: { zh: '整改', en: 'rectify', days: 'rectify_days' },
  feedback: { zh: '反馈', en: 'feed back', days: 'feedback_days' },
};

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const OFFICERS = ['window_clerk', 'reviewer', 'decider', 'dept_admin'] as const;

interface AppRow {
  id: string;
  parent_id: string | null;
  number: string | null;
  title: string;
  state: string;
  applicant_id: string;
  department_id: string | null;
  item_id: string | null;
  region_code: string;
  concluded_at: Date | null;
}

/** A department's names, read with the given handle (inside a transaction, the transaction). */
export async function departmentOf(db: Db, id: string | null): Promise<{ name: string; nameEn: string; regionCode: string } | undefined> {
  if (!id) return undefined;
  const r = await sql<{ name: string; name_en: string; region_code: string }>`SELECT name, name_en, region_code FROM departments WHERE id = ${id}`.execute(db);
  const d = r.rows[0];
  return d && { name: d.name, nameEn: d.name_en, regionCode: d.region_code };
}

export class ReviewService {
  /** Bumped on every write that changes the statistics (the public statistics cache keys on it). */
  generation = 0;

  constructor(
    private readonly o: {
      db: Db;
      org: OrgService;
      clock: { now(): Date };
      settings: ReviewSettings;
      itemName: (itemId: string) => Promise<{ name: string; departmentId: string } | undefined>;
      filesOwnedBy: (trx: Db, ids: string[]) => Promise<{ id: string; ownerId: string }[]>;
    },
  ) {}

  now(): Date {
    return this.o.clock.now();
  }

  /** When a job must run for `instant` of this module's clock (tests move the clock; jobs run on real time). */
  private scheduleAt(instant: Date): Date {
    return new Date(Date.now() + (instant.getTime() - this.now().getTime()));
  }

  // ---- invitations (outbox of the applications module) -----------------------------------

  /** `application.state_changed` to concluded of a root application: invite, and remind later. Idempotent. */
  async onStateChanged(event: Record<string, unknown>): Promise<void> {
    if (event.to !== 'concluded') return;
    const id = String(event.applicationId);
    // The engine's event carries the root, applicant, number and title: a bundle's child (rootId is
    // its bundle) is not rated on its own, and the rest needs no read of the row.
    const fromEvent = typeof event.rootId === 'string' && typeof event.applicantId === 'string' && typeof event.title === 'string';
    if (fromEvent && event.rootId !== id) return;
    const app = fromEvent
      ? { parent_id: null, applicant_id: event.applicantId as string, number: (event.number as string | null) ?? null, title: event.title as string }
      : await this.application(this.o.db, id);
    if (!app || app.parent_id) return;
    // The SMS carries a one-time rating link (whoever holds it rates this application once, as its
    // applicant, before it expires); only the token's hash is kept.
    const token = randomBytes(18).toString('base64url');
    const expires = new Date(this.now().getTime() + this.o.settings.inviteLinkDays * 86400_000);
    // Deferring (db/deferred.ts): the notification, its delivery and the two jobs go with the COMMIT.
    await transact(this.o.db, async (trx) => {
      const ins = await trx
        .insertInto('review_invitations')
        .values({ application_id: id, applicant_id: app.applicant_id, invited_at: this.now(), token_hash: sha(token), token_expires_at: expires })
        .onConflict((oc) => oc.column('application_id').doNothing())
        .returning('application_id')
        .executeTakeFirst();
      if (!ins) return;
      const rateUrl = `${this.o.settings.publicUrl}/rate/a/${token}`;
      await notify(trx, { recipientAccountId: app.applicant_id, template: 'review.invite_link', params: { applicationNo: app.number ?? '', itemName: app.title, rateUrl, expiresOn: chinaDate(expires) }, link: `/portal/reviews/rate/${id}` });
      const at = new Date(this.now().getTime() + this.o.settings.reminderHours * 3600_000);
      await enqueue(trx, { queue: QUEUE_REMIND, payload: { applicationId: id, at: at.toISOString(), slot: 0 }, runAt: this.scheduleAt(at), dedupeKey: `remind:${id}:0` });
    });
  }

  /** The reminder: once, only if still unrated (no default rating is ever written). */
  async onRemind(job: ClaimedJob): Promise<void> {
    const id = String(job.payload.applicationId);
    const at = new Date(String(job.payload.at));
    if (this.now() < at) {
      // Early by this clock: wait again (the other slot, since this job is still pending).
      const slot = job.payload.slot ? 0 : 1;
      await enqueue(this.o.db, { queue: QUEUE_REMIND, payload: { ...job.payload, slot }, runAt: this.scheduleAt(at), dedupeKey: `remind:${id}:${slot}` });
      return;
    }
    await this.o.db.transaction().execute(async (trx) => {
      const inv = await trx.selectFrom('review_invitations').selectAll().where('application_id', '=', id).forUpdate().executeTakeFirst();
      if (!inv || inv.reminded_at) return;
      const reviewed = await trx.selectFrom('reviews').select('id').where('subject_kind', '=', 'application').where('subject_id', '=', id).executeTakeFirst();
      if (reviewed) return;
      const app = await this.application(trx, id);
      if (!app) return;
      await trx.updateTable('review_invitations').set({ reminded_at: this.now() }).where('application_id', '=', id).execute();
      await notify(trx, { recipientAccountId: inv.applicant_id, template: 'review.reminder', params: { applicationNo: app.number ?? '', itemName: app.title }, link: `/portal/reviews/rate/${id}` });
    });
  }

  // ---- reviewing --------------------------------------------------------------------------

  private async application(db: Db, id: string): Promise<AppRow | undefined> {
    // Read-only access to the applications module's row (state, applicant, department, item, region).
    const r = await sql<AppRow>`SELECT id, parent_id, number, title, state, applicant_id, department_id, item_id, region_code, concluded_at FROM applications WHERE id = ${id}`.execute(db);
    return r.rows[0];
  }

  /** Concluded applications of mine, with their review if any (the portal's "to rate" list). */
  async mine(actor: Actor) {
    const me = subjectOf(actor);
    const r = await sql<AppRow & { review_id: string | null; level: number | null; rerated: boolean | null; revision: number | null; created_at_r: Date | null; case_state: string | null; case_number: string | null }>`
      SELECT a.id, a.parent_id, a.number, a.title, a.state, a.applicant_id, a.department_id, a.item_id, a.region_code, a.concluded_at,
             r.id AS review_id, r.level, r.rerated, r.revision, r.created_at AS created_at_r, c.state AS case_state, c.number AS case_number
      FROM applications a
      LEFT JOIN reviews r ON r.subject_kind = 'application' AND r.subject_id = a.id
      LEFT JOIN rectification_cases c ON c.review_id = r.id
      WHERE a.applicant_id = ${me} AND a.parent_id IS NULL AND a.state = 'concluded'
      ORDER BY a.concluded_at DESC NULLS LAST LIMIT 200`.execute(this.o.db);
    const correctionMs = this.o.settings.correctionMinutes * 60_000;
    return Promise.all(
      r.rows.map(async (a) => ({
        applicationId: a.id,
        number: a.number,
        title: a.title,
        department: a.department_id ? ((await this.o.org.department(a.department_id))?.name ?? null) : null,
        concludedAt: a.concluded_at?.toISOString() ?? null,
        review: a.review_id
          ? {
              id: a.review_id,
              level: a.level!,
              rerated: !!a.rerated,
              correctable: this.now().getTime() - a.created_at_r!.getTime() <= correctionMs && !a.rerated,
              caseState: a.case_state,
              caseNumber: a.case_number,
              canRerate: a.case_state === 'awaiting_rerate' && !a.rerated,
            }
          : null,
      })),
    );
  }

  checkRating(input: RatingInput, set: IndicatorSet, subject: 'application' | 'visit') {
    if (!CHANNELS_FOR[subject].includes(input.channel)) throw E.channelInvalid(CHANNELS_FOR[subject]);
    const want: readonly string[] = INDICATORS[set];
    const got = Object.keys(input.scores);
    const missing = want.filter((k) => !got.includes(k));
    const extra = got.filter((k) => !want.includes(k));
    if (missing.length || extra.length) throw E.scoresInvalid(missing, extra);
    if (input.scores.overall !== input.level) throw E.overallMismatch();
    if (isBad(input.level) && (input.comment ?? '').trim().length < 5) throw E.commentRequired();
  }

  async reviewApplication(ctx: RequestContext, input: RatingInput & { applicationId: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const app = await this.application(trx, input.applicationId);
      // Another's application is "not the applicant" (403) — a clear refusal, no details of it shown.
      if (!app) throw E.applicationNotFound();
      if (app.applicant_id !== subjectOf(actor)) throw E.notApplicant();
      if (app.parent_id) throw E.notRoot();
      if (app.state !== 'concluded') throw E.notConcluded(app.state);
      const reviewerName = actor.actingFor ? `${actor.displayName}（代${actor.actingFor.displayName}）` : (actor.actingAs?.displayName ?? actor.displayName);
      const id = await this.insertApplicationReview(trx, ctx, app, { id: subjectOf(actor), name: reviewerName }, input);
      return this.reviewView(trx, id);
    });
  }

  /** 一事一评 of a concluded application, once: refuses a second review, checks the rating, records it. */
  private async insertApplicationReview(
    trx: Db,
    ctx: RequestContext,
    app: AppRow,
    reviewer: { id: string | null; name: string },
    input: RatingInput,
  ): Promise<string> {
    const existing = await trx.selectFrom('reviews').select('id').where('subject_kind', '=', 'application').where('subject_id', '=', app.id).executeTakeFirst();
    if (existing) throw E.already();
    this.checkRating(input, 'online', 'application');
    return this.insertReview(trx, ctx, {
      subject_kind: 'application',
      subject_id: app.id,
      subject_number: app.number,
      subject_title: app.title,
      department_id: app.department_id,
      item_id: app.item_id,
      region_code: app.region_code,
      reviewer_id: reviewer.id,
      reviewer_name: reviewer.name,
      indicator_set: 'online',
      concluded_at: app.concluded_at ?? this.now(),
    }, input);
  }

  private async insertReview(
    trx: Db,
    ctx: RequestContext,
    s: { subject_kind: 'application' | 'visit'; subject_id: string; subject_number: string | null; subject_title: string; department_id: string | null; item_id: string | null; region_code: string; reviewer_id: string | null; reviewer_name: string; indicator_set: IndicatorSet; concluded_at: Date },
    input: RatingInput,
  ): Promise<string> {
    const id = randomUUID();
    const now = this.now();
    const comment = input.comment?.trim() || null;
    await trx
      .insertInto('reviews')
      .values({ id, ...s, channel: input.channel, level: input.level, first_level: input.level, scores: JSON.stringify(input.scores), comment, device_id: input.deviceId ?? null, ip: ctx.ip, created_at: now, updated_at: now })
      .execute();
    await trx.insertInto('review_history').values({ review_id: id, kind: 'initial', level: input.level, scores: JSON.stringify(input.scores), comment, channel: input.channel, at: now }).execute();
    this.generation++;
    await recordAudit(trx, ctx, { action: 'review.create', entityType: 'review', entityId: id, detail: { subject: s.subject_kind, subjectId: s.subject_id, level: input.level, channel: input.channel } });
    if (isBad(input.level)) await this.openCase(trx, id, s.department_id, s.region_code, s.subject_title);
    await rollupDelta(trx, [id], 1);
    await this.detectGaming(trx, { id, level: input.level, deviceId: input.deviceId ?? null, ip: ctx.ip, departmentId: s.department_id, regionCode: s.region_code, concludedAt: s.concluded_at, at: now });
    return id;
  }

  /** A correction within the window: the same review, a new revision (not a second review). */
  async correct(ctx: RequestContext, id: string, input: Omit<RatingInput, 'channel' | 'deviceId'>) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('reviews').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!r) throw E.reviewNotFound();
      if (r.subject_kind !== 'application' || r.reviewer_id !== subjectOf(actor)) throw E.notYours();
      const minutes = this.o.settings.correctionMinutes;
      if (r.rerated || this.now().getTime() - r.created_at.getTime() > minutes * 60_000) throw E.correctionClosed(minutes);
      this.checkRating({ ...input, channel: r.channel as Channel }, r.indicator_set, r.subject_kind);
      const now = this.now();
      const comment = input.comment?.trim() || null;
      // The review and its case are both locked before the roll-up reads their contribution (a case step may be under way).
      const c = await trx.selectFrom('rectification_cases').selectAll().where('review_id', '=', id).forUpdate().executeTakeFirst();
      await rollupDelta(trx, [id], -1);
      await trx.updateTable('reviews').set({ level: input.level, first_level: input.level, scores: JSON.stringify(input.scores), comment, revision: sql`revision + 1`, updated_at: now }).where('id', '=', id).execute();
      await trx.insertInto('review_history').values({ review_id: id, kind: 'correction', level: input.level, scores: JSON.stringify(input.scores), comment, channel: r.channel, at: now }).execute();
      if (isBad(input.level) && !c) await this.openCase(trx, id, r.department_id, r.region_code, r.subject_title);
      if (!isBad(input.level) && c && !['closed', 'annulled'].includes(c.state)) {
        await trx.updateTable('rectification_cases').set({ state: 'annulled', closed_reason: 'corrected', closed_at: now, version: sql`version + 1` }).where('id', '=', c.id).execute();
        await this.event(trx, c.id, 'corrected_by_reviewer', null, '评价人已将差评更正为非差评 / the reviewer corrected the bad review');
      }
      await rollupDelta(trx, [id], 1);
      this.generation++;
      await recordAudit(trx, ctx, { action: 'review.correct', entityType: 'review', entityId: id, detail: { from: r.level, to: input.level } });
      return this.reviewView(trx, id);
    });
  }

  /** Re-rating after the department's feedback: once, by the reviewer. */
  async rerate(ctx: RequestContext, id: string, input: Omit<RatingInput, 'channel' | 'deviceId'> & { channel?: Channel }, byToken?: string) {
    const actor = ctx.actor;
    return this.o.db.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('reviews').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!r) throw E.reviewNotFound();
      if (byToken === undefined && (r.subject_kind !== 'application' || !actor || r.reviewer_id !== subjectOf(actor))) throw E.notYours();
      const c = await trx.selectFrom('rectification_cases').selectAll().where('review_id', '=', id).forUpdate().executeTakeFirst();
      if (!c || c.state !== 'awaiting_rerate' || r.rerated) throw E.rerateNotOpen();
      const channel = input.channel ?? (r.channel as Channel);
      this.checkRating({ ...input, channel }, r.indicator_set, r.subject_kind);
      const now = this.now();
      const comment = input.comment?.trim() || null;
      // The comment of the 差评 stays (the ledger shows what was complained of); the re-rating's is in the history.
      await rollupDelta(trx, [id], -1);
      await trx.updateTable('reviews').set({ level: input.level, scores: JSON.stringify(input.scores), rerated: true, revision: sql`revision + 1`, updated_at: now }).where('id', '=', id).execute();
      await trx.insertInto('review_history').values({ review_id: id, kind: 'rerate', level: input.level, scores: JSON.stringify(input.scores), comment, channel, at: now }).execute();
      await trx.updateTable('rectification_cases').set({ state: 'closed', closed_reason: 'rerated', closed_at: now, version: sql`version + 1` }).where('id', '=', c.id).execute();
      await this.event(trx, c.id, 'rerated', null, `重新评价：${LEVELS[input.level as 1].zh} / re-rated: ${LEVELS[input.level as 1].en}`);
      await rollupDelta(trx, [id], 1);
      this.generation++;
      await recordAudit(trx, ctx, { action: 'review.rerate', entityType: 'review', entityId: id, detail: { from: r.level, to: input.level, caseId: c.id } });
      return this.reviewView(trx, id);
    });
  }

  async myReview(actor: Actor, id: string) {
    const r = await this.o.db.selectFrom('reviews').select(['id', 'reviewer_id', 'subject_kind']).where('id', '=', id).executeTakeFirst();
    if (!r || r.subject_kind !== 'application' || r.reviewer_id !== subjectOf(actor)) throw E.reviewNotFound();
    return this.reviewView(this.o.db, id);
  }

  async reviewView(db: Db, id: string) {
    const r = await db.selectFrom('reviews').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const c = await db.selectFrom('rectification_cases').select(['id', 'number', 'state', 'step_due', 'feedback', 'measures']).where('review_id', '=', id).executeTakeFirst();
    const history = await db.selectFrom('review_history').select(['kind', 'level', 'comment', 'channel', 'at']).where('review_id', '=', id).orderBy('id').execute();
    return {
      id: r.id,
      subject: { kind: r.subject_kind, id: r.subject_id, number: r.subject_number, title: r.subject_title },
      level: r.level,
      levelLabel: LEVELS[r.level as 1],
      firstLevel: r.first_level,
      bad: isBad(r.level),
      scores: r.scores,
      indicatorSet: r.indicator_set,
      comment: r.comment,
      channel: r.channel,
      revision: r.revision,
      rerated: r.rerated,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      correctableUntil: new Date(r.created_at.getTime() + this.o.settings.correctionMinutes * 60_000).toISOString(),
      case: c ? { id: c.id, number: c.number, state: c.state, stateLabel: CASE_STATES[c.state], stepDue: c.step_due, measures: c.measures, feedback: c.feedback } : null,
      history: history.map((h) => ({ kind: h.kind, level: h.level, comment: h.comment, channel: h.channel, at: h.at.toISOString() })),
    };
  }

  // ---- the invitation's rating link (SMS) ------------------------------------------------------

  private async invitationByToken(db: Db, token: string, lock = false) {
    let q = db.selectFrom('review_invitations').selectAll().where('token_hash', '=', sha(token));
    if (lock) q = q.forUpdate();
    const inv = await q.executeTakeFirst();
    if (!inv || !inv.token_expires_at || inv.token_expires_at < this.now()) throw E.inviteLinkInvalid();
    return inv;
  }

  /** What the rating link opens: the application (no personal data) and its review if given. */
  async invitation(token: string) {
    const inv = await this.invitationByToken(this.o.db, token);
    const app = await this.application(this.o.db, inv.application_id);
    if (!app) throw E.inviteLinkInvalid();
    const r = await this.o.db.selectFrom('reviews').select('id').where('subject_kind', '=', 'application').where('subject_id', '=', app.id).executeTakeFirst();
    return {
      number: app.number,
      title: app.title,
      department: app.department_id ? ((await this.o.org.department(app.department_id))?.name ?? null) : null,
      concludedAt: app.concluded_at?.toISOString() ?? null,
      expiresAt: inv.token_expires_at!.toISOString(),
      indicators: [...INDICATORS.online],
      used: !!inv.token_used_at || !!r,
      review: r ? await this.reviewView(this.o.db, r.id) : null,
    };
  }

  /** Rating by the invitation's link (channel sms): once, as the applicant; the link is then spent. */
  async rateByInvitation(ctx: RequestContext, token: string, input: Omit<RatingInput, 'channel'>) {
    return this.o.db.transaction().execute(async (trx) => {
      const inv = await this.invitationByToken(trx, token, true);
      if (inv.token_used_at) throw E.inviteLinkUsed();
      const app = await this.application(trx, inv.application_id);
      if (!app || app.state !== 'concluded') throw E.inviteLinkInvalid();
      const name = (await sql<{ applicant_name: string }>`SELECT applicant_name FROM applications WHERE id = ${app.id}`.execute(trx)).rows[0]?.applicant_name ?? '申请人';
      const id = await this.insertApplicationReview(trx, ctx, app, { id: app.applicant_id, name }, { ...input, channel: 'sms' });
      await trx.updateTable('review_invitations').set({ token_used_at: this.now() }).where('application_id', '=', app.id).execute();
      return this.reviewView(trx, id);
    });
  }

  // ---- window visits (一次一评) -------------------------------------------------------------

  async createVisit(ctx: RequestContext, input: { itemId?: string; personName?: string }) {
    const actor = ctx.actor!;
    if (!actor.departmentId) throw E.noDepartment();
    const dept = await this.o.org.department(actor.departmentId);
    let itemName: string | null = null;
    if (input.itemId) {
      const item = await this.o.itemName(input.itemId);
      if (!item) throw E.itemNotFound();
      itemName = item.name;
    }
    const token = randomBytes(16).toString('base64url');
    const id = randomUUID();
    const now = this.now();
    await this.o.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('review_visits')
        .values({
          id,
          token_hash: sha(token),
          department_id: actor.departmentId!,
          region_code: dept?.regionCode ?? this.o.org.nodeRegion,
          item_id: input.itemId ?? null,
          item_name: itemName,
          clerk_id: actor.accountId,
          clerk_name: actor.displayName,
          person_name: input.personName ?? null,
          concluded_at: now,
          expires_at: new Date(now.getTime() + this.o.settings.visitLinkDays * 86400_000),
        })
        .execute();
      await recordAudit(trx, ctx, { action: 'review.visit_create', entityType: 'review_visit', entityId: id, detail: { itemId: input.itemId ?? null } });
    });
    return { id, token, link: `/rate/${token}`, expiresAt: new Date(now.getTime() + this.o.settings.visitLinkDays * 86400_000).toISOString() };
  }

  private async visitByToken(db: Db, token: string) {
    const v = await db.selectFrom('review_visits').selectAll().where('token_hash', '=', sha(token)).executeTakeFirst();
    if (!v || v.expires_at < this.now()) throw E.visitNotFound();
    return v;
  }

  async visit(token: string) {
    const v = await this.visitByToken(this.o.db, token);
    const r = await this.o.db.selectFrom('reviews').select('id').where('subject_kind', '=', 'visit').where('subject_id', '=', v.id).executeTakeFirst();
    const dept = await this.o.org.department(v.department_id);
    return {
      department: dept?.name ?? '',
      itemName: v.item_name,
      clerk: maskName(v.clerk_name),
      indicators: [...INDICATORS.onsite],
      channels: CHANNELS_FOR.visit,
      review: r ? await this.reviewView(this.o.db, r.id) : null,
    };
  }

  async reviewVisit(ctx: RequestContext, token: string, input: RatingInput) {
    return this.o.db.transaction().execute(async (trx) => {
      const v = await this.visitByToken(trx, token);
      const existing = await trx.selectFrom('reviews').select('id').where('subject_kind', '=', 'visit').where('subject_id', '=', v.id).executeTakeFirst();
      if (existing) throw E.already();
      this.checkRating(input, 'onsite', 'visit');
      const id = await this.insertReview(trx, ctx, {
        subject_kind: 'visit',
        subject_id: v.id,
        subject_number: null,
        subject_title: v.item_name ?? '窗口服务',
        department_id: v.department_id,
        item_id: v.item_id,
        region_code: v.region_code,
        reviewer_id: null,
        reviewer_name: v.person_name ?? '窗口办事群众',
        indicator_set: 'onsite',
        concluded_at: v.concluded_at,
      }, input);
      return this.reviewView(trx, id);
    });
  }

  async rerateVisit(ctx: RequestContext, token: string, input: Omit<RatingInput, 'deviceId'>) {
    const v = await this.visitByToken(this.o.db, token);
    const r = await this.o.db.selectFrom('reviews').select('id').where('subject_kind', '=', 'visit').where('subject_id', '=', v.id).executeTakeFirst();
    if (!r) throw E.rerateNotOpen();
    return this.rerate(ctx, r.id, input, token);
  }

  // ---- rectification cases ------------------------------------------------------------------

  async deadlines(regionCode: string, db: Db = this.o.db) {
    const chain = [regionCode, ...ancestorsOf(regionCode).map((r) => r.code).reverse(), '000000'];
    const rows = await db.selectFrom('rectification_deadlines').selectAll().where('region_code', 'in', chain).execute();
    for (const code of chain) {
      const row = rows.find((r) => r.region_code === code);
      if (row) return row;
    }
    throw new Error('no default rectification deadlines');
  }

  async listDeadlines() {
    const rows = await this.o.db.selectFrom('rectification_deadlines').selectAll().orderBy('region_code').execute();
    return rows.map((r) => ({ regionCode: r.region_code, verifyDays: r.verify_days, rectifyDays: r.rectify_days, feedbackDays: r.feedback_days }));
  }

  async setDeadlines(ctx: RequestContext, regionCode: string, d: { verifyDays: number; rectifyDays: number; feedbackDays: number }) {
    if (regionCode !== '000000' && !isRegionCode(regionCode)) throw E.regionInvalid();
    await this.o.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('rectification_deadlines')
        .values({ region_code: regionCode, verify_days: d.verifyDays, rectify_days: d.rectifyDays, feedback_days: d.feedbackDays })
        .onConflict((oc) => oc.column('region_code').doUpdateSet({ verify_days: d.verifyDays, rectify_days: d.rectifyDays, feedback_days: d.feedbackDays, updated_at: sql`now()` }))
        .execute();
      await recordAudit(trx, ctx, { action: 'review.deadlines_set', entityType: 'region', entityId: regionCode, detail: d });
    });
    return { regionCode, ...d };
  }

  private async openCase(trx: Db, reviewId: string, departmentId: string | null, regionCode: string, subject: string) {
    const d = await this.deadlines(regionCode, trx);
    const now = this.now();
    const due = addWorkingDays(chinaDate(now), d.verify_days);
    const seq = await sql<{ n: string }>`SELECT nextval('rectification_number_seq')::text AS n`.execute(trx);
    const number = `ZG${chinaDate(now).replaceAll('-', '')}${seq.rows[0].n.padStart(5, '0')}`;
    const id = randomUUID();
    await trx.insertInto('rectification_cases').values({ id, number, review_id: reviewId, department_id: departmentId, region_code: regionCode, state: 'verifying', step_due: due, created_at: now }).execute();
    await this.event(trx, id, 'opened', null, `差评自动生成整改工单，核实时限 ${due} / a bad review opened the case; verify by ${due}`);
    await this.scheduleStep(trx, id, 'verifying', due);
    for (const to of await this.departmentAdmins(trx, departmentId)) await notify(trx, { recipientAccountId: to, template: 'review.case_opened', params: { caseNo: number, subject, dueDate: due }, link: `/admin/rectification/${id}` });
  }

  private async scheduleStep(trx: Db, caseId: string, state: CaseState, due: string) {
    const warnAt = new Date(chinaEndOfDay(due).getTime() - 86400_000 + 1);
    const overdueAt = new Date(chinaEndOfDay(due).getTime() + 1);
    await enqueue(trx, { queue: QUEUE_TIMER, payload: { caseId, state, due, kind: 'warning', at: warnAt.toISOString(), slot: 0 }, runAt: this.scheduleAt(warnAt), dedupeKey: `${caseId}:${state}:${due}:warning:0` });
    await enqueue(trx, { queue: QUEUE_TIMER, payload: { caseId, state, due, kind: 'overdue', at: overdueAt.toISOString(), slot: 0 }, runAt: this.scheduleAt(overdueAt), dedupeKey: `${caseId}:${state}:${due}:overdue:0` });
  }

  /** Warning on the last day, escalation (督办) to the region's supervisors once it has passed. */
  async onTimer(job: ClaimedJob): Promise<void> {
    const p = job.payload as { caseId: string; state: CaseState; due: string; kind: 'warning' | 'overdue'; at: string; slot?: number };
    if (this.now() < new Date(p.at)) {
      const slot = p.slot ? 0 : 1;
      await enqueue(this.o.db, { queue: QUEUE_TIMER, payload: { ...p, slot }, runAt: this.scheduleAt(new Date(p.at)), dedupeKey: `${p.caseId}:${p.state}:${p.due}:${p.kind}:${slot}` });
      return;
    }
    await this.o.db.transaction().execute(async (trx) => {
      const c = await trx.selectFrom('rectification_cases').selectAll().where('id', '=', p.caseId).forUpdate().executeTakeFirst();
      if (!c || c.state !== p.state || c.step_due !== p.due) return;
      const step = STEP_OF[c.state]!;
      const dept = await departmentOf(trx, c.department_id);
      if (p.kind === 'warning' && c.sla_state === 'normal') {
        await trx.updateTable('rectification_cases').set({ sla_state: 'warning' }).where('id', '=', c.id).execute();
        await this.event(trx, c.id, 'warning', null, `“${step.zh}”将于 ${c.step_due} 到期 / "${step.en}" is due on ${c.step_due}`);
        for (const to of await this.departmentAdmins(trx, c.department_id)) await notify(trx, { recipientAccountId: to, template: 'review.case_warning', params: { caseNo: c.number, step: step.zh, dueDate: c.step_due }, link: `/admin/rectification/${c.id}` });
      }
      if (p.kind === 'overdue' && c.sla_state !== 'overdue') {
        await trx.updateTable('rectification_cases').set({ sla_state: 'overdue', escalated_at: this.now() }).where('id', '=', c.id).execute();
        await this.event(trx, c.id, 'escalated', null, `“${step.zh}”已超期，已督办 / "${step.en}" is overdue; escalated`);
        for (const to of await this.supervisors(trx, c.region_code)) await notify(trx, { recipientAccountId: to, template: 'review.case_escalated', params: { caseNo: c.number, step: step.zh, department: dept?.name ?? '' }, link: `/oversight/reviews/cases/${c.id}` });
      }
    });
  }

  private async event(trx: Db, caseId: string, type: string, actor: Actor | null, note: string | null) {
    await trx.insertInto('rectification_events').values({ case_id: caseId, type, actor_id: actor?.accountId ?? null, actor_name: actor?.displayName ?? null, note, at: this.now() }).execute();
  }

  /** Officers of the department (dept_admin first) — read from the identity module's tables. */
  private async departmentAdmins(db: Db, departmentId: string | null): Promise<string[]> {
    if (!departmentId) return [];
    const r = await sql<{ id: string }>`SELECT DISTINCT a.id FROM accounts a JOIN account_roles ar ON ar.account_id = a.id WHERE a.department_id = ${departmentId} AND ar.role = 'dept_admin' AND a.status = 'active'`.execute(db);
    return r.rows.map((x) => x.id);
  }

  private async supervisors(db: Db, regionCode: string): Promise<string[]> {
    const r = await sql<{ id: string; region_code: string | null }>`SELECT DISTINCT a.id, a.region_code FROM accounts a JOIN account_roles ar ON ar.account_id = a.id WHERE ar.role = 'supervisor' AND a.status = 'active'`.execute(db);
    return r.rows.filter((x) => x.region_code && isInSubtree(regionCode, x.region_code)).map((x) => x.id);
  }

  private scopeCase(actor: Actor, c: { department_id: string | null; region_code: string }, write: boolean) {
    if (hasRole(actor, 'platform_admin')) return;
    if (hasRole(actor, 'supervisor')) {
      if (write || !actor.regionCode || !isInSubtree(c.region_code, actor.regionCode)) throw E.outOfRegion();
      return;
    }
    if (!actor.departmentId || actor.departmentId !== c.department_id) throw E.otherDepartment();
  }

  async listCases(actor: Actor, q: { state?: string; limit?: number; offset?: number }) {
    let query = this.o.db
      .selectFrom('rectification_cases as c')
      .innerJoin('reviews as r', 'r.id', 'c.review_id')
      .select(['c.id', 'c.number', 'c.state', 'c.step_due', 'c.sla_state', 'c.department_id', 'c.region_code', 'c.created_at', 'c.late_steps', 'r.level', 'r.first_level', 'r.subject_title', 'r.comment', 'r.channel']);
    if (hasRole(actor, 'supervisor') && !hasRole(actor, 'platform_admin')) query = query.where('c.region_code', 'like', subtreePattern(actor.regionCode ?? '______'));
    else if (!hasRole(actor, 'platform_admin')) query = query.where('c.department_id', '=', actor.departmentId ?? '00000000-0000-0000-0000-000000000000');
    if (q.state) query = query.where('c.state', '=', q.state as CaseState);
    const rows = await query.orderBy('c.created_at', 'desc').limit(q.limit ?? 50).offset(q.offset ?? 0).execute();
    return Promise.all(
      rows.map(async (c) => ({
        id: c.id,
        number: c.number,
        state: c.state,
        stateLabel: CASE_STATES[c.state],
        stepDue: ['verifying', 'rectifying', 'feedback'].includes(c.state) ? c.step_due : null,
        slaState: c.sla_state,
        lateSteps: c.late_steps,
        department: c.department_id ? ((await this.o.org.department(c.department_id))?.name ?? null) : null,
        regionCode: c.region_code,
        subject: c.subject_title,
        level: c.level,
        firstLevel: c.first_level,
        comment: c.comment,
        channel: c.channel,
        createdAt: c.created_at.toISOString(),
      })),
    );
  }

  async getCase(actor: Actor, id: string) {
    const c = await this.o.db.selectFrom('rectification_cases').selectAll().where('id', '=', id).executeTakeFirst();
    if (!c) throw E.caseNotFound();
    this.scopeCase(actor, c, false);
    return this.caseView(this.o.db, id);
  }

  private async caseView(db: Db, id: string) {
    const c = await db.selectFrom('rectification_cases').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const r = await db.selectFrom('reviews').selectAll().where('id', '=', c.review_id).executeTakeFirstOrThrow();
    const events = await db.selectFrom('rectification_events').selectAll().where('case_id', '=', id).orderBy('id').execute();
    const dept = await departmentOf(db, c.department_id);
    return {
      id: c.id,
      number: c.number,
      state: c.state,
      stateLabel: CASE_STATES[c.state],
      stepDue: ['verifying', 'rectifying', 'feedback'].includes(c.state) ? c.step_due : null,
      slaState: c.sla_state,
      lateSteps: c.late_steps,
      department: dept?.name ?? null,
      departmentId: c.department_id,
      regionCode: c.region_code,
      review: { id: r.id, subject: r.subject_title, subjectNumber: r.subject_number, level: r.level, firstLevel: r.first_level, scores: r.scores, comment: r.comment, channel: r.channel, reviewer: maskName(r.reviewer_name), createdAt: r.created_at.toISOString(), rerated: r.rerated },
      verify: c.verified_at ? { finding: c.verify_finding, note: c.verify_note, at: c.verified_at.toISOString() } : null,
      measures: c.measures,
      feedback: c.feedback,
      appeal: c.appealed_at ? { reason: c.appeal_reason, evidenceFileIds: c.appeal_files, at: c.appealed_at.toISOString(), decision: c.appeal_decision, note: c.appeal_note } : null,
      escalatedAt: c.escalated_at?.toISOString() ?? null,
      closedAt: c.closed_at?.toISOString() ?? null,
      closedReason: c.closed_reason,
      closedReasonLabel: c.closed_reason ? CLOSED_REASONS[c.closed_reason] : null,
      events: events.map((e) => ({ type: e.type, actor: e.actor_name, note: e.note, at: e.at.toISOString() })),
    };
  }

  private async lockCase(trx: Db, actor: Actor, id: string) {
    const c = await trx.selectFrom('rectification_cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!c) throw E.caseNotFound();
    return c;
  }

  /** One step of the department: verify → rectify → feedback. */
  async step(ctx: RequestContext, id: string, action: 'verify' | 'rectify' | 'feedback', body: { finding?: string; note?: string; measures?: string; message?: string }) {
    const actor = ctx.actor!;
    const from: Record<typeof action, CaseState> = { verify: 'verifying', rectify: 'rectifying', feedback: 'feedback' };
    const to: Record<typeof action, CaseState> = { verify: 'rectifying', rectify: 'feedback', feedback: 'awaiting_rerate' };
    return this.o.db.transaction().execute(async (trx) => {
      const c = await this.lockCase(trx, actor, id);
      if (hasRole(actor, 'supervisor') || !actor.departmentId || actor.departmentId !== c.department_id) throw E.otherDepartment();
      if (c.state !== from[action]) throw E.caseState(c.state, action);
      const now = this.now();
      const late = chinaDate(now) > c.step_due ? 1 : 0;
      const d = await this.deadlines(c.region_code, trx);
      const next = to[action];
      const nextStep = STEP_OF[next];
      const due = nextStep ? addWorkingDays(chinaDate(now), d[nextStep.days]) : c.step_due;
      const patch =
        action === 'verify'
          ? { verify_finding: body.finding!, verify_note: body.note!, verified_at: now }
          : action === 'rectify'
            ? { measures: body.measures!, rectified_at: now }
            : { feedback: body.message!, fed_back_at: now };
      await rollupDelta(trx, [c.review_id], -1);
      await trx
        .updateTable('rectification_cases')
        .set({ ...patch, state: next, step_due: due, sla_state: 'normal', late_steps: sql`late_steps + ${late}`, version: sql`version + 1` })
        .where('id', '=', id)
        .execute();
      await this.event(trx, id, action, actor, (body.note ?? body.measures ?? body.message ?? null) + (late ? '（超期办理 / late）' : ''));
      if (nextStep) await this.scheduleStep(trx, id, next, due);
      await rollupDelta(trx, [c.review_id], 1);
      if (action === 'feedback') {
        const r = await trx.selectFrom('reviews').selectAll().where('id', '=', c.review_id).executeTakeFirstOrThrow();
        if (r.reviewer_id) await notify(trx, { recipientAccountId: r.reviewer_id, template: 'review.feedback', params: { caseNo: c.number, subject: r.subject_title, feedback: body.message! }, link: `/portal/reviews/rate/${r.subject_id}` });
      }
      this.generation++;
      await recordAudit(trx, ctx, { action: `rectification.${action}`, entityType: 'rectification_case', entityId: id, detail: { from: c.state, to: next, late: !!late } });
      return this.caseView(trx, id);
    });
  }

  async appeal(ctx: RequestContext, id: string, body: { reason: string; evidenceFileIds: string[] }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const c = await this.lockCase(trx, actor, id);
      if (!actor.departmentId || actor.departmentId !== c.department_id) throw E.otherDepartment();
      if (c.appealed_at) throw E.appealAgain();
      if (!['verifying', 'rectifying', 'feedback'].includes(c.state)) throw E.caseState(c.state, 'appeal');
      const files = await this.o.filesOwnedBy(trx, body.evidenceFileIds);
      body.evidenceFileIds.forEach((fid, i) => {
        const f = files.find((x) => x.id === fid);
        if (!f || f.ownerId !== subjectOf(actor)) throw E.evidenceInvalid(i);
      });
      await trx
        .updateTable('rectification_cases')
        .set({ state: 'appealed', appeal_state_before: c.state, appeal_reason: body.reason, appeal_files: JSON.stringify(body.evidenceFileIds), appealed_at: this.now(), version: sql`version + 1` })
        .where('id', '=', id)
        .execute();
      await this.event(trx, id, 'appealed', actor, body.reason);
      const dept = await departmentOf(trx, c.department_id);
      for (const to of await this.supervisors(trx, c.region_code)) await notify(trx, { recipientAccountId: to, template: 'review.appeal', params: { caseNo: c.number, department: dept?.name ?? '' }, link: `/oversight/reviews/appeals/${id}` });
      await recordAudit(trx, ctx, { action: 'rectification.appeal', entityType: 'rectification_case', entityId: id, detail: { files: body.evidenceFileIds.length } });
      return this.caseView(trx, id);
    });
  }

  async decideAppeal(ctx: RequestContext, id: string, body: { uphold: boolean; note: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const c = await this.lockCase(trx, actor, id);
      if (!hasRole(actor, 'platform_admin') && (!actor.regionCode || !isInSubtree(c.region_code, actor.regionCode))) throw E.outOfRegion();
      if (c.state !== 'appealed') throw E.caseState(c.state, 'decide');
      const now = this.now();
      await rollupDelta(trx, [c.review_id], -1);
      if (body.uphold) {
        await trx.updateTable('rectification_cases').set({ state: 'annulled', closed_reason: 'appeal_upheld', appeal_decision: 'upheld', appeal_note: body.note, appeal_decided_by: actor.accountId, appeal_decided_at: now, closed_at: now, version: sql`version + 1` }).where('id', '=', id).execute();
        await trx.updateTable('reviews').set({ status: 'annulled', updated_at: now }).where('id', '=', c.review_id).execute();
        await this.event(trx, id, 'appeal_upheld', actor, body.note);
      } else {
        const back = c.appeal_state_before as CaseState;
        const d = await this.deadlines(c.region_code, trx);
        const due = addWorkingDays(chinaDate(now), d[STEP_OF[back]!.days]);
        await trx.updateTable('rectification_cases').set({ state: back, step_due: due, sla_state: 'normal', appeal_decision: 'rejected', appeal_note: body.note, appeal_decided_by: actor.accountId, appeal_decided_at: now, version: sql`version + 1` }).where('id', '=', id).execute();
        await this.event(trx, id, 'appeal_rejected', actor, body.note);
        await this.scheduleStep(trx, id, back, due);
      }
      await rollupDelta(trx, [c.review_id], 1);
      this.generation++;
      await recordAudit(trx, ctx, { action: 'rectification.appeal_decide', entityType: 'rectification_case', entityId: id, detail: { uphold: body.uphold } });
      return this.caseView(trx, id);
    });
  }

  /** Supervisors read appeal evidence of cases in their region. */
  async evidenceReadable(actor: Actor, fileId: string): Promise<boolean> {
    if (!hasRole(actor, 'supervisor', 'platform_admin')) return false;
    const r = await sql<{ region_code: string }>`SELECT region_code FROM rectification_cases WHERE appeal_files @> ${JSON.stringify([fileId])}::jsonb`.execute(this.o.db);
    return r.rows.some((c) => hasRole(actor, 'platform_admin') || (!!actor.regionCode && isInSubtree(c.region_code, actor.regionCode)));
  }

  // ---- follow-up calls (回访) ----------------------------------------------------------------

  async sampleFollowUps(ctx: RequestContext, body: { source: 'rectification' | 'inquiry'; count: number }) {
    const actor = ctx.actor!;
    const pattern = hasRole(actor, 'platform_admin') ? '%' : subtreePattern(actor.regionCode ?? '______');
    return this.o.db.transaction().execute(async (trx) => {
      const pool =
        body.source === 'rectification'
          ? await sql<{ id: string; region_code: string; department_id: string | null }>`SELECT c.id, c.region_code, c.department_id FROM rectification_cases c
              WHERE c.state IN ('awaiting_rerate','closed') AND c.region_code LIKE ${pattern}
              AND NOT EXISTS (SELECT 1 FROM follow_up_calls f WHERE f.source_kind = 'rectification' AND f.source_id = c.id)`.execute(trx)
          : await sql<{ id: string; region_code: string; department_id: string | null }>`SELECT i.id, i.region_code, i.department_id FROM inquiries i
              WHERE i.state IN ('replied','closed') AND i.region_code LIKE ${pattern} AND NOT i.anonymous
              AND NOT EXISTS (SELECT 1 FROM follow_up_calls f WHERE f.source_kind = 'inquiry' AND f.source_id = i.id)`.execute(trx);
      const rows = [...pool.rows];
      // Fisher–Yates with a cryptographic source: a fair random sample.
      for (let i = rows.length - 1; i > 0; i--) {
        const j = randomBytes(4).readUInt32BE() % (i + 1);
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      const picked = rows.slice(0, body.count);
      const now = this.now();
      for (const p of picked) await trx.insertInto('follow_up_calls').values({ id: randomUUID(), source_kind: body.source, source_id: p.id, region_code: p.region_code, department_id: p.department_id, sampled_by: actor.accountId, created_at: now }).execute();
      await recordAudit(trx, ctx, { action: 'follow_up.sample', entityType: body.source, detail: { pool: rows.length, picked: picked.length } });
      return { pool: rows.length, sampled: picked.length };
    });
  }

  async listFollowUps(actor: Actor, q: { state?: 'pending' | 'done' }) {
    const pattern = hasRole(actor, 'platform_admin') ? '%' : subtreePattern(actor.regionCode ?? '______');
    const r = await sql<{ id: string; source_kind: string; source_id: string; state: string; reached: boolean | null; satisfied: boolean | null; note: string | null; created_at: Date; number: string | null; title: string | null; department_id: string | null }>`
      SELECT f.id, f.source_kind, f.source_id, f.state, f.reached, f.satisfied, f.note, f.created_at, f.department_id,
             COALESCE(c.number, i.number) AS number, COALESCE(rv.subject_title, i.title) AS title
      FROM follow_up_calls f
      LEFT JOIN rectification_cases c ON f.source_kind = 'rectification' AND c.id = f.source_id
      LEFT JOIN reviews rv ON rv.id = c.review_id
      LEFT JOIN inquiries i ON f.source_kind = 'inquiry' AND i.id = f.source_id
      WHERE f.region_code LIKE ${pattern} ${q.state ? sql`AND f.state = ${q.state}` : sql``}
      ORDER BY f.created_at DESC LIMIT 200`.execute(this.o.db);
    return Promise.all(
      r.rows.map(async (f) => ({
        id: f.id,
        source: f.source_kind,
        sourceId: f.source_id,
        number: f.number,
        title: f.title,
        department: f.department_id ? ((await this.o.org.department(f.department_id))?.name ?? null) : null,
        state: f.state,
        reached: f.reached,
        satisfied: f.satisfied,
        note: f.note,
        createdAt: f.created_at.toISOString(),
      })),
    );
  }

  async recordFollowUp(ctx: RequestContext, id: string, body: { reached: boolean; satisfied?: boolean; note: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const f = await trx.selectFrom('follow_up_calls').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!f || (!hasRole(actor, 'platform_admin') && (!actor.regionCode || !isInSubtree(f.region_code, actor.regionCode)))) throw E.followUpNotFound();
      if (f.state === 'done') throw E.followUpDone();
      await trx.updateTable('follow_up_calls').set({ state: 'done', reached: body.reached, satisfied: body.reached ? (body.satisfied ?? null) : null, note: body.note, called_by: actor.accountId, called_at: this.now() }).where('id', '=', id).execute();
      await recordAudit(trx, ctx, { action: 'follow_up.record', entityType: 'follow_up_call', entityId: id, detail: { reached: body.reached, satisfied: body.satisfied ?? null } });
      return { id, state: 'done' as const };
    });
  }

  // ---- gaming detection ---------------------------------------------------------------------

  private async detectGaming(trx: Db, r: { id: string; level: number; deviceId: string | null; ip: string | null; departmentId: string | null; regionCode: string; concludedAt: Date; at: Date }) {
    const s = this.o.settings;
    const since = new Date(r.at.getTime() - s.burstMinutes * 60_000);
    const hour = r.at.toISOString().slice(0, 13);
    if (r.level === 5) {
      for (const [kind, col, key] of [['burst_device', 'device_id', r.deviceId], ['burst_address', 'ip', r.ip]] as const) {
        if (!key) continue;
        const rows = await trx.selectFrom('reviews').select('id').where(col, '=', key).where('level', '=', 5).where('created_at', '>=', since).where('created_at', '<=', r.at).execute();
        if (rows.length >= s.burstCount) await this.flag(trx, kind, key, hour, r, rows.map((x) => x.id), { count: rows.length, minutes: s.burstMinutes });
      }
    }
    if (r.departmentId && r.at.getTime() - r.concludedAt.getTime() <= s.fastSeconds * 1000) {
      const day = new Date(r.at.getTime() - 86400_000);
      const rows = await sql<{ id: string }>`SELECT id FROM reviews WHERE department_id = ${r.departmentId} AND created_at >= ${day} AND created_at <= ${r.at}
        AND created_at - concluded_at <= make_interval(secs => ${s.fastSeconds})`.execute(trx);
      if (rows.rows.length >= s.fastCount) await this.flag(trx, 'fast_after_conclusion', r.departmentId, r.at.toISOString().slice(0, 10), r, rows.rows.map((x) => x.id), { count: rows.rows.length, seconds: s.fastSeconds });
    }
  }

  private async flag(trx: Db, kind: 'burst_device' | 'burst_address' | 'fast_after_conclusion', key: string, bucket: string, r: { regionCode: string; departmentId: string | null }, ids: string[], detail: Record<string, unknown>) {
    const existing = await trx.selectFrom('review_flags').select('id').where('kind', '=', kind).where('key', '=', key).where('bucket', '=', bucket).executeTakeFirst();
    if (existing) {
      await trx.updateTable('review_flags').set({ review_ids: JSON.stringify(ids), detail: JSON.stringify(detail) }).where('id', '=', existing.id).execute();
      return;
    }
    await trx.insertInto('review_flags').values({ id: randomUUID(), kind, key, bucket, region_code: r.regionCode, department_id: r.departmentId, review_ids: JSON.stringify(ids), detail: JSON.stringify(detail), created_at: this.now() }).execute();
    const label = { burst_device: '同一设备集中好评', burst_address: '同一地址集中好评', fast_after_conclusion: '办结后数秒内大量评价' }[kind];
    for (const to of await this.supervisors(trx, r.regionCode)) await notify(trx, { recipientAccountId: to, template: 'review.gaming_flag', params: { kind: label, key: maskPersonalDataInText(key), count: ids.length }, link: '/oversight/reviews/flags' });
  }

  async flags(actor: Actor) {
    const pattern = hasRole(actor, 'platform_admin') ? '%' : subtreePattern(actor.regionCode ?? '______');
    const rows = await this.o.db.selectFrom('review_flags').selectAll().where('region_code', 'like', pattern).orderBy('created_at', 'desc').limit(200).execute();
    const reviews = rows.length
      ? await this.o.db.selectFrom('reviews').select(['id', 'level', 'subject_title', 'subject_number', 'channel', 'created_at', 'concluded_at', 'status']).where('id', 'in', [...new Set(rows.flatMap((f) => f.review_ids))].slice(0, 2000)).execute()
      : [];
    const byId = new Map(reviews.map((r) => [r.id, r]));
    const depts = new Map<string, string | null>();
    for (const d of new Set(rows.map((f) => f.department_id).filter((x): x is string => !!x))) depts.set(d, (await this.o.org.department(d))?.name ?? null);
    return rows.map((f) => ({
      id: f.id,
      kind: f.kind,
      // A device id or an address is shown masked (it can identify a person).
      key: f.kind === 'fast_after_conclusion' ? (depts.get(f.key) ?? f.key) : maskPersonalDataInText(f.kind === 'burst_address' ? maskIp(f.key) : f.key),
      bucket: f.bucket,
      regionCode: f.region_code,
      departmentId: f.department_id,
      department: f.department_id ? (depts.get(f.department_id) ?? null) : null,
      reviewIds: f.review_ids,
      count: f.review_ids.length,
      reviews: f.review_ids.map((id) => byId.get(id)).filter((r) => !!r).slice(0, 20).map((r) => ({ id: r.id, level: r.level, title: r.subject_title, number: r.subject_number, channel: r.channel, status: r.status, createdAt: r.created_at.toISOString(), secondsAfterConclusion: Math.round((r.created_at.getTime() - r.concluded_at.getTime()) / 1000) })),
      detail: f.detail,
      state: f.state,
      resolutionNote: f.resolution_note,
      resolvedAt: f.resolved_at?.toISOString() ?? null,
      createdAt: f.created_at.toISOString(),
    }));
  }

  /**
   * A supervisor resolves a flag: `confirmed` (gaming: the flagged reviews are annulled and leave
   * the statistics) or `dismissed` (genuine). Once; a flag outside the supervisor's region is not found.
   */
  async resolveFlag(ctx: RequestContext, id: string, body: { decision: 'confirmed' | 'dismissed'; note: string }) {
    const actor = ctx.actor!;
    return this.o.db.transaction().execute(async (trx) => {
      const f = await trx.selectFrom('review_flags').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!f || (!hasRole(actor, 'platform_admin') && (!actor.regionCode || !isInSubtree(f.region_code, actor.regionCode)))) throw E.flagNotFound();
      if (f.state !== 'open') throw E.flagResolved(f.state);
      const now = this.now();
      await trx.updateTable('review_flags').set({ state: body.decision, resolution_note: body.note, resolved_by: actor.accountId, resolved_at: now }).where('id', '=', id).execute();
      let annulled = 0;
      let closedCases: string[] = [];
      if (body.decision === 'confirmed' && f.review_ids.length) {
        const valid = (await trx.selectFrom('reviews').select('id').where('id', 'in', f.review_ids).where('status', '=', 'valid').orderBy('id').forUpdate().execute()).map((r) => r.id);
        if (valid.length) {
          // Out of the statistics: their contribution to the roll-ups goes (an annulled review counts nothing).
          // Their cases are locked first, so a step under way commits before the contribution is read.
          await trx.selectFrom('rectification_cases').select('id').where('review_id', 'in', valid).orderBy('id').forUpdate().execute();
          await rollupDelta(trx, valid, -1);
          await trx.updateTable('reviews').set({ status: 'annulled', updated_at: now }).where('id', 'in', valid).execute();
          closedCases = await this.closeCasesOfAnnulledReviews(trx, ctx, valid, body.note);
        }
        annulled = valid.length;
        this.generation++;
      }
      await recordAudit(trx, ctx, { action: 'review.flag_resolve', entityType: 'review_flag', entityId: id, detail: { decision: body.decision, annulled, closedCases: closedCases.length } });
      return { id, state: body.decision, annulled, closedCases: closedCases.length };
    });
  }

  /**
   * The rectification cases opened by reviews that were just annulled (a confirmed gaming flag) end:
   * every case not yet closed — in a step, fed back and awaiting re-rating, or under appeal (the
   * appeal is moot) — becomes `annulled` with the reason `review_annulled`, gets a timeline entry and
   * an audit entry, its pending deadline timers are cancelled, and the department's admins are told.
   * A case already closed or annulled is left as it is. Returns the ids of the cases closed.
   */
  private async closeCasesOfAnnulledReviews(trx: Db, ctx: RequestContext, reviewIds: string[], note: string): Promise<string[]> {
    const cases = await trx.selectFrom('rectification_cases').selectAll().where('review_id', 'in', reviewIds).where('state', 'not in', ['closed', 'annulled']).orderBy('id').forUpdate().execute();
    const now = this.now();
    const reason = CLOSED_REASONS.review_annulled;
    for (const c of cases) {
      await trx.updateTable('rectification_cases').set({ state: 'annulled', closed_reason: 'review_annulled', closed_at: now, version: sql`version + 1` }).where('id', '=', c.id).execute();
      await this.event(trx, c.id, 'review_annulled', ctx.actor, `${reason.zh}（${note}）/ ${reason.en}${c.state === 'appealed' ? '；申诉无需再审核 / the appeal is moot' : ''}`);
      // The timers of the step the case was in (or was in before its appeal) would find nothing to do; cancel them.
      const step = (c.state === 'appealed' ? c.appeal_state_before : c.state) as CaseState;
      for (const kind of ['warning', 'overdue']) for (const slot of [0, 1]) await cancelJobs(trx, QUEUE_TIMER, `${c.id}:${step}:${c.step_due}:${kind}:${slot}`);
      const r = await trx.selectFrom('reviews').select(['subject_title']).where('id', '=', c.review_id).executeTakeFirstOrThrow();
      for (const to of await this.departmentAdmins(trx, c.department_id)) await notify(trx, { recipientAccountId: to, template: 'review.case_annulled', params: { caseNo: c.number, subject: r.subject_title, reason: reason.zh }, link: `/admin/rectification/${c.id}` });
      await recordAudit(trx, ctx, { action: 'rectification.annul', entityType: 'rectification_case', entityId: c.id, detail: { reason: 'review_annulled', from: c.state } });
    }
    return cases.map((c) => c.id);
  }
}

/** An IPv4 address with its last part hidden, an IPv6 address with its last groups hidden. */
function maskIp(ip: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return ip.replace(/\.\d+$/, '.*');
  return ip.includes(':') ? `${ip.split(':').slice(0, 3).join(':')}:*` : ip;
}

export function assertNever(x: never): never {
  throw new AppError(500, 'UNREACHABLE', '内部错误', `unreachable: ${String(x)}`);
}
