/**
 * Loads the demo node on first start, through the modules' own services (so every record is
 * validated and audited like any other). Idempotent: a marker in node_meta records that the
 * demo is loaded, and the whole load is one unit — a crash half-way leaves no marker and the next
 * start loads again from what is there.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { systemAdminContext } from '../shared/actor';
import { registerIdpEnterprise, registerIdpPerson } from '../modules/idp';
import * as demo from './data';
import { seedDemoCatalog } from '../modules/catalog';
import { seedDemoResources } from '../modules/resources';
import { seedDemoExchange } from '../modules/exchange';
import { seedDemoOpenData } from '../modules/opendata';
import { seedDemoLicences } from '../modules/licences/licences.demo';
import { seedDemoOversight } from '../modules/oversight';
import { seedDemoReviewsAndInquiries } from '../modules/reviews';

const MARKER = 'demo.loaded';
const VERSION = 1;


export async function seedDemo(app: FastifyInstance): Promise<boolean> {
  const db = app.database.db;
  const done = await db.selectFrom('node_meta').select('value').where('key', '=', MARKER).executeTakeFirst();
  if (done) return false;
  const { org, identity } = app.services;
  const ctx = systemAdminContext('demo loader');
  const started = Date.now();

  const deptIds = new Map<string, string>();
  for (const d of demo.departments) {
    const existing = await org.departmentByCode(d.code);
    const dept = existing ?? (await org.createDepartment(ctx, { code: d.code, name: d.name, nameEn: d.nameEn, regionCode: d.regionCode, uscc: demo.departmentCreditCode(d), kind: d.kind }));
    deptIds.set(d.code, dept.id);
  }

  const existingStaff = new Set((await identity.listStaff(ctx)).map((s) => s.username));
  await Promise.all(
    demo.staff
      .filter((s) => !existingStaff.has(s.username))
      .map((s) =>
        identity.createStaff(ctx, {
          username: s.username,
          displayName: s.displayName,
          password: demo.DEMO_STAFF_PASSWORD,
          kind: s.kind,
          roles: s.roles,
          departmentId: s.department ? deptIds.get(s.department) : undefined,
          regionCode: s.regionCode,
        }),
      ),
  );

  // Residents and enterprises live at the identity provider; their platform accounts are made
  // here too so that mandates and memberships can point at them before their first sign-in.
  await Promise.all(demo.people.map((p) => registerIdpPerson(db, { idNumber: p.idNumber, name: p.name, mobile: p.mobile, password: demo.DEMO_PERSON_PASSWORD })));
  for (const e of demo.enterprises) {
    await registerIdpEnterprise(db, { uscc: e.uscc, name: e.name, legalRepIdNumber: e.legalRep.idNumber, staffIdNumbers: e.staff.map((s) => s.idNumber) });
  }
  await identity.seedPeopleAndEnterprises(ctx, demo.people, demo.enterprises);
  for (const m of demo.mandates) {
    const existing = await identity.mandatesOfPerson(m.principal.idNumber);
    if (existing.length) continue;
    const principalCtx = await identity.accountContext({ idNumber: m.principal.idNumber }, ctx);
    await identity.createMandate(principalCtx, {
      agentIdNumber: m.agent.idNumber,
      scope: m.scope,
      reason: m.reason,
      validUntil: new Date(Date.now() + 365 * 86400_000).toISOString(),
    });
  }
  const adminCtx = await identity.accountContext({ username: 'admin' }, ctx);
  const clients = new Set((await identity.listClients(adminCtx)).map((c) => c.clientId));
  for (const c of demo.clients) {
    if (!clients.has(c.clientId)) await identity.createClient(adminCtx, { clientId: c.clientId, name: c.name, departmentId: deptIds.get(c.department)!, scopes: c.scopes }, demo.DEMO_CLIENT_SECRET);
  }

  await seedDemoCatalog(app.services.catalog, org, ctx);
  await seedDemoResources(app.services.resources, org, ctx, db);
  await seedDemoExchange(app.services.exchange, app.services.resources, org, db, ctx);
  await seedDemoOpenData(app.services.opendata);
  await seedDemoLicences(app.services, ctx);
  await seedDemoReviewsAndInquiries(app, ctx);
  await seedDemoOversight(db, app.services.oversight, org, ctx, { history: app.services.oversight.demoHistory });

  await db.insertInto('node_meta').values({ key: MARKER, value: JSON.stringify({ version: VERSION, at: new Date().toISOString() }) }).execute();
  app.log.info({ ms: Date.now() - started }, 'demo node loaded');
  return true;
}

/** Demo credentials, served only when DEMO_DATA is on (they are printed in the README anyway). */
export function demoRoutes() {
  return async function routes(app: FastifyInstance) {
    app.get('/demo/accounts', { schema: { tags: ['demo'], summary: 'Demo accounts and passwords (demo mode only)', response: { 200: Type.Object({}, { additionalProperties: true }) } }, config: { access: 'public' } }, async () => ({
      staff: demo.staff.map((s) => ({ username: s.username, password: demo.DEMO_STAFF_PASSWORD, kind: s.kind, roles: s.roles, department: s.department ?? null, regionCode: s.regionCode ?? null })),
      people: demo.people.map((p) => ({ idNumber: p.idNumber, name: p.name, password: demo.DEMO_PERSON_PASSWORD, note: p.note })),
      enterprises: demo.enterprises.map((e) => ({ uscc: e.uscc, name: e.name, legalRepIdNumber: e.legalRep.idNumber, staffIdNumbers: e.staff.map((s) => s.idNumber) })),
      clients: demo.clients.map((c) => ({ clientId: c.clientId, clientSecret: demo.DEMO_CLIENT_SECRET, department: c.department })),
    }));
  };
}
