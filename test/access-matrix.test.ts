/**
 * The access matrix: every route × every kind of actor. The expected table below is written
 * independently of the routes' own declarations; a route missing from it fails the test, so a
 * new route cannot ship without saying who may call it. What is not allowed must be refused
 * (401 for the anonymous, 403 ROLE_NOT_ALLOWED for the signed-in); what is allowed must not be.
 * Mutating requests that succeed must leave an audit entry.
 * The second part checks data scope: another person's or department's records by id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_CLIENT_SECRET, enterprises, people } from '../apps/server/src/demo/data';
import { multipartBody, samplePdf } from '../apps/server/src/modules/files/files.fixtures';
import { demoBundleId, demoItemId } from '../apps/server/src/modules/catalog';
import { sampleBundleContent, sampleItemContent, samplePackage } from '../apps/server/src/modules/catalog/catalog.fixtures';
import { personLogin, staffLogin, testApp, type Client } from './helpers';

type Actor =
  | 'anonymous'
  | 'citizen'
  | 'enterprise'
  | 'agent'
  | 'window_clerk'
  | 'reviewer'
  | 'decider'
  | 'dept_admin'
  | 'data_admin'
  | 'supervisor'
  | 'platform_admin'
  | 'machine';
const ACTORS: Actor[] = ['anonymous', 'citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin', 'machine'];
const SIGNED_IN = ACTORS.filter((a) => a !== 'anonymous');
const STAFF: Actor[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin'];
const PUBLIC = 'public' as const;

interface Expect {
  allowed: typeof PUBLIC | Actor[];
  /** A request that an allowed actor can make (ids filled from the demo data). */
  sample?: (ids: Ids) => { url?: string; body?: unknown; form?: boolean; multipart?: Parameters<typeof multipartBody>[0] };
  /** Runs after every other route (it changes the session). */
  last?: boolean;
}

interface Ids {
  departmentId: string;
  staffId: string;
  mandateId: string;
  n: number;
}

