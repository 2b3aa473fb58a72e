import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OFFICER_ROLES } from '../../shared/actor';
import type { PaymentsService } from './payments.service';
import { reconciliationCsv } from './payments.service';
import * as S from './payments.schemas';

const PAYERS = ['citizen', 'enterprise', 'agent'] as const;
const tags = ['payments'];

export function paymentsRoutes(svc: PaymentsService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/payments/orders', {
      schema: {
        tags,
        summary: 'Create a payment order for my own subject (统一支付：创建订单)',
        description: 'Amounts are integers in fen; only CNY. Other modules create orders with PaymentsService.createOrder inside their own transaction.',
        body: S.CreateOrderBody,
        response: { 201: S.OrderSchema },
      },
      config: { access: [...PAYERS] },
    }, async (req, reply) => reply.code(201).send(await svc.createOrderForPayer(req.ctx, req.body)));

    r.get('/payments/orders', {
      schema: { tags, summary: 'Payment orders: my own (payers), my department’s (officers), all (platform admin)', querystring: S.ListQuery, response: { 200: S.OrderListSchema } },
      config: { access: [...PAYERS, ...OFFICER_ROLES, 'platform_admin'] },
    }, async (req) => svc.listOrders(req.ctx, req.query));

    r.get('/payments/orders/:id', {
      schema: { tags, summary: 'One payment order (in my scope)', params: S.IdParams, response: { 200: S.OrderSchema } },
      config: { access: [...PAYERS, ...OFFICER_ROLES, 'platform_admin'] },
    }, async (req) => svc.getOrder(req.ctx, req.params.id));

    r.post('/payments/orders/:id/pay', {
      schema: { tags, summary: 'Start or resume paying: the provider’s checkout page to redirect to', params: S.IdParams, response: { 200: S.PayResponse } },
      config: { access: [...PAYERS] },
    }, async (req) => svc.startPayment(req.ctx, req.params.id));

    r.post('/payments/orders/:id/cancel', {
      schema: { tags, summary: 'Cancel an unpaid order', params: S.IdParams, response: { 200: S.OrderSchema } },
      config: { access: [...PAYERS] },
    }, async (req) => svc.cancelOrder(req.ctx, req.params.id));

    // The payer's browser back from the provider. Public: the session may have lapsed while paying,
    // and nothing here trusts the request — the provider is queried and the browser redirected.
    r.get('/payments/orders/:id/return', {
      schema: { tags, summary: 'Return URL after paying (redirects to the portal; the order is settled by querying the provider)', params: S.IdParams, querystring: Type.Object({}, { additionalProperties: true }) },
      // Each visit queries the provider: limit how often one address can make it do so.
      config: { access: 'public', rateLimit: { max: 120, timeWindow: '1 minute' } },
    }, async (req, reply) => reply.header('cache-control', 'no-store').redirect(await svc.returnFromProvider(req.ctx, req.params.id), 303));

    // The provider's asynchronous notifications. Public (the provider has no session); trusted only
    // by signature. The answer is what the provider expects as an acknowledgement.
    r.post('/payments/notify/:provider', {
      schema: {
        tags,
        summary: 'Payment provider notification endpoint (支付结果异步通知)',
        params: S.ProviderParams,
        body: Type.Object({}, { additionalProperties: true, description: "the provider's signed message" }),
      },
      config: { access: 'public', csrf: false },
    }, async (req, reply) => {
      const ack = await svc.handleNotification(req.ctx, req.params.provider, { headers: req.headers, body: req.body });
      return reply.type(ack.contentType).send(ack.body);
    });

    r.post('/payments/orders/:id/refunds', {
      schema: { tags, summary: 'Refund all or part of a paid order (officer of the owning department)', params: S.IdParams, body: S.RefundBody,
        response: { 202: Type.Object({ refund: S.RefundSchema, order: S.OrderSchema }) } },
      config: { access: [...OFFICER_ROLES] },
    }, async (req, reply) => reply.code(202).send(await svc.requestRefund(req.ctx, req.params.id, req.body)));

    r.get('/payments/reconciliation', {
      schema: {
        tags,
        summary: 'Reconciliation (对账) of one day against the provider’s statement; JSON or CSV',
        querystring: S.ReconciliationQuery,
        response: { 200: S.ReconciliationReport },
        produces: ['application/json', 'text/csv'],
      },
      config: { access: ['platform_admin', 'dept_admin'] },
    }, async (req, reply) => {
      const report = await svc.reconcile(req.ctx, req.query.date);
      if (req.query.format === 'csv') {
        return reply
          .header('content-disposition', `attachment; filename="reconciliation-${report.date}.csv"`)
          .type('text/csv; charset=utf-8')
          .send(reconciliationCsv(report) as never);
      }
      return report;
    });
  };
}
