import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../shared/actor';
import { recordAudit } from '../../plugins/audit';
import { inquiryRates } from './interaction.rates';
import type { KnowledgeBase } from './interaction.knowledge';
import { open311KeyHash } from './interaction.open311';
import type { InteractionService } from './interaction.service';

const PEOPLE: Role[] = ['citizen', 'enterprise', 'agent'];
const OFFICERS: Role[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin'];
const HANDLERS: Role[] = [...OFFICERS, 'supervisor', 'platform_admin'];
const DISPATCHERS: Role[] = ['supervisor', 'platform_admin'];

const Uuid = Type.String({ format: 'uuid' });
const IdParams = Type.Object({ id: Uuid });
const Kind = Type.Union(['consultation', 'complaint', 'suggestion', 'help', 'report'].map((k) => Type.Literal(k)));
const Urgency = Type.Union([Type.Literal('normal'), Type.Literal('urgent')]);
const RegionCode = Type.String({ pattern: '^[0-9]{6}$' });
const Text = (min: number, max: number) => Type.String({ minLength: min, maxLength: max });
const DateStr = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Page = { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) };

export function interactionRoutes(svc: InteractionService, kb: KnowledgeBase) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['interaction'];

    r.get('/inquiries/categories', { schema: { tags, summary: 'Categories of inquiries (诉求分类) and the kinds each takes' }, config: { access: 'public' } }, async () => svc.categories());
    r.get('/inquiries/regions', { schema: { tags, summary: 'Bounding boxes of the regions (for the map point picker)' }, config: { access: 'public' } }, async () => svc.listBounds());

    r.post('/inquiries', {
      schema: {
        tags,
        summary: 'File a consultation, complaint, suggestion, request for help or report (举报 may be anonymous: no sign-in, a tracking code)',
        body: Type.Object({
          kind: Kind,
          category: Type.String({ maxLength: 40 }),
          urgency: Type.Optional(Urgency),
          title: Text(4, 100),
          content: Text(10, 4000),
          regionCode: RegionCode,
          location: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) })),
          address: Type.Optional(Type.String({ maxLength: 300 })),
          attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: 9 })),
          itemId: Type.Optional(Uuid),
          channel: Type.Optional(Type.Union([Type.Literal('web'), Type.Literal('mobile'), Type.Literal('12345')])),
          contactMobile: Type.Optional(Type.String({ pattern: '^1[3-9][0-9]{9}$' })),
        }),
      },
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    }, async (req, reply) => reply.code(201).send(await svc.create(req.ctx, req.body)));

    r.get('/inquiries/mine', { schema: { tags, summary: 'My inquiries' }, config: { access: PEOPLE } }, async (req) => svc.mine(req.ctx.actor!));

    r.get('/inquiries/track/:number', {
      schema: { tags, summary: 'Follow an anonymous report with its number and tracking code', params: Type.Object({ number: Type.String({ pattern: '^[0-9]{8,20}$' }) }), querystring: Type.Object({ code: Type.String({ minLength: 16, maxLength: 24 }) }) },
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    }, async (req) => svc.track(req.params.number, req.query.code));

    r.get('/inquiries', {
      schema: { tags, summary: 'Inquiries of my department (officers) or region (supervisors, the 12345 centre)', querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 20 })), kind: Type.Optional(Kind), overdue: Type.Optional(Type.Boolean()), ...Page }) },
      config: { access: HANDLERS },
    }, async (req) => svc.list(req.ctx.actor!, req.query));

    r.get('/inquiries/:id', { schema: { tags, summary: 'One inquiry with its timeline (the informant of a report only for the handling department)', params: IdParams }, config: { access: [...PEOPLE, ...HANDLERS] } }, async (req) => svc.get(req.ctx.actor!, req.params.id));

    r.post('/inquiries/:id/dispatch', { schema: { tags, summary: '派单: dispatch (or redispatch after a return) to a department', params: IdParams, body: Type.Object({ departmentId: Uuid, note: Type.Optional(Type.String({ maxLength: 500 })) }) }, config: { access: DISPATCHERS } }, async (req) =>
      svc.dispatch(req.ctx, req.params.id, req.body),
    );
    r.post('/inquiries/:id/return', { schema: { tags, summary: '退单: return a wrong dispatch, with the reason', params: IdParams, body: Type.Object({ reason: Text(4, 500) }) }, config: { access: OFFICERS } }, async (req) =>
      svc.returnDispatch(req.ctx, req.params.id, req.body),
    );
    r.post('/inquiries/:id/respond', { schema: { tags, summary: 'Respond (签收): the department has taken it up', params: IdParams, body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }) }, config: { access: OFFICERS } }, async (req) =>
      svc.respond(req.ctx, req.params.id, req.body),
    );
    r.post('/inquiries/:id/reply', { schema: { tags, summary: 'Reply (答复)', params: IdParams, body: Type.Object({ reply: Text(4, 4000) }) }, config: { access: OFFICERS } }, async (req) => svc.reply(req.ctx, req.params.id, req.body));
    r.post('/inquiries/:id/confirm', {
      schema: { tags, summary: 'The person confirms whether it was resolved and rates it (signed in, or with the tracking code)', params: IdParams, body: Type.Object({ resolved: Type.Boolean(), satisfaction: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 1000 })), trackingCode: Type.Optional(Type.String({ minLength: 16, maxLength: 24 })) }) },
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
    }, async (req) => svc.confirm(req.ctx, req.params.id, req.body));
    r.post('/inquiries/:id/escalate', { schema: { tags, summary: '督办: a supervisor escalates', params: IdParams, body: Type.Object({ note: Text(2, 500) }) }, config: { access: DISPATCHERS } }, async (req) => svc.escalate(req.ctx, req.params.id, req.body));

    // ---- rates (public) -----------------------------------------------------------------------
    r.get('/public/inquiries/rates', {
      schema: { tags, summary: 'The three rates (响应率, 解决率, 满意率) by department, region or kind', querystring: Type.Object({ groupBy: Type.Optional(Type.Union(['department', 'region', 'kind', 'none'].map((g) => Type.Literal(g)))), regionCode: Type.Optional(RegionCode), departmentId: Type.Optional(Uuid), from: Type.Optional(DateStr), to: Type.Optional(DateStr) }) },
      config: { access: 'public' },
    }, async (req) => ({ groupBy: req.query.groupBy ?? 'none', rows: await inquiryRates(app.database.db, { ...req.query, now: svc.now() } as never) }));

    // ---- knowledge base -------------------------------------------------------------------------
    r.get('/knowledge', { schema: { tags, summary: 'Knowledge base (知识库): public Q&A, searched while typing', querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), itemId: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }) }, config: { access: 'public' } }, async (req) =>
      kb.search(req.query),
    );
    r.get('/knowledge/:id', { schema: { tags, summary: 'One knowledge entry', params: IdParams }, config: { access: 'public' } }, async (req) => kb.get(req.params.id));
    r.post('/knowledge', {
      schema: { tags, summary: "Curate an answered consultation of my department into a public Q&A", body: Type.Object({ inquiryId: Uuid, question: Text(4, 500), answer: Text(4, 4000), itemId: Type.Optional(Uuid) }) },
      config: { access: OFFICERS },
    }, async (req, reply) => reply.code(201).send(await kb.curate(req.ctx, req.body)));
    r.put('/knowledge/:id', { schema: { tags, summary: 'Edit or withdraw an entry of my department', params: IdParams, body: Type.Object({ question: Text(4, 500), answer: Text(4, 4000), published: Type.Boolean() }) }, config: { access: OFFICERS } }, async (req) =>
      kb.update(req.ctx, req.params.id, req.body),
    );

    // ---- configuration ----------------------------------------------------------------------------
    r.get('/admin/inquiry-rules', { schema: { tags, summary: 'Dispatch rules (category + region prefix → department)' }, config: { access: DISPATCHERS } }, async () => svc.rules());
    r.put('/admin/inquiry-rules', { schema: { tags, summary: 'Set the department of a category in a region (prefix of the region code)', body: Type.Object({ category: Type.String({ maxLength: 40 }), regionPrefix: Type.String({ pattern: '^[0-9]{2,6}$' }), departmentId: Uuid }) }, config: { access: ['platform_admin'] } }, async (req) =>
      svc.putRule(req.ctx, req.body),
    );
    r.get('/admin/inquiry-deadlines', { schema: { tags, summary: 'Response (working hours) and resolution (working days) deadlines by urgency, per region' }, config: { access: DISPATCHERS } }, async () => svc.listDeadlines());
    r.put('/admin/inquiry-deadlines/:regionCode/:urgency', {
      schema: { tags, summary: 'Set the deadlines of an urgency in a region (000000 = default)', params: Type.Object({ regionCode: RegionCode, urgency: Urgency }), body: Type.Object({ respondHours: Type.Integer({ minimum: 1, maximum: 240 }), resolveDays: Type.Integer({ minimum: 1, maximum: 90 }) }) },
      config: { access: ['platform_admin'] },
    }, async (req) => svc.setDeadline(req.ctx, req.params.regionCode, req.params.urgency, req.body));
    r.post('/admin/open311-keys', { schema: { tags, summary: 'Issue an Open311 api_key for a client (shown once)', body: Type.Object({ name: Text(2, 100) }) }, config: { access: ['platform_admin'] } }, async (req, reply) => {
      const key = `o311_${randomBytes(24).toString('base64url')}`;
      await app.database.db.transaction().execute(async (trx) => {
        await trx.insertInto('open311_keys').values({ key_hash: open311KeyHash(key), name: req.body.name, created_by: req.ctx.actor!.accountId }).execute();
        await recordAudit(trx, req.ctx, { action: 'open311.key_create', entityType: 'open311_key', detail: { name: req.body.name } });
      });
      return reply.code(201).send({ name: req.body.name, apiKey: key });
    });
  };
}
