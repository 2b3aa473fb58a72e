import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../shared/actor';
import { AppError } from '../../shared/errors';
import type { FileService } from '../files';
import { reviewStats, rectificationLedger } from './reviews.stats';
import { CHANNELS, type ReviewService } from './reviews.service';

const PEOPLE: Role[] = ['citizen', 'enterprise', 'agent'];
const OFFICERS: Role[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin'];
const CASE_READERS: Role[] = [...OFFICERS, 'supervisor', 'platform_admin'];
const SUPERVISORS: Role[] = ['supervisor', 'platform_admin'];

const Uuid = Type.String({ format: 'uuid' });
const Level = Type.Integer({ minimum: 1, maximum: 5, description: '5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意 (1–2 are 差评)' });
const Scores = Type.Record(Type.String({ pattern: '^[a-z_]{2,40}$' }), Level, { description: 'Every indicator of the channel, each 1–5; overall = level' });
const Comment = Type.Optional(Type.String({ maxLength: 1000 }));
const ChannelT = Type.Union(CHANNELS.map((c) => Type.Literal(c)));
const Rating = { level: Level, scores: Scores, comment: Comment };
const IdParams = Type.Object({ id: Uuid });
const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
const Text = (max: number) => Type.String({ minLength: 2, maxLength: max });
const Page = { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) };
const RegionCode = Type.String({ pattern: '^[0-9]{6}$' });
const DateStr = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const PUBLIC_CACHE_MS = 30_000;

export const StatsQuery = Type.Object({
  groupBy: Type.Optional(Type.Union(['department', 'item', 'region', 'channel', 'month', 'none'].map((g) => Type.Literal(g)))),
  regionCode: Type.Optional(RegionCode),
  departmentId: Type.Optional(Uuid),
  itemId: Type.Optional(Uuid),
  channel: Type.Optional(ChannelT),
  from: Type.Optional(DateStr),
  to: Type.Optional(DateStr),
});

