/**
 * Routes: thin — schema, access rule, call the service, present.
 * /api/applications — the applicant (a citizen, an enterprise, or an agent for a principal): own
 *   applications only (another subject's by id is 404).
 * /api/tasks — officers of the department that holds the task, in its role.
 * /api/escalations — supervisors of the region (督办).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../shared/actor';
import * as S from './applications.schemas';
import type { ApplicantService } from './applications.service';
import type { TasksService } from './applications.tasks';
import type { ProcessDefinitions } from './applications.definitions';

const APPLICANTS: Role[] = ['citizen', 'enterprise', 'agent'];
const OFFICERS: Role[] = ['window_clerk', 'reviewer', 'decider'];
const OFFICER_READERS: Role[] = [...OFFICERS, 'dept_admin'];
const SUPERVISION: Role[] = ['supervisor', 'platform_admin'];

const PROCESS_ADMINS: Role[] = ['dept_admin', 'platform_admin'];

export function applicationRoutes(apps: ApplicantService, tasks: TasksService, defs: ProcessDefinitions) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['applications'];
    const taskTags = ['tasks'];

    // ---- applicant ---------------------------------------------------------------------------
    r.get('/applications', {
      schema: { tags, summary: 'My applications (我的办件)', querystring: S.ListQuery, response: { 200: S.ApplicationList } },
      config: { access: APPLICANTS },
    }, async (req) => apps.list(req.ctx, req.query));

    r.post('/applications', {
      schema: {
        tags,
        summary: 'Start an application: save a draft, or submit at once (submit: true with an Idempotency-Key header)',
        headers: S.IdempotencyHeaders,
        body: S.CreateBody,
        response: { 200: S.ApplicationSchema, 201: S.ApplicationSchema },
      },
      config: { access: APPLICANTS },
    }, async (req, reply) => {
      const r0 = await apps.create(req.ctx, req.body, req.headers['idempotency-key'] as string | undefined);
      if (r0.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(r0.status as 200).send(r0.application);
    });

    // ---- window intake (窗口收件) -----------------------------------------------------------------
    r.post('/window/applications', {
      schema: {
        tags,
        summary: "Window intake (窗口收件): a window clerk registers and submits an application on a person's behalf after checking their ID (Idempotency-Key header)",
        headers: S.IdempotencyHeaders,
        body: S.IntakeBody,
        response: { 200: S.ApplicationSchema, 201: S.ApplicationSchema },
      },
      config: { access: ['window_clerk'] },
    }, async (req, reply) => {
      const r0 = await apps.windowIntake(req.ctx, req.body, req.headers['idempotency-key'] as string | undefined);
      if (r0.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(r0.status as 200).send(r0.application);
    });

    r.get('/applications/:id', {
      schema: { tags, summary: 'An application with its clock, children (一件事) and timeline', params: S.IdParams, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req) => apps.get(req.ctx, req.params.id));

    r.get('/applications/:id/receipt', {
      schema: { tags, summary: 'The printable receipt (受理回执 / 收件回执) as an HTML page with a QR code of the tracking URL', params: S.IdParams, produces: ['text/html'] },
      config: { access: APPLICANTS },
    }, async (req, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(await apps.receipt(req.ctx, req.params.id)));

    r.put('/applications/:id', {
      schema: { tags, summary: 'Save a draft (resumable on another device; optimistic version check)', params: S.IdParams, body: S.SaveDraftBody, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req) => apps.saveDraft(req.ctx, req.params.id, req.body));

    r.delete('/applications/:id', {
      schema: { tags, summary: 'Discard a draft', params: S.IdParams },
      config: { access: APPLICANTS },
    }, async (req, reply) => {
      await apps.discard(req.ctx, req.params.id);
      return reply.code(204).send();
    });

    r.post('/applications/:id/submit', {
      schema: { tags, summary: 'Submit a draft (Idempotency-Key header required)', params: S.IdParams, headers: S.IdempotencyHeaders, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req, reply) => {
      const r0 = await apps.submit(req.ctx, req.params.id, req.headers['idempotency-key'] as string | undefined);
      if (r0.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(r0.status as 200).send(r0.application);
    });

    r.post('/applications/:id/withdraw', {
      schema: { tags, summary: 'Withdraw an application before its decision (撤回)', params: S.IdParams, body: S.WithdrawBody, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req) => apps.withdraw(req.ctx, req.params.id, req.body));

    r.post('/applications/:id/supplement', {
      schema: { tags, summary: 'Answer a supplement request (补正); handling and the clock resume', params: S.IdParams, body: S.SupplementBody, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req) => apps.supplement(req.ctx, req.params.id, req.body));

    r.post('/applications/:id/payment', {
      schema: { tags, summary: 'Start a new payment order when the one awaited expired, was cancelled or failed (统一支付)', params: S.IdParams, response: { 200: S.ApplicationSchema } },
      config: { access: APPLICANTS },
    }, async (req) => apps.renewPayment(req.ctx, req.params.id));

    // ---- officers ----------------------------------------------------------------------------
    r.get('/tasks', {
      schema: { tags: taskTags, summary: 'Tasks of my department and role with SLA colour and working days left (待办)', querystring: S.TaskListQuery, response: { 200: { type: 'array', items: S.TaskSchema } } },
      config: { access: OFFICER_READERS },
    }, async (req) => tasks.list(req.ctx, req.query));

    r.get('/tasks/:id', {
      schema: { tags: taskTags, summary: 'A task with its application as the officer sees it', params: S.IdParams, response: { 200: S.TaskView } },
      config: { access: OFFICER_READERS },
    }, async (req) => tasks.get(req.ctx, req.params.id));

    const act = (path: string, summary: string, body: object | null, fn: (ctx: typeof tasks, req: { ctx: never; params: { id: string }; body: never }) => Promise<unknown>) =>
      r.post(`/tasks/:id/${path}`, {
        schema: {
          tags: taskTags,
          summary,
          description: 'Answers with the task as it is now; with `Prefer: return=minimal` (RFC 7240), with 204 and no body (an officer\'s system acting on many tasks saves the read).',
          params: S.IdParams,
          ...(body ? { body } : {}),
          response: { 200: S.TaskView, 204: Type.Null() },
        },
        config: { access: OFFICERS },
      }, async (req, reply) => {
        req.ctx.returnMinimal = /(^|[\s,;])return=minimal\b/.test(String(req.headers.prefer ?? ''));
        const out = await fn(tasks, req as never);
        return req.ctx.returnMinimal ? reply.code(204).header('preference-applied', 'return=minimal').send(null) : (out as never);
      });

    act('claim', 'Claim a task (签收): no one else can act on it', null, (t, req) => t.claim(req.ctx, req.params.id));
    act('release', 'Release a claimed task', null, (t, req) => t.release(req.ctx, req.params.id));
    act('accept', 'Accept the application (受理): the legal clock starts', S.NoteBody, (t, req) => t.accept(req.ctx, req.params.id, req.body ?? {}));
    act('not-accept', 'Do not accept (不予受理) with a reason code', S.NotAcceptBody, (t, req) => t.notAccept(req.ctx, req.params.id, req.body));
    act('request-supplement', 'Request a supplement (一次性告知补正), listing exactly what is missing', S.SupplementRequestBody, (t, req) => t.requestSupplement(req.ctx, req.params.id, req.body));
    act('review', 'Review with an opinion (审查意见), also countersign / any-sign / sequential signing', S.ReviewBody, (t, req) => t.review(req.ctx, req.params.id, req.body));
    act('decide', 'Decide: approve (准予) or deny (不予, with reasons)', S.DecideBody, (t, req) => t.decide(req.ctx, req.params.id, req.body));
    act('deliver', 'Deliver the result (办结送达)', S.DeliverBody, (t, req) => t.deliver(req.ctx, req.params.id, req.body));
    act('special-procedure', 'Start a special procedure (特别程序): the clock pauses', S.SpecialProcedureBody, (t, req) => t.startSpecialProcedure(req.ctx, req.params.id, req.body));
    act('special-procedure/end', 'End the special procedure: the clock resumes, due dates move later', S.NoteBody, (t, req) => t.endSpecialProcedure(req.ctx, req.params.id, req.body ?? {}));

    // ---- process definitions (BPMN 2.0) --------------------------------------------------------
    const ptags = ['processes'];
    r.get('/admin/items/:id/process', {
      schema: { tags: ptags, summary: "An item's process in force: imported from BPMN, or the catalog's", params: S.IdParams, response: { 200: S.ProcessView } },
      config: { access: PROCESS_ADMINS },
    }, async (req) => defs.get(req.ctx, req.params.id));

    r.get('/admin/items/:id/process.bpmn', {
      schema: { tags: ptags, summary: "Export an item's process as BPMN 2.0 XML (opens in Camunda Modeler / bpmn.io)", params: S.IdParams, produces: ['application/xml'] },
      config: { access: PROCESS_ADMINS },
    }, async (req, reply) => {
      const xml = await defs.exportBpmn(req.ctx, req.params.id);
      return reply.header('content-type', 'application/xml; charset=utf-8').header('content-disposition', `attachment; filename="process-${req.params.id}.bpmn"`).send(xml);
    });

    r.put('/admin/items/:id/process', {
      schema: { tags: ptags, summary: "Import an item's process from BPMN 2.0 XML (conditions on form data allowed); dryRun previews", params: S.IdParams, body: S.ProcessImportBody, response: { 200: S.ProcessView } },
      config: { access: PROCESS_ADMINS },
    }, async (req) => defs.importBpmn(req.ctx, req.params.id, req.body));

    r.delete('/admin/items/:id/process', {
      schema: { tags: ptags, summary: "Remove the imported process: the catalog's applies again", params: S.IdParams },
      config: { access: PROCESS_ADMINS },
    }, async (req, reply) => {
      await defs.remove(req.ctx, req.params.id);
      return reply.code(204).send();
    });

    // ---- supervision -------------------------------------------------------------------------
    r.get('/escalations', {
      schema: { tags: taskTags, summary: 'Overdue applications escalated to supervision (督办) in my region', querystring: S.EscalationQuery, response: { 200: S.EscalationList } },
      config: { access: SUPERVISION },
    }, async (req) => tasks.escalations(req.ctx, req.query));
  };
}