const EXPECTED: Record<string, Expect> = {
  // Service catalog: guides, search and scores are public; staff read drafts; department admins edit
  // their own department's entries (the samples are of FZ-SCJGJ, scjg.admin's), platform admins all.
  'GET /api/catalog/search': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/search?q=${encodeURIComponent('营业执照')}&type=administrative_licensing` }) },
  'GET /api/catalog/suggest': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/suggest?q=${encodeURIComponent('营业')}` }) },
  'GET /api/catalog/items/:id': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/items/${demoItemId('scjg.change')}` }) },
  'GET /api/catalog/items/:id/versions/:version': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/items/${demoItemId('scjg.change')}/versions/1` }) },
  'GET /api/catalog/bundles': { allowed: PUBLIC },
  'GET /api/catalog/bundles/:id': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/bundles/${demoBundleId('newborn')}` }) },
  'GET /api/catalog/bundles/:id/versions/:version': { allowed: PUBLIC, sample: () => ({ url: `/api/catalog/bundles/${demoBundleId('newborn')}/versions/1` }) },
  'GET /api/catalog/themes': { allowed: PUBLIC },
  'GET /api/catalog/vocabulary': { allowed: PUBLIC },
  'GET /api/catalog/accuracy': { allowed: PUBLIC },
  'GET /api/catalog/signing-key': { allowed: PUBLIC },
  'GET /api/admin/catalog/items': { allowed: STAFF },
  'GET /api/admin/catalog/items/:id': { allowed: STAFF, sample: () => ({ url: `/api/admin/catalog/items/${demoItemId('scjg.change')}` }) },
  'GET /api/admin/catalog/bundles': { allowed: STAFF },
  'GET /api/admin/catalog/bundles/:id': { allowed: STAFF, sample: () => ({ url: `/api/admin/catalog/bundles/${demoBundleId('business-startup')}` }) },
  'GET /api/admin/catalog/synonyms': { allowed: STAFF },
  'POST /api/admin/catalog/items': { allowed: ['dept_admin', 'platform_admin'], sample: (i) => ({ body: sampleItemContent(i.departmentId, 100 + i.n) }) },
  'PUT /api/admin/catalog/items/:id/draft': {
    allowed: ['dept_admin', 'platform_admin'],
    sample: (i) => ({ url: `/api/admin/catalog/items/${demoItemId('scjg.licence-replacement')}/draft`, body: sampleItemContent(i.departmentId, 700, { name: '营业执照遗失补领（新版）' }) }),
  },
  'POST /api/admin/catalog/items/:id/publish': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/items/${demoItemId('scjg.licence-replacement')}/publish` }) },
  'DELETE /api/admin/catalog/items/:id/draft': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/items/${demoItemId('scjg.licence-replacement')}/draft` }) },
  'POST /api/admin/catalog/items/:id/retire': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/items/${demoItemId('scjg.equipment')}/retire`, body: { reason: '事项取消' } }) },
  'POST /api/admin/catalog/bundles': {
    allowed: ['dept_admin', 'platform_admin'],
    sample: (i) => ({ body: sampleBundleContent(i.departmentId, [demoItemId('scjg.establishment'), demoItemId('scjg.food')], `matrix-${i.n}`) }),
  },
  'PUT /api/admin/catalog/bundles/:id/draft': {
    allowed: ['dept_admin', 'platform_admin'],
    sample: (i) => ({ url: `/api/admin/catalog/bundles/${demoBundleId('restaurant')}/draft`, body: sampleBundleContent(i.departmentId, [demoItemId('scjg.establishment'), demoItemId('scjg.food')], 'restaurant') }),
  },
  'POST /api/admin/catalog/bundles/:id/publish': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/bundles/${demoBundleId('restaurant')}/publish` }) },
  'DELETE /api/admin/catalog/bundles/:id/draft': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/bundles/${demoBundleId('restaurant')}/draft` }) },
  'POST /api/admin/catalog/bundles/:id/retire': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: `/api/admin/catalog/bundles/${demoBundleId('restaurant')}/retire`, body: { reason: '调整' } }) },
  'POST /api/admin/catalog/packages/export': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ body: { name: '矩阵测试', version: '1.0.0', items: [demoItemId('scjg.change')], bundles: [] } }) },
  'POST /api/admin/catalog/packages/preview': { allowed: ['dept_admin', 'platform_admin'], sample: (i) => ({ body: { package: samplePackage('FZ-SCJGJ', '350100', i.n), departmentMap: {}, regionMap: {} } }) },
  'POST /api/admin/catalog/packages/import': { allowed: ['dept_admin', 'platform_admin'], sample: (i) => ({ body: { package: samplePackage('FZ-SCJGJ', '350100', i.n), departmentMap: {}, regionMap: {} } }) },
  'PUT /api/admin/catalog/synonyms': { allowed: ['platform_admin'], sample: () => ({ body: [{ kind: 'equivalent', terms: ['营业执照', '执照'] }] }) },
  'POST /api/admin/catalog/relint': { allowed: ['platform_admin'] },
  'GET /healthz': { allowed: PUBLIC },
  'GET /readyz': { allowed: PUBLIC },
  'GET /api/node': { allowed: PUBLIC },
  'GET /api/regions/:code': { allowed: PUBLIC, sample: () => ({ url: '/api/regions/350102' }) },
  'GET /api/regions/:code/children': { allowed: PUBLIC, sample: () => ({ url: '/api/regions/350100/children' }) },
  'GET /api/departments': { allowed: PUBLIC },
  'GET /api/departments/:id': { allowed: PUBLIC, sample: (i) => ({ url: `/api/departments/${i.departmentId}` }) },
  'POST /api/admin/departments': {
    allowed: ['platform_admin'],
    sample: (i) => ({ body: { code: `T-${i.n}`, name: '测试局', nameEn: 'Test Bureau', regionCode: '350102' } }),
  },
  'PATCH /api/admin/departments/:id': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/departments/00000000-0000-4000-8000-000000000000', body: { nameEn: 'Renamed Bureau' } }) },
  'GET /api/demo/accounts': { allowed: PUBLIC },
  'GET /api/calendar': { allowed: PUBLIC },
  'PUT /api/admin/calendar/:year': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/calendar/2025', body: { holidays: ['2025-01-01'], workdays: [], source: 'test' } }) },
  'GET /api/auth/me': { allowed: SIGNED_IN },
  'POST /api/auth/staff/login': { allowed: PUBLIC, sample: () => ({ body: { username: 'gaj.reviewer', password: 'Yiwang@2026' } }) },
  'GET /api/auth/oidc/login': { allowed: PUBLIC },
  'GET /api/auth/oidc/callback': { allowed: PUBLIC, sample: () => ({ url: '/api/auth/oidc/callback?code=x&state=unknownstate' }) },
  'POST /api/auth/token': {
    allowed: PUBLIC,
    sample: () => ({ body: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } }),
  },
  'POST /api/auth/totp/setup': { allowed: STAFF },
  'POST /api/auth/totp/enable': { allowed: STAFF, sample: () => ({ body: { code: '123456' } }) },
  'GET /api/mandates': { allowed: ['citizen'] },
  'POST /api/mandates': {
    allowed: ['citizen'],
    sample: () => ({ body: { agentIdNumber: people[0].idNumber, scope: ['*'], reason: '委托测试', validUntil: '2031-01-01T00:00:00Z' } }),
  },
  'DELETE /api/mandates/:id': { allowed: ['citizen'], sample: (i) => ({ url: `/api/mandates/${i.mandateId}` }) },
  'GET /api/enterprise/staff': { allowed: ['enterprise'] },
  'POST /api/enterprise/staff': { allowed: ['enterprise'], sample: () => ({ body: { idNumber: people[1].idNumber } }) },
  'DELETE /api/enterprise/staff/:id': { allowed: ['enterprise'], sample: () => ({ url: '/api/enterprise/staff/00000000-0000-4000-8000-000000000000' }) },
  'GET /api/admin/staff': { allowed: ['platform_admin', 'dept_admin'] },
  'POST /api/admin/staff': {
    allowed: ['platform_admin', 'dept_admin'],
    sample: (i) => ({ body: { username: `t.user${i.n}`, displayName: '测试', password: 'Passw0rd-long', kind: 'officer', roles: ['window_clerk'], departmentId: i.departmentId } }),
  },
  'PATCH /api/admin/staff/:id': { allowed: ['platform_admin', 'dept_admin'], sample: (i) => ({ url: `/api/admin/staff/${i.staffId}`, body: { unlock: true } }) },
  'GET /api/admin/clients': { allowed: ['platform_admin', 'dept_admin'] },
  'POST /api/admin/clients': {
    allowed: ['platform_admin', 'dept_admin'],
    sample: (i) => ({ body: { clientId: `t-client-${i.n}`, name: '测试系统', departmentId: i.departmentId, scopes: [] } }),
  },
  'PATCH /api/admin/clients/:id': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/clients/00000000-0000-4000-8000-000000000000', body: { status: 'active', reason: '矩阵测试' } }) },
  'GET /api/audit': { allowed: ['platform_admin', 'supervisor', 'dept_admin', 'data_admin'] },
  'POST /api/auth/act': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ body: { as: 'self' } }), last: true },
  'POST /api/auth/logout': { allowed: SIGNED_IN, last: true },
  // The simulated identity provider: a public protocol surface.
  'GET /idp/.well-known/openid-configuration': { allowed: PUBLIC },
  'GET /idp/jwks': { allowed: PUBLIC },
  'GET /idp/authorize': { allowed: PUBLIC },
  'POST /idp/authorize': { allowed: PUBLIC, sample: () => ({ form: true, body: {} }) },
  'POST /idp/token': { allowed: PUBLIC, sample: () => ({ form: true, body: {} }) },
  'GET /idp/userinfo': { allowed: PUBLIC },
  // Unified payment: payers create, pay, cancel and see their own orders; officers see and refund their
  // department's; reconciliation is for department and platform admins. Return and notify are the
  // provider's (public; nothing there is trusted without a query or a signature).
  'POST /api/payments/orders': {
    allowed: ['citizen', 'enterprise', 'agent'],
    sample: (i) => ({ body: { subjectType: 'application', subjectId: `matrix-${i.n}`, departmentId: i.departmentId, currency: 'CNY', items: [{ name: '工本费', amountFen: 1000 }] } }),
  },
  'GET /api/payments/orders': { allowed: ['citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin', 'platform_admin'] },
  'GET /api/payments/orders/:id': {
    allowed: ['citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin', 'platform_admin'],
    sample: () => ({ url: '/api/payments/orders/00000000-0000-4000-8000-000000000000' }),
  },
  'POST /api/payments/orders/:id/pay': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/payments/orders/00000000-0000-4000-8000-000000000000/pay' }) },
  'POST /api/payments/orders/:id/cancel': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/payments/orders/00000000-0000-4000-8000-000000000000/cancel' }) },
  'GET /api/payments/orders/:id/return': { allowed: PUBLIC, sample: () => ({ url: '/api/payments/orders/00000000-0000-4000-8000-000000000000/return' }) },
  'POST /api/payments/notify/:provider': { allowed: PUBLIC, sample: () => ({ url: '/api/payments/notify/simulated', body: {} }) },
  'POST /api/payments/orders/:id/refunds': {
    allowed: ['window_clerk', 'reviewer', 'decider', 'dept_admin'],
    sample: () => ({ url: '/api/payments/orders/00000000-0000-4000-8000-000000000000/refunds', body: { amountFen: 100, reason: '测试退款' } }),
  },
  'GET /api/payments/reconciliation': { allowed: ['platform_admin', 'dept_admin'], sample: () => ({ url: '/api/payments/reconciliation?date=2026-11-20' }) },
  // The simulated payment provider: an external system's public protocol surface.
  'GET /pay-sim/api/public-key': { allowed: PUBLIC },
  'POST /pay-sim/api/orders': { allowed: PUBLIC, sample: () => ({ body: {} }) },
  'POST /pay-sim/api/orders/query': { allowed: PUBLIC, sample: () => ({ body: {} }) },
  'POST /pay-sim/api/orders/close': { allowed: PUBLIC, sample: () => ({ body: {} }) },
  'POST /pay-sim/api/refunds': { allowed: PUBLIC, sample: () => ({ body: {} }) },
  'GET /pay-sim/api/statement': { allowed: PUBLIC },
  'GET /pay-sim/pay/:token': { allowed: PUBLIC, sample: () => ({ url: '/pay-sim/pay/unknown-token' }) },
  'POST /pay-sim/pay/:token': { allowed: PUBLIC, sample: () => ({ url: '/pay-sim/pay/unknown-token', form: true, body: { action: 'pay' } }) },
  // The transparency log: public by design (anyone may audit it).
  'GET /api/transparency/sth': { allowed: PUBLIC },
  'GET /api/transparency/public-key': { allowed: PUBLIC },
  'GET /api/transparency/entries': { allowed: PUBLIC },
  'GET /api/transparency/entries/:index': { allowed: PUBLIC, sample: () => ({ url: '/api/transparency/entries/0' }) },
  'GET /api/transparency/proofs/inclusion': { allowed: PUBLIC, sample: () => ({ url: '/api/transparency/proofs/inclusion?leafIndex=0' }) },
  'GET /api/transparency/proofs/consistency': { allowed: PUBLIC, sample: () => ({ url: '/api/transparency/proofs/consistency?first=0' }) },
  // Verification material of e-licence issuers: public by design.
  'GET /api/licences/issuers/jwks': { allowed: PUBLIC },
  'GET /api/licences/status-lists/:id': { allowed: PUBLIC, sample: () => ({ url: '/api/licences/status-lists/00000000-0000-4000-8000-000000000000' }) },
  // E-licences: verification is public (answers signed and logged); wallets are the holder's; issuing and status
  // changes belong to the issuing department (its deciders, admins and systems); the trust list to platform admins.
  'GET /api/licences/types': { allowed: PUBLIC },
  'GET /api/licences/node-key': { allowed: PUBLIC },
  'GET /api/licences/trust-list': { allowed: PUBLIC },
  'POST /api/licences/verify': { allowed: PUBLIC, sample: () => ({ body: { presentation: 'not-a-presentation-at-all~~' } }) },
  'GET /api/licences/presentations/:id': { allowed: PUBLIC, sample: () => ({ url: '/api/licences/presentations/AAAAAAAAAAAAAAAAAAAAAA' }) },
  'GET /api/licences/wallet': { allowed: ['citizen', 'enterprise', 'agent'] },
  'GET /api/licences/wallet/:id': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/licences/wallet/00000000-0000-4000-8000-000000000000' }) },
  'GET /api/licences/wallet/:id/rendition': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/licences/wallet/00000000-0000-4000-8000-000000000000/rendition' }) },
  'POST /api/licences/wallet/:id/presentations': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/licences/wallet/00000000-0000-4000-8000-000000000000/presentations', body: { fields: ['name'] } }) },
  'GET /api/licences/uses': { allowed: ['citizen', 'enterprise', 'agent'] },
  'POST /api/licences/issue': {
    allowed: ['machine', 'decider', 'dept_admin', 'platform_admin'],
    sample: () => ({ body: { type: 'food_business_licence', holder: { kind: 'enterprise', creditCode: enterprises[0].uscc }, fields: { mainBusiness: '餐饮服务经营者（小型餐馆）' } } }),
  },
  'GET /api/licences/issued': { allowed: ['window_clerk', 'reviewer', 'decider', 'dept_admin', 'platform_admin'] },
  'POST /api/licences/:id/status': {
    allowed: ['machine', 'decider', 'dept_admin', 'platform_admin'],
    sample: () => ({ url: '/api/licences/00000000-0000-4000-8000-000000000000/status', body: { action: 'suspend', reason: '测试暂停' } }),
  },
  'POST /api/licences/issuers/:departmentId/keys': { allowed: ['dept_admin', 'platform_admin'], sample: (i) => ({ url: `/api/licences/issuers/${i.departmentId}/keys`, body: { alg: 'EdDSA' } }) },
  'GET /api/admin/licences/trusted-issuers': { allowed: ['platform_admin'] },
  'POST /api/admin/licences/trusted-issuers': {
    allowed: ['platform_admin'],
    sample: (i) => ({
      body: { iss: `https://other-region.example/issuers/${i.n}`, name: '外省签发机构', nameEn: 'Another region’s issuer', regionCode: '110000', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'rfc8037' }] } },
    }),
  },
  'DELETE /api/admin/licences/trusted-issuers/:id': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/licences/trusted-issuers/00000000-0000-4000-8000-000000000000' }) },
  // Notifications: everyone with an inbox (not machine clients) sees only their own; templates are the platform admin's.
  'GET /api/notifications': { allowed: SIGNED_IN.filter((a) => a !== 'machine') },
  'GET /api/notifications/unread-count': { allowed: SIGNED_IN.filter((a) => a !== 'machine') },
  'POST /api/notifications/:id/read': { allowed: SIGNED_IN.filter((a) => a !== 'machine'), sample: () => ({ url: '/api/notifications/00000000-0000-4000-8000-000000000000/read' }) },
  'POST /api/notifications/read-all': { allowed: SIGNED_IN.filter((a) => a !== 'machine') },
  'GET /api/notifications/preferences': { allowed: SIGNED_IN.filter((a) => a !== 'machine') },
  'PUT /api/notifications/preferences': { allowed: SIGNED_IN.filter((a) => a !== 'machine'), sample: () => ({ body: { locale: 'zh', sms: true, email: true } }) },
  'GET /api/admin/notification-templates': { allowed: ['platform_admin', 'dept_admin'] },
  'PUT /api/admin/notification-templates/:code': {
    allowed: ['platform_admin'],
    sample: () => ({
      url: '/api/admin/notification-templates/payment.due',
      body: {
        version: 1,
        channels: ['sms'],
        zh: { title: '请缴费', body: '「{{itemName}}」（{{applicationNo}}）需缴费 {{amount}} 元，{{payBefore}} 前。', sms: '{{applicationNo}} 需缴费 {{amount}} 元' },
        en: { title: 'A fee is due', body: '{{applicationNo}}: CNY {{amount}} by {{payBefore}}.', sms: '{{applicationNo}}: CNY {{amount}}' },
      },
    }),
  },
  // Materials: applicants (and window clerks scanning at the counter) upload and list their own; others download only what the applications module grants.
  'POST /api/files': { allowed: ['citizen', 'enterprise', 'agent', 'window_clerk'], sample: (i) => ({ multipart: { filename: `材料${i.n}.pdf`, contentType: 'application/pdf', data: samplePdf(`matrix-${i.n}`) } }) },
  'GET /api/files': { allowed: ['citizen', 'enterprise', 'agent', 'window_clerk'] },
  'GET /api/files/:id': {
    allowed: ['citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin'],
    sample: () => ({ url: '/api/files/00000000-0000-4000-8000-000000000000' }),
  },
  // Applications (办件): applicants (a citizen, an enterprise, an agent for a principal) their own only;
  // officers the tasks of their department and role (department admins read); supervisors the escalations.
  'GET /api/applications': { allowed: ['citizen', 'enterprise', 'agent'] },
  'POST /api/applications': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ body: { itemId: '00000000-0000-4000-8000-000000000000' } }) },
  'GET /api/applications/:id': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000' }) },
  'PUT /api/applications/:id': {
    allowed: ['citizen', 'enterprise', 'agent'],
    sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000', body: { formData: {}, version: 1 } }),
  },
  'DELETE /api/applications/:id': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000' }) },
  'POST /api/applications/:id/submit': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000/submit' }) },
  'POST /api/applications/:id/withdraw': {
    allowed: ['citizen', 'enterprise', 'agent'],
    sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000/withdraw', body: { reason: '测试撤回' } }),
  },
  'POST /api/applications/:id/supplement': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000/supplement', body: {} }) },
  'GET /api/applications/:id/receipt': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000/receipt' }) },
  'POST /api/applications/:id/payment': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/applications/00000000-0000-4000-8000-000000000000/payment' }) },
  'POST /api/window/applications': { allowed: ['window_clerk'], sample: () => ({ body: { idNumber: '350102199003070012', name: '张伟', itemId: '00000000-0000-4000-8000-000000000000' } }) },
  'GET /api/admin/items/:id/process': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/items/00000000-0000-4000-8000-000000000000/process' }) },
  'GET /api/admin/items/:id/process.bpmn': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/items/00000000-0000-4000-8000-000000000000/process.bpmn' }) },
  'PUT /api/admin/items/:id/process': {
    allowed: ['dept_admin', 'platform_admin'],
    sample: () => ({ url: '/api/admin/items/00000000-0000-4000-8000-000000000000/process', body: { bpmn: '<bpmn:definitions></bpmn:definitions>' } }),
  },
  'DELETE /api/admin/items/:id/process': { allowed: ['dept_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/items/00000000-0000-4000-8000-000000000000/process' }) },
  'GET /api/tasks': { allowed: ['window_clerk', 'reviewer', 'decider', 'dept_admin'] },
  'GET /api/tasks/:id': { allowed: ['window_clerk', 'reviewer', 'decider', 'dept_admin'], sample: () => ({ url: '/api/tasks/00000000-0000-4000-8000-000000000000' }) },
  ...Object.fromEntries(
    (
      [
        ['claim', {}],
        ['release', {}],
        ['accept', {}],
        ['not-accept', { reasonCode: 'other', reason: '测试' }],
        ['request-supplement', { items: [{ kind: 'field', key: 'x', reason: '测试' }] }],
        ['review', { agree: true, opinion: '同意' }],
        ['decide', { approve: true, opinion: '同意' }],
        ['deliver', { method: 'online' }],
        ['special-procedure', { name: '专家评审' }],
        ['special-procedure/end', {}],
      ] as const
    ).map(([path, body]) => [
      `POST /api/tasks/:id/${path}`,
      { allowed: ['window_clerk', 'reviewer', 'decider'], sample: () => ({ url: `/api/tasks/00000000-0000-4000-8000-000000000000/${path}`, body }) },
    ]),
  ),
  'GET /api/escalations': { allowed: ['supervisor', 'platform_admin'] },
  // Data resource catalog (政务信息资源目录): metadata public; managed by data/department admins (their own providers), platform admins.
  'GET /api/resources': { allowed: PUBLIC },
  'GET /api/resources/:id': { allowed: PUBLIC, sample: () => ({ url: '/api/resources/ZJJ.BUS_ROUTES' }) },
  'GET /api/admin/resources': { allowed: ['dept_admin', 'data_admin', 'platform_admin'] },
  'POST /api/admin/resources': {
    allowed: ['dept_admin', 'data_admin', 'platform_admin'],
    sample: (i) => ({
      body: {
        code: `MATRIX.R${i.n}`, name: `矩阵测试资源${i.n}`, providerDepartmentId: i.departmentId, subjectKind: 'none', keyField: 'no',
        fields: [{ name: 'no', label: '编号', type: 'string', personal: false, sensitive: false }], sharingClass: 'unconditional', openClass: 'unconditional', updateFrequency: 'daily',
      },
    }),
  },
  'PUT /api/admin/resources/:id': {
    allowed: ['dept_admin', 'data_admin', 'platform_admin'],
    sample: (i) => ({
      url: '/api/admin/resources/NO.SUCH',
      body: {
        name: `矩阵测试资源${i.n}`, providerDepartmentId: i.departmentId, subjectKind: 'none', keyField: 'no', version: 1,
        fields: [{ name: 'no', label: '编号', type: 'string', personal: false, sensitive: false }], sharingClass: 'unconditional', openClass: 'unconditional', updateFrequency: 'daily',
      },
    }),
  },
  'POST /api/admin/resources/:id/retire': { allowed: ['dept_admin', 'data_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/resources/NO.SUCH/retire', body: { reason: '测试停用' } }) },
  'POST /api/admin/resources/:id/reactivate': { allowed: ['dept_admin', 'data_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/resources/NO.SUCH/reactivate', body: { reason: '测试启用' } }) },
  'GET /api/admin/resources/:id/rows': { allowed: ['dept_admin', 'data_admin', 'platform_admin'], sample: () => ({ url: '/api/admin/resources/NO.SUCH/rows' }) },
  'POST /api/resources/:id/rows': { allowed: ['dept_admin', 'data_admin', 'platform_admin', 'machine'], sample: () => ({ url: '/api/resources/NO.SUCH/rows', body: { rows: [{ data: { no: '1' } }] } }) },
  // Data sharing exchange: department systems (machine) call and request; data admins decide; people see uses of their data.
  'GET /api/exchange/keys': { allowed: PUBLIC },
  'POST /api/exchange/token': { allowed: PUBLIC, sample: () => ({ body: { grant_type: 'client_credentials' } }) },
  'GET /api/exchange/client-keys': { allowed: ['dept_admin', 'data_admin', 'platform_admin'] },
  'POST /api/exchange/clients/:clientId/keys': { allowed: ['dept_admin', 'data_admin', 'platform_admin'], sample: () => ({ url: '/api/exchange/clients/no-such-client/keys', body: { jwk: { kty: 'OKP' } } }) },
  'POST /api/exchange/requests': {
    allowed: ['dept_admin', 'data_admin', 'platform_admin', 'machine'],
    sample: () => ({ body: { resource: 'NO.SUCH', kinds: ['query'], fields: ['x'], purpose: '矩阵测试用途', legalBasis: '', validUntil: '2030-01-01T00:00:00Z', quotaPerDay: 1 } }),
  },
  'GET /api/exchange/requests': { allowed: ['dept_admin', 'data_admin', 'platform_admin', 'machine'] },
  'GET /api/exchange/requests/:id': { allowed: ['dept_admin', 'data_admin', 'platform_admin', 'machine'], sample: () => ({ url: '/api/exchange/requests/00000000-0000-4000-8000-000000000000' }) },
  'POST /api/exchange/requests/:id/decision': { allowed: ['data_admin', 'platform_admin'], sample: () => ({ url: '/api/exchange/requests/00000000-0000-4000-8000-000000000000/decision', body: { approve: false, reason: '矩阵测试' } }) },
  'GET /api/exchange/grants': { allowed: ['dept_admin', 'data_admin', 'platform_admin', 'machine'] },
  'POST /api/exchange/grants/:id/revoke': { allowed: ['data_admin', 'platform_admin'], sample: () => ({ url: '/api/exchange/grants/00000000-0000-4000-8000-000000000000/revoke', body: { reason: '矩阵测试' } }) },
  'POST /api/exchange/query': { allowed: ['machine'], sample: () => ({ body: { resource: 'NO.SUCH', subject: 'x', purpose: '矩阵测试' } }) },
  'POST /api/exchange/verify': { allowed: ['machine'], sample: () => ({ body: { resource: 'NO.SUCH', subject: 'x', claims: { name: 'x' }, purpose: '矩阵测试' } }) },
  'POST /api/exchange/subscriptions': { allowed: ['machine'], sample: () => ({ body: { resource: 'NO.SUCH', regionCode: '350102' } }) },
  'GET /api/exchange/subscriptions': { allowed: ['machine'] },
  'GET /api/exchange/subscriptions/:id/changes': { allowed: ['machine'], sample: () => ({ url: '/api/exchange/subscriptions/00000000-0000-4000-8000-000000000000/changes' }) },
  'GET /api/exchange/my-uses': { allowed: ['citizen', 'enterprise', 'agent'] },
  'GET /api/exchange/my-uses/:id/proof': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/exchange/my-uses/00000000-0000-4000-8000-000000000000/proof' }) },
  'POST /api/exchange/my-uses/:id/flag': { allowed: ['citizen', 'enterprise', 'agent'], sample: () => ({ url: '/api/exchange/my-uses/00000000-0000-4000-8000-000000000000/flag', body: { reason: '矩阵测试反映' } }) },
  'GET /api/exchange/cases': { allowed: ['data_admin', 'platform_admin'] },
  'POST /api/exchange/cases/:id/resolve': { allowed: ['data_admin', 'platform_admin'], sample: () => ({ url: '/api/exchange/cases/00000000-0000-4000-8000-000000000000/resolve', body: { finding: 'no_misuse', resolution: '矩阵测试' } }) },
  'GET /api/exchange/stats': { allowed: ['dept_admin', 'data_admin', 'platform_admin'] },
  // Reviews (好差评): people review their own concluded applications; window clerks record visits rated by link
  // (public); officers handle their department's rectification cases, supervisors their region's; statistics public.
  ...(() => {
    const PEOPLE: Actor[] = ['citizen', 'enterprise', 'agent'];
    const OFFICERS: Actor[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin'];
    const CASES: Actor[] = [...OFFICERS, 'supervisor', 'platform_admin'];
    const SUPERVISORS: Actor[] = ['supervisor', 'platform_admin'];
    const nil = '00000000-0000-4000-8000-000000000000';
    const online = { overall: 5, efficiency: 5, guide_accuracy: 5, convenience: 5, platform_usability: 5 };
    const onsite = { overall: 5, efficiency: 5, service_level: 5, attitude: 5 };
    const e: Record<string, Expect> = {
      'GET /api/reviews/mine': { allowed: PEOPLE },
      'POST /api/reviews': { allowed: PEOPLE, sample: () => ({ body: { applicationId: nil, channel: 'web', level: 5, scores: online } }) },
      'GET /api/reviews/:id': { allowed: PEOPLE, sample: () => ({ url: `/api/reviews/${nil}` }) },
      'PUT /api/reviews/:id': { allowed: PEOPLE, sample: () => ({ url: `/api/reviews/${nil}`, body: { level: 5, scores: online } }) },
      'POST /api/reviews/:id/rerate': { allowed: PEOPLE, sample: () => ({ url: `/api/reviews/${nil}/rerate`, body: { level: 5, scores: online } }) },
      'POST /api/reviews/visits': { allowed: ['window_clerk'], sample: () => ({ body: {} }) },
      'GET /api/reviews/visits/:token': { allowed: PUBLIC, sample: () => ({ url: '/api/reviews/visits/no-such-token-000' }) },
      'POST /api/reviews/visits/:token': { allowed: PUBLIC, sample: () => ({ url: '/api/reviews/visits/no-such-token-000', body: { channel: 'window_device', level: 5, scores: onsite } }) },
      'POST /api/reviews/visits/:token/rerate': { allowed: PUBLIC, sample: () => ({ url: '/api/reviews/visits/no-such-token-000/rerate', body: { channel: 'sms', level: 5, scores: onsite } }) },
      'GET /api/rectification/cases': { allowed: CASES },
      'GET /api/rectification/cases/:id': { allowed: CASES, sample: () => ({ url: `/api/rectification/cases/${nil}` }) },
      'POST /api/rectification/cases/:id/verify': { allowed: OFFICERS, sample: () => ({ url: `/api/rectification/cases/${nil}/verify`, body: { finding: 'confirmed', note: '核实情况' } }) },
      'POST /api/rectification/cases/:id/rectify': { allowed: OFFICERS, sample: () => ({ url: `/api/rectification/cases/${nil}/rectify`, body: { measures: '整改措施' } }) },
      'POST /api/rectification/cases/:id/feedback': { allowed: OFFICERS, sample: () => ({ url: `/api/rectification/cases/${nil}/feedback`, body: { message: '反馈内容' } }) },
      'POST /api/rectification/evidence': { allowed: ['dept_admin'], sample: () => ({ body: { filename: 'evidence.pdf', contentType: 'application/pdf', dataBase64: samplePdf('matrix').toString('base64') } }) },
      'GET /api/rectification/cases/:id/evidence/:fileId': { allowed: CASES, sample: () => ({ url: `/api/rectification/cases/${nil}/evidence/${nil}` }) },
      'POST /api/rectification/cases/:id/appeal': { allowed: ['dept_admin'], sample: () => ({ url: `/api/rectification/cases/${nil}/appeal`, body: { reason: '恶意差评', evidenceFileIds: [nil] } }) },
      'POST /api/rectification/cases/:id/appeal-decision': { allowed: SUPERVISORS, sample: () => ({ url: `/api/rectification/cases/${nil}/appeal-decision`, body: { uphold: false, note: '驳回申诉' } }) },
      'GET /api/rectification/flags': { allowed: SUPERVISORS },
      'POST /api/rectification/flags/:id/resolve': { allowed: SUPERVISORS, sample: () => ({ url: `/api/rectification/flags/${nil}/resolve`, body: { decision: 'dismissed', note: '正常评价' } }) },
      'GET /api/reviews/invitations/:token': { allowed: PUBLIC, sample: () => ({ url: '/api/reviews/invitations/no-such-token-000' }) },
      'POST /api/reviews/invitations/:token': { allowed: PUBLIC, sample: () => ({ url: '/api/reviews/invitations/no-such-token-000', body: { level: 5, scores: online } }) },
      'POST /api/follow-ups/sample': { allowed: SUPERVISORS, sample: () => ({ body: { source: 'rectification', count: 1 } }) },
      'GET /api/follow-ups': { allowed: SUPERVISORS },
      'POST /api/follow-ups/:id': { allowed: SUPERVISORS, sample: () => ({ url: `/api/follow-ups/${nil}`, body: { reached: false, note: '未接通' } }) },
      'GET /api/admin/rectification-deadlines': { allowed: ['supervisor', 'platform_admin'] },
      'PUT /api/admin/rectification-deadlines/:regionCode': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/rectification-deadlines/350100', body: { verifyDays: 1, rectifyDays: 5, feedbackDays: 1 } }) },
      'GET /api/public/reviews/stats': { allowed: PUBLIC, sample: () => ({ url: '/api/public/reviews/stats?groupBy=department' }) },
      'GET /api/public/reviews/ledger': { allowed: PUBLIC },
      // 12345 interaction: anyone may file (only reports anonymously); handlers by department or region; Open311 public (api_key to post).
      'GET /api/inquiries/categories': { allowed: PUBLIC },
      'GET /api/inquiries/regions': { allowed: PUBLIC },
      'POST /api/inquiries': { allowed: PUBLIC, sample: () => ({ body: { kind: 'report', category: 'food-safety', title: '矩阵测试举报', content: '矩阵测试举报的具体内容。', regionCode: '350102' } }) },
      'GET /api/inquiries/mine': { allowed: PEOPLE },
      'GET /api/inquiries/track/:number': { allowed: PUBLIC, sample: () => ({ url: '/api/inquiries/track/20260101000001?code=AAAA-BBBB-CCCC-DDDD' }) },
      'GET /api/inquiries': { allowed: CASES },
      'GET /api/inquiries/:id': { allowed: [...PEOPLE, ...CASES], sample: () => ({ url: `/api/inquiries/${nil}` }) },
      'POST /api/inquiries/:id/dispatch': { allowed: SUPERVISORS, sample: (i) => ({ url: `/api/inquiries/${nil}/dispatch`, body: { departmentId: i.departmentId } }) },
      'POST /api/inquiries/:id/return': { allowed: OFFICERS, sample: () => ({ url: `/api/inquiries/${nil}/return`, body: { reason: '不属本部门职责' } }) },
      'POST /api/inquiries/:id/respond': { allowed: OFFICERS, sample: () => ({ url: `/api/inquiries/${nil}/respond`, body: {} }) },
      'POST /api/inquiries/:id/reply': { allowed: OFFICERS, sample: () => ({ url: `/api/inquiries/${nil}/reply`, body: { reply: '答复内容' } }) },
      'POST /api/inquiries/:id/confirm': { allowed: PUBLIC, sample: () => ({ url: `/api/inquiries/${nil}/confirm`, body: { resolved: true, satisfaction: 5 } }) },
      'POST /api/inquiries/:id/escalate': { allowed: SUPERVISORS, sample: () => ({ url: `/api/inquiries/${nil}/escalate`, body: { note: '督办' } }) },
      'GET /api/public/inquiries/rates': { allowed: PUBLIC },
      'GET /api/knowledge': { allowed: PUBLIC, sample: () => ({ url: `/api/knowledge?q=${encodeURIComponent('营业执照')}` }) },
      'GET /api/knowledge/:id': { allowed: PUBLIC, sample: () => ({ url: `/api/knowledge/${nil}` }) },
      'POST /api/knowledge': { allowed: OFFICERS, sample: () => ({ body: { inquiryId: nil, question: '问题内容', answer: '答复内容' } }) },
      'PUT /api/knowledge/:id': { allowed: OFFICERS, sample: () => ({ url: `/api/knowledge/${nil}`, body: { question: '问题内容', answer: '答复内容', published: false } }) },
      'GET /api/admin/inquiry-rules': { allowed: SUPERVISORS },
      'PUT /api/admin/inquiry-rules': { allowed: ['platform_admin'], sample: (i) => ({ body: { category: 'other', regionPrefix: '3501', departmentId: i.departmentId } }) },
      'GET /api/admin/inquiry-deadlines': { allowed: SUPERVISORS },
      'PUT /api/admin/inquiry-deadlines/:regionCode/:urgency': { allowed: ['platform_admin'], sample: () => ({ url: '/api/admin/inquiry-deadlines/000000/normal', body: { respondHours: 24, resolveDays: 15 } }) },
      'POST /api/admin/open311-keys': { allowed: ['platform_admin'], sample: (i) => ({ body: { name: `矩阵客户端${i.n}` } }) },
      'GET /api/open311/v2/services/:file': { allowed: PUBLIC, sample: () => ({ url: '/api/open311/v2/services/road-damage.json' }) },
      'GET /api/open311/v2/requests/:file': { allowed: PUBLIC, sample: () => ({ url: '/api/open311/v2/requests/20260101000001.xml' }) },
    };
    for (const f of ['json', 'xml']) {
      e[`GET /api/open311/v2/services.${f}`] = { allowed: PUBLIC };
      e[`GET /api/open311/v2/requests.${f}`] = { allowed: PUBLIC };
      e[`POST /api/open311/v2/requests.${f}`] = { allowed: PUBLIC, sample: () => ({ url: `/api/open311/v2/requests.${f}`, form: true, body: { api_key: 'demo-open311-key-2026', service_code: 'streetlight', lat: '26.06', long: '119.31', description: '路灯不亮（矩阵测试）' } }) };
    }
    return e;
  })(),
  // Oversight: supervisors (their region) and platform admins read measures, dashboards, the index, alerts and work
  // orders; the responsible department's officers answer their work orders; the index, its methodology, statistics and maps are public.
  ...(() => {
    const READERS: Actor[] = ['supervisor', 'platform_admin'];
    const HANDLERS: Actor[] = ['window_clerk', 'reviewer', 'decider', 'dept_admin'];
    const nil = '00000000-0000-4000-8000-000000000000';
    const e: Record<string, Expect> = {
      'GET /api/oversight/measures': { allowed: READERS },
      'GET /api/oversight/measures/:id': { allowed: READERS, sample: () => ({ url: '/api/oversight/measures/application_volume?region=350100&breakdown=department' }) },
      'GET /api/oversight/measures/:id/rows': { allowed: READERS, sample: () => ({ url: '/api/oversight/measures/on_time_rate/rows?region=350100&limit=5' }) },
      'GET /api/oversight/dashboards': { allowed: READERS },
      'GET /api/oversight/dashboards/:id': { allowed: READERS, sample: () => ({ url: '/api/oversight/dashboards/overview?region=350100' }) },
      'GET /api/oversight/freshness': { allowed: READERS },
      'POST /api/oversight/refresh': { allowed: READERS, sample: () => ({ body: {} }) },
      'GET /api/oversight/evaluation': { allowed: READERS, sample: () => ({ url: '/api/oversight/evaluation?region=350100' }) },
      'GET /api/oversight/evaluation/regions/:code': { allowed: READERS, sample: () => ({ url: '/api/oversight/evaluation/regions/350102' }) },
      'GET /api/oversight/index/versions': { allowed: READERS },
      'POST /api/oversight/index/versions': { allowed: ['platform_admin'], sample: () => ({ body: { note: 'matrix', config: { name: { zh: '测试', en: 'Test' }, dimensions: [{ id: 'effectiveness', name: { zh: '服务成效度', en: 'Effectiveness' } }], indicators: [{ id: 'on_time', dimension: 'effectiveness', name: { zh: '按时办结率', en: 'On time' }, measure: 'on_time_rate', floor: 80, target: 100, weight: 1 }], grades: [{ label: { zh: '高', en: 'High' }, min: 80 }, { label: { zh: '低', en: 'Low' }, min: null }] } } }) },
      'GET /api/oversight/alert-rules': { allowed: READERS },
      'POST /api/oversight/alert-rules': { allowed: READERS, sample: () => ({ body: { name: '矩阵测试规则', measure: 'overdue_open', regionCode: '350100', breakdown: 'department', kind: 'threshold', op: 'above', threshold: 1000, deadlineDays: 5 } }) },
      'PUT /api/oversight/alert-rules/:id/enabled': { allowed: READERS, sample: () => ({ url: `/api/oversight/alert-rules/${nil}/enabled`, body: { enabled: false } }) },
      'POST /api/oversight/alert-rules/:id/evaluate': { allowed: READERS, sample: () => ({ url: `/api/oversight/alert-rules/${nil}/evaluate`, body: {} }) },
      'GET /api/oversight/alerts': { allowed: READERS },
      'GET /api/oversight/alerts/:id': { allowed: READERS, sample: () => ({ url: `/api/oversight/alerts/${nil}` }) },
      'GET /api/oversight/work-orders': { allowed: [...READERS, ...HANDLERS] },
      'GET /api/oversight/work-orders/:id': { allowed: [...READERS, ...HANDLERS], sample: () => ({ url: `/api/oversight/work-orders/${nil}` }) },
      'POST /api/oversight/work-orders/:id/respond': { allowed: HANDLERS, sample: () => ({ url: `/api/oversight/work-orders/${nil}/respond`, body: { response: '已整改' } }) },
      'POST /api/oversight/work-orders/:id/accept': { allowed: HANDLERS, sample: () => ({ url: `/api/oversight/work-orders/${nil}/accept`, body: {} }) },
      'GET /api/oversight/practices': { allowed: [...READERS, ...HANDLERS] },
      'GET /api/oversight/practices/:id': { allowed: [...READERS, ...HANDLERS], sample: () => ({ url: `/api/oversight/practices/${nil}` }) },
      'POST /api/oversight/practices': { allowed: READERS, sample: () => ({ body: { title: '矩阵测试经验', summary: '矩阵测试经验的摘要内容', body: '矩阵测试经验的正文内容，至少二十个字符。', measure: 'on_time_rate', departmentId: nil, from: '2026-01', to: '2026-03' } }) },
      'POST /api/oversight/practices/:id/withdraw': { allowed: READERS, sample: () => ({ url: `/api/oversight/practices/${nil}/withdraw`, body: { note: '撤回' } }) },
      'POST /api/oversight/work-orders/:id/close': { allowed: READERS, sample: () => ({ url: `/api/oversight/work-orders/${nil}/close`, body: { note: '已核实' } }) },
      'GET /api/oversight/geo/:region': { allowed: PUBLIC, sample: () => ({ url: '/api/oversight/geo/350100' }) },
      'POST /api/oversight/geo': { allowed: ['platform_admin'], sample: () => ({ body: { name: '矩阵测试地图', approvalNumber: '闽S(2024)1号', geojson: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '350102' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }] } } }) },
      'GET /api/public/evaluation': { allowed: PUBLIC },
      'GET /api/public/evaluation/regions/:code': { allowed: PUBLIC, sample: () => ({ url: '/api/public/evaluation/regions/350100' }) },
      'GET /api/public/evaluation/methodology': { allowed: PUBLIC },
      'GET /api/public/service-statistics': { allowed: PUBLIC },
    };
    return e;
  })(),
  // Open data (数据开放): the portal and the CKAN Action API are public (a dataset's access level is checked
  // inside: account / approved application); people rate, apply and request data; publishers manage their
  // departments' datasets (scope in the service). CKAN routes answer in CKAN's envelope, not problem+json.
  ...(() => {
    const nil = '00000000-0000-4000-8000-000000000000';
    const PEOPLE = SIGNED_IN.filter((a) => a !== 'machine');
    const PUBLISHERS: Actor[] = ['data_admin', 'dept_admin', 'platform_admin'];
    const e: Record<string, Expect> = {
      'GET /api/opendata/datasets': { allowed: PUBLIC, sample: () => ({ url: `/api/opendata/datasets?q=${encodeURIComponent('公交')}&facets=organization,tags` }) },
      'GET /api/opendata/vocabulary': { allowed: PUBLIC },
      'GET /api/opendata/datasets/:id': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes' }) },
      'GET /api/opendata/datasets/:id/rows': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes/rows?limit=1' }) },
      'GET /api/opendata/datasets/:id/download/:format': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes/download/csv' }) },
      'GET /api/opendata/datasets/:id/ratings': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes/ratings' }) },
      'GET /api/opendata/datasets/:id/dcat': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes/dcat' }) },
      'PUT /api/opendata/datasets/:id/rating': { allowed: PEOPLE, sample: () => ({ url: '/api/opendata/datasets/zjj-bus-routes/rating', body: { stars: 4, comment: '矩阵测试' } }) },
      'POST /api/opendata/datasets/:id/access-requests': { allowed: PEOPLE, sample: () => ({ url: '/api/opendata/datasets/wjw-medical-institutions/access-requests', body: { purpose: '访问矩阵测试用途', acceptTerms: true } }) },
      'GET /api/opendata/my/access-requests': { allowed: PEOPLE },
      'GET /api/opendata/dcat/catalog': { allowed: PUBLIC, sample: () => ({ url: '/api/opendata/dcat/catalog?format=jsonld&pageSize=2' }) },
      'GET /api/opendata/dcat/metrics': { allowed: PUBLIC },
      'GET /api/opendata/statistics': { allowed: PUBLIC },
      'GET /api/opendata/requests': { allowed: PUBLIC },
      'GET /api/opendata/requests/:id': { allowed: PUBLIC, sample: () => ({ url: `/api/opendata/requests/${nil}` }) },
      'POST /api/opendata/requests': { allowed: PEOPLE, sample: (i) => ({ body: { title: `矩阵测试需求${i.n}`, description: '希望开放测试用的数据' } }) },
      'GET /api/opendata/my/requests': { allowed: PEOPLE },
      'POST /api/opendata/requests/:id/close': { allowed: PEOPLE, sample: () => ({ url: `/api/opendata/requests/${nil}/close`, body: {} }) },
      'GET /api/admin/opendata/candidates': { allowed: PUBLISHERS },
      'POST /api/admin/opendata/check': { allowed: PUBLISHERS, sample: () => ({ body: { resourceId: nil } }) },
      'POST /api/admin/opendata/datasets': { allowed: PUBLISHERS, sample: () => ({ body: { resourceId: nil, accessLevel: 'open', licence: 'cc-by-4.0', themes: ['TRAN'] } }) },
      'GET /api/admin/opendata/datasets': { allowed: PUBLISHERS },
      'POST /api/admin/opendata/datasets/:id/withdraw': { allowed: PUBLISHERS, sample: () => ({ url: `/api/admin/opendata/datasets/${nil}/withdraw`, body: { reason: '矩阵测试' } }) },
      'GET /api/admin/opendata/access-requests': { allowed: PUBLISHERS },
      'POST /api/admin/opendata/access-requests/:id/decide': { allowed: PUBLISHERS, sample: () => ({ url: `/api/admin/opendata/access-requests/${nil}/decide`, body: { approve: true } }) },
      'GET /api/admin/opendata/requests': { allowed: PUBLISHERS },
      'POST /api/admin/opendata/requests/:id/answer': { allowed: PUBLISHERS, sample: () => ({ url: `/api/admin/opendata/requests/${nil}/answer`, body: { kind: 'will_open', answer: '矩阵测试' } }) },
      'GET /api/3/action/:action': { allowed: PUBLIC, sample: () => ({ url: '/api/3/action/package_search?rows=1' }) },
      'POST /api/3/action/:action': { allowed: PUBLIC, sample: () => ({ url: '/api/3/action/package_search', body: { rows: 1 } }) },
      'GET /api/action/:action': { allowed: PUBLIC, sample: () => ({ url: '/api/action/status_show' }) },
      'POST /api/action/:action': { allowed: PUBLIC, sample: () => ({ url: '/api/action/package_list', body: {} }) },
    };
    return e;
  })(),
};

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