export function reviewRoutes(svc: ReviewService, files: FileService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['reviews'];

    // ---- people -------------------------------------------------------------------------------
    r.get('/reviews/mine', { schema: { tags, summary: 'My concluded applications and their reviews (待评价 / 已评价)' }, config: { access: PEOPLE } }, async (req) => svc.mine(req.ctx.actor!));

    r.post('/reviews', {
      schema: { tags, summary: 'Review a concluded application (一事一评), by the applicant or their agent, once', body: Type.Object({ applicationId: Uuid, channel: ChannelT, ...Rating, deviceId: Type.Optional(Type.String({ maxLength: 100 })) }) },
      config: { access: PEOPLE },
    }, async (req, reply) => reply.code(201).send(await svc.reviewApplication(req.ctx, req.body)));

    r.get('/reviews/:id', { schema: { tags, summary: 'One of my reviews, with its history and rectification case', params: IdParams }, config: { access: PEOPLE } }, async (req) => svc.myReview(req.ctx.actor!, req.params.id));

    r.put('/reviews/:id', {
      schema: { tags, summary: 'Correct my review within the correction window (not a second review)', params: IdParams, body: Type.Object(Rating) },
      config: { access: PEOPLE },
    }, async (req) => svc.correct(req.ctx, req.params.id, req.body));

    r.post('/reviews/:id/rerate', {
      schema: { tags, summary: 'Re-rate after the department fed back its rectification (once)', params: IdParams, body: Type.Object(Rating) },
      config: { access: PEOPLE },
    }, async (req) => svc.rerate(req.ctx, req.params.id, req.body));

    // ---- the invitation's one-time rating link (SMS) ------------------------------------------------
    r.get('/reviews/invitations/:token', { schema: { tags, summary: 'The concluded application behind an invitation’s rating link (SMS)', params: TokenParams }, config: { access: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (req) => svc.invitation(req.params.token));

    r.post('/reviews/invitations/:token', {
      schema: { tags, summary: 'Rate a concluded application with the one-time link of its invitation SMS (channel sms), once', params: TokenParams, body: Type.Object({ ...Rating, deviceId: Type.Optional(Type.String({ maxLength: 100 })) }) },
      config: { access: 'public', csrf: false, rateLimit: { max: 30, timeWindow: '1 minute' } },
    }, async (req, reply) => reply.code(201).send(await svc.rateByInvitation(req.ctx, req.params.token, req.body)));

    // ---- window visits (一次一评) ----------------------------------------------------------------
    r.post('/reviews/visits', {
      schema: { tags, summary: 'A window clerk records a visit; the person rates it on the window device or by the SMS link', body: Type.Object({ itemId: Type.Optional(Uuid), personName: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })) }) },
      config: { access: ['window_clerk'] },
    }, async (req, reply) => reply.code(201).send(await svc.createVisit(req.ctx, req.body)));

    r.get('/reviews/visits/:token', { schema: { tags, summary: 'The visit behind a rating link (window device / SMS)', params: TokenParams }, config: { access: 'public' } }, async (req) => svc.visit(req.params.token));

    r.post('/reviews/visits/:token', {
      schema: { tags, summary: 'Rate a window visit (一次一评) with its rating link, once', params: TokenParams, body: Type.Object({ channel: ChannelT, ...Rating, deviceId: Type.Optional(Type.String({ maxLength: 100 })) }) },
      config: { access: 'public', csrf: false, rateLimit: { max: 30, timeWindow: '1 minute' } },
    }, async (req, reply) => reply.code(201).send(await svc.reviewVisit(req.ctx, req.params.token, req.body)));

    r.post('/reviews/visits/:token/rerate', {
      schema: { tags, summary: 'Re-rate a window visit after the feedback (once)', params: TokenParams, body: Type.Object({ channel: ChannelT, ...Rating }) },
      config: { access: 'public', csrf: false, rateLimit: { max: 30, timeWindow: '1 minute' } },
    }, async (req) => svc.rerateVisit(req.ctx, req.params.token, req.body));

    // ---- rectification (差评整改) ------------------------------------------------------------------
    r.get('/rectification/cases', {
      schema: { tags, summary: 'Rectification cases: my department’s (officers), my region’s (supervisors)', querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 20 })), ...Page }) },
      config: { access: CASE_READERS },
    }, async (req) => svc.listCases(req.ctx.actor!, req.query));

    r.get('/rectification/cases/:id', { schema: { tags, summary: 'A rectification case with its timeline', params: IdParams }, config: { access: CASE_READERS } }, async (req) => svc.getCase(req.ctx.actor!, req.params.id));

    r.post('/rectification/cases/:id/verify', {
      schema: { tags, summary: '核实: the department verifies the bad review', params: IdParams, body: Type.Object({ finding: Type.Union([Type.Literal('confirmed'), Type.Literal('partly'), Type.Literal('not_confirmed')]), note: Text(2000) }) },
      config: { access: OFFICERS },
    }, async (req) => svc.step(req.ctx, req.params.id, 'verify', req.body));

    r.post('/rectification/cases/:id/rectify', {
      schema: { tags, summary: '整改: the measures taken', params: IdParams, body: Type.Object({ measures: Text(4000) }) },
      config: { access: OFFICERS },
    }, async (req) => svc.step(req.ctx, req.params.id, 'rectify', req.body));

    r.post('/rectification/cases/:id/feedback', {
      schema: { tags, summary: '反馈: tell the reviewer; they may then re-rate', params: IdParams, body: Type.Object({ message: Text(2000) }) },
      config: { access: OFFICERS },
    }, async (req) => svc.step(req.ctx, req.params.id, 'feedback', req.body));

    r.post('/rectification/evidence', {
      schema: { tags, summary: 'Upload an evidence file for an appeal (PDF, JPEG, PNG, OFD; base64)', body: Type.Object({ filename: Type.String({ minLength: 1, maxLength: 200 }), contentType: Type.String({ maxLength: 100 }), dataBase64: Type.String({ minLength: 4, maxLength: 7_000_000 }) }) },
      config: { access: ['dept_admin'] },
    }, async (req, reply) => {
      const data = Buffer.from(req.body.dataBase64, 'base64');
      if (!data.length) throw new AppError(400, 'EVIDENCE_EMPTY', '证据文件为空', 'The evidence file is empty', 'body/dataBase64');
      return reply.code(201).send(await files.upload(req.ctx, { filename: req.body.filename, contentType: req.body.contentType, data }));
    });

    r.get('/rectification/cases/:id/evidence/:fileId', {
      schema: { tags, summary: 'Download an evidence file of an appeal (the department, the region’s supervisors)', params: Type.Object({ id: Uuid, fileId: Uuid }) },
      config: { access: CASE_READERS },
    }, async (req, reply) => {
      const c = await svc.getCase(req.ctx.actor!, req.params.id);
      if (!c.appeal?.evidenceFileIds.includes(req.params.fileId)) throw new AppError(404, 'NOT_FOUND', '证据材料不存在', 'Evidence file not found', 'params/fileId');
      const { file, data } = await files.download(req.ctx.actor!, req.params.fileId);
      return reply.type(file.mediaType).header('content-disposition', 'attachment').header('x-content-type-options', 'nosniff').send(data);
    });

    r.post('/rectification/cases/:id/appeal', {
      schema: { tags, summary: '申诉: the department appeals a review it shows to be malicious, with evidence', params: IdParams, body: Type.Object({ reason: Text(2000), evidenceFileIds: Type.Array(Uuid, { minItems: 1, maxItems: 10 }) }) },
      config: { access: ['dept_admin'] },
    }, async (req) => svc.appeal(req.ctx, req.params.id, req.body));

    r.post('/rectification/cases/:id/appeal-decision', {
      schema: { tags, summary: 'A supervisor upholds (the review is annulled) or rejects an appeal', params: IdParams, body: Type.Object({ uphold: Type.Boolean(), note: Text(2000) }) },
      config: { access: SUPERVISORS },
    }, async (req) => svc.decideAppeal(req.ctx, req.params.id, req.body));

    r.post('/rectification/flags/:id/resolve', {
      schema: { tags, summary: 'Resolve a gaming flag: confirmed (its reviews are annulled) or dismissed, once', params: IdParams, body: Type.Object({ decision: Type.Union([Type.Literal('confirmed'), Type.Literal('dismissed')]), note: Text(2000) }) },
      config: { access: SUPERVISORS },
    }, async (req) => svc.resolveFlag(req.ctx, req.params.id, req.body));

    r.get('/rectification/flags', { schema: { tags, summary: 'Patterns suggesting gaming (刷评), in my region' }, config: { access: SUPERVISORS } }, async (req) => svc.flags(req.ctx.actor!));

    // ---- follow-up calls (回访) -----------------------------------------------------------------
    r.post('/follow-ups/sample', {
      schema: { tags, summary: 'Draw a random sample of concluded cases or inquiries for follow-up calls (回访)', body: Type.Object({ source: Type.Union([Type.Literal('rectification'), Type.Literal('inquiry')]), count: Type.Integer({ minimum: 1, maximum: 500 }) }) },
      config: { access: SUPERVISORS },
    }, async (req) => svc.sampleFollowUps(req.ctx, req.body));

    r.get('/follow-ups', { schema: { tags, summary: 'Follow-up calls of my region', querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('done')])) }) }, config: { access: SUPERVISORS } }, async (req) => svc.listFollowUps(req.ctx.actor!, req.query));

    r.post('/follow-ups/:id', {
      schema: { tags, summary: 'Record the result of a follow-up call', params: IdParams, body: Type.Object({ reached: Type.Boolean(), satisfied: Type.Optional(Type.Boolean()), note: Type.String({ maxLength: 2000 }) }) },
      config: { access: SUPERVISORS },
    }, async (req) => svc.recordFollowUp(req.ctx, req.params.id, req.body));

    // ---- configuration ----------------------------------------------------------------------------
    r.get('/admin/rectification-deadlines', { schema: { tags, summary: 'Working days per rectification step, per region (000000 = default)' }, config: { access: ['platform_admin', 'supervisor'] } }, async () => svc.listDeadlines());

    r.put('/admin/rectification-deadlines/:regionCode', {
      schema: { tags, summary: 'Set the working days of each rectification step for a region', params: Type.Object({ regionCode: RegionCode }), body: Type.Object({ verifyDays: Type.Integer({ minimum: 0, maximum: 30 }), rectifyDays: Type.Integer({ minimum: 0, maximum: 60 }), feedbackDays: Type.Integer({ minimum: 0, maximum: 30 }) }) },
      config: { access: ['platform_admin'] },
    }, async (req) => svc.setDeadlines(req.ctx, req.params.regionCode, req.body));

    // ---- public ------------------------------------------------------------------------------------
    // Public pages are read far more than reviews are written: answers are kept for PUBLIC_CACHE_MS,
    // and dropped at once when this process writes a review or a case step (another process's
    // writes show within the TTL).
    const cache = new Map<string, { at: number; gen: number; value: unknown }>();
    const cached = async <T>(key: string, compute: () => Promise<T>): Promise<T> => {
      const hit = cache.get(key);
      if (hit && hit.gen === svc.generation && Date.now() - hit.at < PUBLIC_CACHE_MS) return hit.value as T;
      const value = await compute();
      if (cache.size > 500) cache.clear();
      cache.set(key, { at: Date.now(), gen: svc.generation, value });
      return value;
    };

    r.get('/public/reviews/stats', { schema: { tags, summary: 'Public statistics (好差评公示): good rate, bad reviews, rectification and on-time rates', querystring: StatsQuery }, config: { access: 'public' } }, async (req) =>
      cached(`stats:${JSON.stringify(req.query)}`, async () => ({ groupBy: req.query.groupBy ?? 'none', rows: await reviewStats(app.database.db, req.query as never) })),
    );

    r.get('/public/reviews/ledger', { schema: { tags, summary: 'The public rectification ledger (整改台账), personal data masked', querystring: Type.Object({ regionCode: Type.Optional(RegionCode), ...Page }) }, config: { access: 'public' } }, async (req) =>
      cached(`ledger:${JSON.stringify(req.query)}`, () => rectificationLedger(app.database.db, req.query)),
    );
  };
}
