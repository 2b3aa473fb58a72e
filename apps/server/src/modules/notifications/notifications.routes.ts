import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Role } from '../../shared/actor';
import type { NotificationService } from './notifications.service';
import * as S from './notifications.schemas';

/** Everyone with an inbox: people (for themselves, an enterprise or a principal) and staff. Machine clients have none. */
const INBOX: Role[] = ['citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin'];
/** Texts are node-wide (every department's notices use them): read by department admins, edited by the platform admin. */
const TEMPLATE_READERS: Role[] = ['platform_admin', 'dept_admin'];
const TEMPLATE_EDITORS: Role[] = ['platform_admin'];

export function notificationRoutes(svc: NotificationService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['notifications'];

    r.get('/notifications', {
      schema: { tags, summary: 'My inbox (站内消息), newest first', querystring: S.InboxQuery, response: { 200: S.InboxResponse } },
      config: { access: INBOX },
    }, async (req) => svc.inbox(req.ctx.actor!, req.query));

    r.get('/notifications/unread-count', {
      schema: { tags, summary: 'How many of my notifications are unread', response: { 200: S.UnreadResponse } },
      config: { access: INBOX },
    }, async (req) => svc.unreadCount(req.ctx.actor!));

    r.post('/notifications/:id/read', {
      schema: { tags, summary: 'Mark one of my notifications read', params: S.IdParams, response: { 200: S.ReadResponse } },
      config: { access: INBOX },
    }, async (req) => svc.markRead(req.ctx, req.params.id));

    r.post('/notifications/read-all', {
      schema: { tags, summary: 'Mark all my notifications read', response: { 200: S.ReadAllResponse } },
      config: { access: INBOX },
    }, async (req) => svc.markAllRead(req.ctx));

    r.get('/notifications/preferences', {
      schema: { tags, summary: 'My notification language and channels', response: { 200: S.PreferencesSchema } },
      config: { access: INBOX },
    }, async (req) => svc.preferences(req.ctx.actor!));

    r.put('/notifications/preferences', {
      schema: { tags, summary: 'Set my notification language and channels', body: S.PreferencesSchema, response: { 200: S.PreferencesSchema } },
      config: { access: INBOX },
    }, async (req) => svc.setPreferences(req.ctx, req.body));

    r.get('/admin/notification-templates', {
      schema: { tags, summary: 'Notification templates (通知模板)', response: { 200: Type.Array(S.TemplateSchema) } },
      config: { access: TEMPLATE_READERS },
    }, async () => svc.templates());

    r.put('/admin/notification-templates/:code', {
      schema: { tags, summary: "Edit a template's texts and channels (no release needed)", params: S.TemplateParams, body: S.TemplateUpdateBody, response: { 200: S.TemplateSchema } },
      config: { access: TEMPLATE_EDITORS },
    }, async (req) => svc.updateTemplate(req.ctx, req.params.code, req.body));
  };
}