// Hundreds of requests in one test: a generous limit for a busy machine.
describe('access matrix: every route × every actor', { timeout: 600_000 }, () => {
  let app: FastifyInstance;
  const clients = new Map<Actor, Client | null>();
  let bearer = '';
  const ids: Ids = { departmentId: '', staffId: '', mandateId: '', n: 0 };

  beforeAll(async () => {
    app = await testApp('pglite');
    const byName = (n: string) => people.find((p) => p.name === n)!;
    clients.set('anonymous', null);
    clients.set('citizen', await personLogin(app, byName('张伟').idNumber));
    const ent = enterprises.find((e) => e.name === '福州榕城餐饮管理有限公司')!;
    clients.set('enterprise', await personLogin(app, ent.legalRep.idNumber, { type: 'enterprise', uscc: ent.uscc }));
    const agent = await personLogin(app, byName('陈明').idNumber);
    const principal = agent.me.options.principals[0];
    expect((await agent.req('POST', '/api/auth/act', { as: 'principal', id: principal.id })).statusCode).toBe(200);
    clients.set('agent', agent);
    clients.set('window_clerk', await staffLogin(app, 'scjg.window'));
    clients.set('reviewer', await staffLogin(app, 'scjg.reviewer'));
    clients.set('decider', await staffLogin(app, 'scjg.decider'));
    clients.set('dept_admin', await staffLogin(app, 'scjg.admin'));
    clients.set('data_admin', await staffLogin(app, 'dsj.data'));
    clients.set('supervisor', await staffLogin(app, 'fz.supervisor'));
    clients.set('platform_admin', await staffLogin(app, 'admin'));
    const tok = await app.inject({ method: 'POST', url: '/api/auth/token', payload: { grant_type: 'client_credentials', client_id: 'fz-ybj-system', client_secret: DEMO_CLIENT_SECRET } });
    bearer = tok.json().access_token;
    clients.set('machine', null);
    const dept = (await app.inject({ method: 'GET', url: '/api/departments' })).json().find((d: { code: string }) => d.code === 'FZ-SCJGJ');
    ids.departmentId = dept.id;
    const staff = (await clients.get('platform_admin')!.req('GET', '/api/admin/staff')).json();
    ids.staffId = staff.find((s: { username: string }) => s.username === 'scjg.reviewer').id;
  });
  afterAll(async () => app?.close());

  it('knows every route', () => {
    const routes = app.routeTable.filter((r) => !isDocs(r.url)).map((r) => `${r.method} ${r.url}`);
    const unknown = routes.filter((r) => !EXPECTED[r]);
    expect(unknown, 'routes missing from the access matrix').toEqual([]);
    // Every route declares an access rule, and documentation routes are public.
    expect(app.routeTable.filter((r) => r.access === undefined).map((r) => r.url)).toEqual([]);
    expect(app.routeTable.filter((r) => isDocs(r.url) && r.access !== 'public')).toEqual([]);
  });

  async function call(actor: Actor, method: string, url: string, e: Expect): Promise<LightMyRequestResponse> {
    ids.n++;
    const s = e.sample?.(ids) ?? {};
    const target = s.url ?? url;
    const headers: Record<string, string> = {};
    let payload: string | Buffer | undefined;
    if (s.multipart) {
      const m = multipartBody(s.multipart);
      headers['content-type'] = m.contentType;
      payload = m.payload;
    } else if (s.body !== undefined || method !== 'GET') {
      if (s.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(s.body as Record<string, string>).toString();
      } else {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(s.body ?? {});
      }
    }
    if (method === 'DELETE' && s.body === undefined) {
      delete headers['content-type'];
      payload = undefined;
    }
    const c = clients.get(actor);
    if (c) Object.assign(headers, { cookie: c.cookie, 'x-csrf-token': c.csrf });
    if (actor === 'machine') headers.authorization = `Bearer ${bearer}`;
    return app.inject({ method: method as 'GET', url: target, headers, payload });
  }

  it('refuses what is not allowed and allows what is', async () => {
    // A mandate of 张伟's own to revoke, for the DELETE sample.
    const m = await clients.get('citizen')!.req('POST', '/api/mandates', { agentIdNumber: people[1].idNumber, scope: ['*'], reason: '委托测试', validUntil: '2031-01-01T00:00:00Z' });
    ids.mandateId = m.json().id;

    const failures: string[] = [];
    const entries = Object.entries(EXPECTED).sort(([, a], [, b]) => Number(!!a.last) - Number(!!b.last));
    for (const [key, e] of entries) {
      const [method, url] = key.split(' ');
      for (const actor of ACTORS) {
        const auditBefore = await app.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        const res = await call(actor, method, url, e);
        const allowed = e.allowed === PUBLIC || e.allowed.includes(actor);
        const code = res.headers['content-type']?.toString().includes('json') ? (res.json() as { code?: string }).code : undefined;
        // Refusals by the access guard (not, say, a wrong password, which is the route's own answer).
        const refused = (res.statusCode === 401 && (code === 'UNAUTHENTICATED' || code === 'SESSION_EXPIRED')) || (res.statusCode === 403 && code === 'ROLE_NOT_ALLOWED');
        if (allowed && refused) failures.push(`${key} as ${actor}: refused (${res.statusCode} ${code}) but should be allowed`);
        if (!allowed && !refused) failures.push(`${key} as ${actor}: ${res.statusCode} but should be refused`);
        if (!allowed && actor === 'anonymous' && res.statusCode !== 401) failures.push(`${key} as anonymous: ${res.statusCode}, expected 401`);
        if (method !== 'GET' && res.statusCode < 300 && e.allowed !== PUBLIC) {
          const after = await app.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          if (Number(after.n) <= Number(auditBefore.n)) failures.push(`${key} as ${actor}: succeeded without an audit entry`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('data scope: records of others, by id', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp('pglite');
  });
  afterAll(async () => app?.close());

  it("a citizen cannot revoke or see another person's mandate", async () => {
    const wang = await personLogin(app, people.find((p) => p.name === '王秀英')!.idNumber);
    const zhang = await personLogin(app, people.find((p) => p.name === '张伟')!.idNumber);
    const mandate = (await wang.req('GET', '/api/mandates')).json()[0];
    expect(mandate).toBeTruthy();
    expect((await zhang.req('GET', '/api/mandates')).json().map((m: { id: string }) => m.id)).not.toContain(mandate.id);
    const res = await zhang.req('DELETE', `/api/mandates/${mandate.id}`);
    expect(res.statusCode).toBe(404);
    expect((await wang.req('GET', '/api/mandates')).json()[0].revokedAt).toBeNull();
  });

  it("a department admin sees and manages only their department's staff", async () => {
    const scjg = await staffLogin(app, 'scjg.admin');
    const admin = await staffLogin(app, 'admin');
    const all = (await admin.req('GET', '/api/admin/staff')).json() as { id: string; username: string; departmentName: string }[];
    const mine = (await scjg.req('GET', '/api/admin/staff')).json() as { departmentName: string }[];
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((s) => s.departmentName))).toEqual(new Set(['福州市市场监督管理局']));
    const other = all.find((s) => s.username === 'gaj.window')!;
    expect((await scjg.req('PATCH', `/api/admin/staff/${other.id}`, { status: 'disabled' })).statusCode).toBe(404);
    const gajDept = (await app.inject({ method: 'GET', url: '/api/departments' })).json().find((d: { code: string }) => d.code === 'FZ-GAJ');
    const create = await scjg.req('POST', '/api/admin/staff', { username: 'x.sneaky', displayName: '越权', password: 'Passw0rd-long', kind: 'officer', roles: ['decider'], departmentId: gajDept.id });
    expect(create.statusCode).toBe(403);
    const clientOther = await scjg.req('POST', '/api/admin/clients', { clientId: 'x-sneaky', name: 'x', departmentId: gajDept.id, scopes: [] });
    expect(clientOther.statusCode).toBe(403);
  });

  it('a supervisor reads the audit log of their region subtree only', async () => {
    await staffLogin(app, 'xm.scjg.window'); // an action by Xiamen staff
    await staffLogin(app, 'gaj.window'); // an action by Fuzhou staff
    const fz = await staffLogin(app, 'fz.supervisor');
    const items = (await fz.req('GET', '/api/audit?limit=500')).json().items as { actorRegionCode: string | null }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.actorRegionCode?.startsWith('3501'))).toBe(true);
    const fj = await staffLogin(app, 'fj.supervisor');
    const all = (await fj.req('GET', '/api/audit?limit=500')).json().items as { actorRegionCode: string | null }[];
    expect(all.some((i) => i.actorRegionCode?.startsWith('3502'))).toBe(true);
  });
});
