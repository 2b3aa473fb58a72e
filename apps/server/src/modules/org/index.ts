/**
 * Org module: the node itself, its regions (GB/T 2260) and departments. Owns the `departments`
 * and `node_meta` tables. Other modules use `OrgService` to resolve departments and regions.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../shared/errors';
import { OrgService } from './org.service';

export { OrgService, presentDepartment, type Department } from './org.service';
export { calendarRoutes, loadCalendarYears } from './calendar';
export { CalendarSync, CALENDAR_CHANNEL, notifyCalendarYear } from './calendar.sync';

const RegionSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: Type.String(),
  parentCode: Type.Union([Type.String(), Type.Null()]),
  fullName: Type.String(),
});
const DepartmentSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  regionCode: Type.String(),
  regionName: Type.String(),
  uscc: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
});
const RegionCode = Type.String({ pattern: '^[0-9]{6}$', description: 'GB/T 2260 region code' });

export function orgRoutes(org: OrgService, nodeName: string) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get('/node', {
      schema: { tags: ['org'], summary: 'This node (本节点)', response: { 200: Type.Object({ name: Type.String(), regionCode: Type.String(), regionName: Type.String() }) } },
      config: { access: 'public' },
    }, async () => ({ name: nodeName, regionCode: org.nodeRegion, regionName: org.region(org.nodeRegion)?.fullName ?? org.nodeRegion }));

    r.get('/regions/:code', {
      schema: { tags: ['org'], summary: 'A region by GB/T 2260 code', params: Type.Object({ code: RegionCode }), response: { 200: RegionSchema } },
      config: { access: 'public' },
    }, async (req) => {
      const region = org.region(req.params.code);
      if (!region) throw errors.notFound('Region', '行政区划');
      return region;
    });

    r.get('/regions/:code/children', {
      schema: { tags: ['org'], summary: 'Regions directly below a region', params: Type.Object({ code: RegionCode }), response: { 200: Type.Array(RegionSchema) } },
      config: { access: 'public' },
    }, async (req) => {
      if (!org.region(req.params.code)) throw errors.notFound('Region', '行政区划');
      return [...org.regionChildren(req.params.code)];
    });

    r.get('/departments', {
      schema: { tags: ['org'], summary: 'Departments of this node, optionally of a region subtree', querystring: Type.Object({ region: Type.Optional(RegionCode) }, { additionalProperties: false }),
        response: { 200: Type.Array(DepartmentSchema) } },
      config: { access: 'public' },
    }, async (req) => org.departments(req.query.region));

    r.get('/departments/:id', {
      schema: { tags: ['org'], summary: 'A department', params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: DepartmentSchema } },
      config: { access: 'public' },
    }, async (req) => {
      const d = await org.department(req.params.id);
      if (!d) throw errors.notFound('Department', '部门');
      return d;
    });

    r.post('/admin/departments', {
      schema: {
        tags: ['org'],
        summary: 'Create a department (platform admin)',
        body: Type.Object({
          code: Type.String({ pattern: '^[A-Z0-9_-]{2,32}$' }),
          name: Type.String({ minLength: 2, maxLength: 100 }),
          nameEn: Type.String({ minLength: 2, maxLength: 200 }),
          regionCode: RegionCode,
          uscc: Type.Optional(Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' })),
          kind: Type.Optional(Type.Union([Type.Literal('legal_authority'), Type.Literal('authorised_org'), Type.Literal('entrusted_org')])),
          parentId: Type.Optional(Type.String({ format: 'uuid' })),
        }, { additionalProperties: false }),
        response: { 201: DepartmentSchema },
      },
      config: { access: ['platform_admin'] },
    }, async (req, reply) => reply.code(201).send(await org.createDepartment(req.ctx, req.body)));

    r.patch('/admin/departments/:id', {
      schema: {
        tags: ['org'],
        summary: 'Edit a department (platform admin): names after an institutional reform, credit code, kind, parent; the code and region stay',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 2, maxLength: 100 })),
          nameEn: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
          uscc: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' }), Type.Null()])),
          kind: Type.Optional(Type.Union([Type.Literal('legal_authority'), Type.Literal('authorised_org'), Type.Literal('entrusted_org')])),
          parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
        }, { additionalProperties: false }),
        response: { 200: DepartmentSchema },
      },
      config: { access: ['platform_admin'] },
    }, async (req) => org.updateDepartment(req.ctx, req.params.id, req.body));
  };
}
