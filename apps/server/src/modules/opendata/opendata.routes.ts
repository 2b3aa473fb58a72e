/**
 * REST routes of the open data portal (problem+json errors, like every /api module). The CKAN
 * Action API is opendata.ckan.ts. Public: search, datasets, rows (rate-limited per token),
 * downloads, ratings, DCAT, statistics, data requests. Signed-in people and staff: rate, apply for
 * conditional access, request data. Data admins / department admins / platform admins: publish
 * from the resource catalog, withdraw, decide access applications, answer data requests.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Role } from '../../shared/actor';
import { catalogQuads, datasetQuads, DCAT_MEDIA_TYPES, metricQuads, serialize, type DcatFormat, type DcatPackage } from './opendata.dcat';
import { openDataErrors as E } from './opendata.errors';
import { FqError } from './opendata.fq';
import { LICENCES, FREQUENCIES } from './opendata.quality';
import type { OpenDataService } from './opendata.service';
import { ACCESS_LEVELS, THEMES } from './opendata.vocab';
import { datasetsRepo, ratingsRepo } from './opendata.repository';

const tags = ['opendata'];
const Any = Type.Object({}, { additionalProperties: true });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
/** People and staff (everyone with an account who is a person); machine clients use the row API with their token. */
const PEOPLE: Role[] = ['citizen', 'enterprise', 'agent', 'window_clerk', 'reviewer', 'decider', 'dept_admin', 'data_admin', 'supervisor', 'platform_admin'];
const PUBLISHERS: Role[] = ['data_admin', 'dept_admin', 'platform_admin'];

const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 500 })),
  fq: Type.Optional(Type.String({ maxLength: 2000 })),
  sort: Type.Optional(Type.String({ maxLength: 200 })),
  rows: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 20 })),
  start: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  facets: Type.Optional(Type.String({ maxLength: 200, description: 'comma list: organization, groups, tags, res_format, license_id, access_level' })),
});
const RowsQuery = Type.Object({
  filters: Type.Optional(Type.String({ maxLength: 4000, description: 'JSON object: {"field": value or [values]}' })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  fields: Type.Optional(Type.String({ maxLength: 2000 })),
  sort: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 0 })),
  cursor: Type.Optional(Type.String({ maxLength: 2000 })),
  includeTotal: Type.Optional(Type.Boolean({ default: true })),
});
const DcatQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('ttl'), Type.Literal('rdf'), Type.Literal('jsonld')])),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  modified_since: Type.Optional(Type.String({ format: 'date-time' })),
});
const PublishBody = Type.Object({
  resourceId: Type.String({ format: 'uuid' }),
  accessLevel: Type.Union(ACCESS_LEVELS.map((a) => Type.Literal(a))),
  licence: Type.String({ maxLength: 40 }),
  themes: Type.Array(Type.String({ maxLength: 10 }), { minItems: 1, maxItems: 5 }),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
  title: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  name: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{2,100}$' })),
  fields: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 200 })),
  documentation: Type.Optional(Type.String({ maxLength: 8000 })),
  terms: Type.Optional(Type.String({ maxLength: 8000 })),
  temporalStart: Type.Optional(Type.String({ format: 'date' })),
  temporalEnd: Type.Optional(Type.String({ format: 'date' })),
  spatial: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
});

function dcatFormat(req: FastifyRequest, explicit?: string): DcatFormat {
  if (explicit) return explicit as DcatFormat;
  const accept = String(req.headers.accept ?? '');
  if (accept.includes('application/ld+json')) return 'jsonld';
  if (accept.includes('application/rdf+xml')) return 'rdf';
  return 'ttl';
}

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Formula injection: a cell starting with = + - @ is prefixed so spreadsheets show it as text.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function openDataRoutes(svc: OpenDataService, publicUrl: string) {
  async function limit(req: FastifyRequest, reply: FastifyReply) {
    const { key, limit } = svc.rateKey(req.ctx.actor, req.ip);
    const r = await svc.limiter.hit(key, limit);
    reply.header('x-ratelimit-limit', r.limit).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', r.reset);
    if (!r.allowed) {
      reply.header('retry-after', r.reset);
      throw E.rateLimited(r.reset);
    }
  }

  async function search(q: { q?: string; fq?: string; sort?: string; rows?: number; start?: number; facets?: string }, includeWithdrawn = false) {
    try {
      return await svc.search({ q: q.q, fq: q.fq, sort: q.sort, rows: q.rows, start: q.start, facetFields: q.facets?.split(',').map((x) => x.trim()).filter(Boolean), includeWithdrawn });
    } catch (e) {
      if (e instanceof FqError) throw E.badQuery(e.message);
      throw e;
    }
  }

  async function dcatPackages(rows: Awaited<ReturnType<typeof svc.presentMany>>, feedback = false): Promise<DcatPackage[]> {
    const out: DcatPackage[] = [];
    for (const r of rows) {
      const fb = feedback ? (await ratingsRepo.list(svc.db, r.id, 20)).map((x) => ({ stars: x.stars, comment: x.comment, at: new Date(x.updated_at).toISOString() })) : undefined;
      out.push({ ...r, feedback: fb });
    }
    return out;
  }

  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const pub = { access: 'public' as const };

    r.get('/opendata/datasets', {
      schema: { tags, summary: 'Search datasets (数据集检索): q, fq (Solr subset), sort, rows, start, facets', querystring: SearchQuery, response: { 200: Any } },
      config: pub,
    }, async (req) => search(req.query));

    r.get('/opendata/vocabulary', {
      schema: { tags, summary: 'Themes, licences, frequencies and access levels (labels for the portal)', response: { 200: Any } },
      config: pub,
    }, async () => ({ themes: THEMES, licences: LICENCES, frequencies: FREQUENCIES, accessLevels: ACCESS_LEVELS }));

    r.get('/opendata/datasets/:id', {
      schema: { tags, summary: 'A dataset (CKAN package dictionary plus quality, rating, columns)', params: IdParams, response: { 200: Any } },
      config: pub,
    }, async (req) => {
      const d = await svc.packageShow(svc.db, req.params.id, req.ctx.actor);
      svc.view(await svc.datasetOr404(svc.db, d.id, true));
      let access: { allowed: boolean; reason?: string; application?: string | null } = { allowed: true };
      try {
        await svc.assertDataAccess(req.ctx.actor, (await svc.datasetOr404(svc.db, d.id, true)));
      } catch (e) {
        access = { allowed: false, reason: (e as { code?: string }).code };
      }
      return { ...d, access };
    });

    r.get('/opendata/datasets/:id/rows', {
      schema: { tags, summary: 'Rows (filters, q, fields, sort, limit/offset or keyset cursor, estimated totals); rate-limited per token (X-RateLimit-*)', params: IdParams, querystring: RowsQuery, response: { 200: Any } },
      config: pub,
    }, async (req, reply) => {
      await limit(req, reply);
      let filters: Record<string, unknown> | undefined;
      if (req.query.filters) {
        try {
          filters = JSON.parse(req.query.filters);
        } catch {
          throw E.datastore('filters', 'filters must be a JSON object');
        }
        if (!filters || typeof filters !== 'object' || Array.isArray(filters)) throw E.datastore('filters', 'filters must be a JSON object');
      }
      const { result } = await svc.rows(req.ctx.actor, req.params.id, {
        filters,
        q: req.query.q,
        fields: req.query.fields?.split(',').map((x) => x.trim()).filter(Boolean),
        sort: req.query.sort,
        limit: req.query.limit ?? 100,
        offset: req.query.offset,
        cursor: req.query.cursor,
        includeTotal: req.query.includeTotal,
      });
      // REST clients get the next page's cursor, null on the last page.
      return { ...result, cursor: result.more ? result.cursor : null };
    });

    r.get('/opendata/datasets/:id/download/:format', {
      schema: { tags, summary: 'Download all rows as CSV, JSON or XLSX', params: Type.Object({ id: Type.String({ maxLength: 100 }), format: Type.String({ maxLength: 10 }) }) },
      config: pub,
    }, async (req, reply) => {
      await limit(req, reply);
      const dl = await svc.download(req.ctx.actor, req.params.id, req.params.format);
      const file = `${dl.dataset.name}.${dl.format.toLowerCase()}`;
      reply.header('content-disposition', `attachment; filename="${file}"; filename*=UTF-8''${encodeURIComponent(`${dl.dataset.title}.${dl.format.toLowerCase()}`)}`);
      reply.header('cache-control', 'no-store');
      const names = dl.columns.map((c) => c.name);
      if (dl.format === 'CSV') {
        const out = new PassThrough();
        void (async () => {
          // BOM so spreadsheet programs read UTF-8 Chinese correctly.
          out.write('\ufeff' + names.map(csvCell).join(',') + '\r\n');
          for await (const batch of dl.batches) out.write(batch.map((row) => names.map((n) => csvCell(row[n])).join(',')).join('\r\n') + '\r\n');
          out.end();
        })().catch((err) => out.destroy(err));
        return reply.type('text/csv; charset=utf-8').send(out);
      }
      if (dl.format === 'JSON') {
        const out = new PassThrough();
        void (async () => {
          out.write(`{"dataset":${JSON.stringify(dl.dataset.name)},"fields":${JSON.stringify(dl.columns.map((c) => ({ id: c.name, type: c.type, label: c.label ?? null })))},"records":[`);
          let first = true;
          for await (const batch of dl.batches)
            for (const row of batch) {
              out.write((first ? '' : ',') + JSON.stringify(row));
              first = false;
            }
          out.end(']}');
        })().catch((err) => out.destroy(err));
        return reply.type('application/json; charset=utf-8').send(out);
      }
      const out = new PassThrough();
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
      void (async () => {
        const ws = wb.addWorksheet(dl.dataset.name.slice(0, 31));
        ws.addRow(dl.columns.map((c) => c.label ?? c.name)).commit();
        for await (const batch of dl.batches) for (const row of batch) ws.addRow(names.map((n) => row[n] ?? null)).commit();
        ws.commit();
        await wb.commit();
      })().catch((err) => out.destroy(err));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(out);
    });

    r.get('/opendata/datasets/:id/ratings', {
      schema: { tags, summary: 'Ratings of a dataset (names masked)', params: IdParams, response: { 200: Any } },
      config: pub,
    }, async (req) => svc.ratings(req.params.id));

    r.put('/opendata/datasets/:id/rating', {
      schema: { tags, summary: 'Rate a dataset 1–5 with a comment (one rating per person; again to change it)', params: IdParams, body: Type.Object({ stars: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 1000 })) }), response: { 200: Any } },
      config: { access: PEOPLE },
    }, async (req) => svc.rate(req.ctx, req.params.id, req.body));

    r.post('/opendata/datasets/:id/access-requests', {
      schema: { tags, summary: 'Apply to use a conditionally open dataset: purpose, accept the terms (the owner approves)', params: IdParams, body: Type.Object({ purpose: Type.String({ minLength: 5, maxLength: 2000 }), acceptTerms: Type.Boolean() }), response: { 200: Any } },
      config: { access: PEOPLE },
    }, async (req) => svc.applyForAccess(req.ctx, req.params.id, req.body));

    r.get('/opendata/my/access-requests', {
      schema: { tags, summary: 'My applications for conditional datasets', response: { 200: Type.Array(Any) } },
      config: { access: PEOPLE },
    }, async (req) => svc.myAccess(req.ctx.actor!));

    r.get('/opendata/dcat/catalog', {
      schema: { tags, summary: 'The catalog as DCAT-AP 3 (Turtle, RDF/XML, JSON-LD by format= or Accept), paged (hydra), change feed with modified_since', querystring: DcatQuery },
      config: pub,
    }, async (req, reply) => {
      const fmt = dcatFormat(req, req.query.format);
      const page = req.query.page ?? 1;
      const pageSize = req.query.pageSize ?? 100;
      const since = req.query.modified_since ? new Date(req.query.modified_since) : null;
      const { rows, total } = await datasetsRepo.changedSince(svc.db, since, pageSize, (page - 1) * pageSize);
      const pkgs = await dcatPackages(await svc.presentMany(svc.db, rows));
      const nodeDept = (await svc.departments()).find((d) => /-DSJ$/.test(d.code) && d.regionCode === svc.org.nodeRegion);
      const quads = catalogQuads({
        baseUrl: publicUrl,
        title: { zh: '一网 公共数据开放目录', en: 'Yiwang open data catalog' },
        description: { zh: '本地区政务部门依法开放的公共数据。', en: 'Public data opened by the government departments of this region.' },
        publisher: { id: nodeDept ? svc.orgName(nodeDept) : 'node', name: nodeDept?.name ?? 'Yiwang' },
        page,
        pageSize,
        total,
        modifiedSince: req.query.modified_since ?? null,
        pageUrl: (n) => `${publicUrl}/api/opendata/dcat/catalog?format=${fmt}&pageSize=${pageSize}${req.query.modified_since ? `&modified_since=${encodeURIComponent(req.query.modified_since)}` : ''}&page=${n}`,
        packages: pkgs,
      });
      return reply.type(`${DCAT_MEDIA_TYPES[fmt]}; charset=utf-8`).send(await serialize(quads, fmt));
    });

    r.get('/opendata/dcat/metrics', {
      schema: { tags, summary: 'The DQV metrics of the quality score (Turtle)' },
      config: pub,
    }, async (_req, reply) => {
      const out: Parameters<typeof metricQuads>[0] = [];
      metricQuads(out, publicUrl);
      return reply.type('text/turtle; charset=utf-8').send(await serialize(out, 'ttl'));
    });

    r.get('/opendata/datasets/:id/dcat', {
      schema: { tags, summary: 'One dataset as DCAT-AP 3 with DQV quality and user feedback', params: IdParams, querystring: Type.Object({ format: DcatQuery.properties.format }) },
      config: pub,
    }, async (req, reply) => {
      const fmt = dcatFormat(req, req.query.format);
      const d = await svc.packageShow(svc.db, req.params.id, null);
      const out: Parameters<typeof metricQuads>[0] = [];
      metricQuads(out, publicUrl);
      datasetQuads(out, publicUrl, (await dcatPackages([d], true))[0]);
      return reply.type(`${DCAT_MEDIA_TYPES[fmt]}; charset=utf-8`).send(await serialize(out, fmt));
    });

    r.get('/opendata/statistics', {
      schema: { tags, summary: 'Views, downloads and API calls per dataset and department (China dates, default last 30 days)', querystring: Type.Object({ from: Type.Optional(Type.String({ format: 'date' })), to: Type.Optional(Type.String({ format: 'date' })), dataset: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Any } },
      config: pub,
    }, async (req) => {
      const datasetId = req.query.dataset ? (await svc.datasetOr404(svc.db, req.query.dataset)).id : undefined;
      return svc.statistics({ from: req.query.from, to: req.query.to, datasetId });
    });

    // ---- data requests -------------------------------------------------------------------------
    r.get('/opendata/requests', {
      schema: { tags, summary: 'Data requests (需求征集), newest first', querystring: Type.Object({ organization: Type.Optional(Type.String({ maxLength: 60 })), closed: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }), response: { 200: Any } },
      config: pub,
    }, async (req) => svc.requests(req.ctx.actor, req.query));

    r.get('/opendata/requests/:id', {
      schema: { tags, summary: 'One data request', params: IdParams, response: { 200: Any } },
      config: pub,
    }, async (req) => svc.request(req.params.id, req.ctx.actor));

    r.post('/opendata/requests', {
      schema: { tags, summary: 'Request data that is not open: matched to the catalog, routed to the owning department, answered within the deadline', body: Type.Object({ title: Type.String({ minLength: 2, maxLength: 200 }), description: Type.String({ minLength: 5, maxLength: 2000 }), purpose: Type.Optional(Type.String({ maxLength: 1000 })) }), response: { 200: Any } },
      config: { access: PEOPLE },
    }, async (req) => svc.createRequest(req.ctx, req.body));

    r.get('/opendata/my/requests', {
      schema: { tags, summary: 'My data requests', response: { 200: Any } },
      config: { access: PEOPLE },
    }, async (req) => svc.requests(req.ctx.actor, { mine: true, limit: 200 }));

    r.post('/opendata/requests/:id/close', {
      schema: { tags, summary: 'Close a data request (its author, or the owning department)', params: IdParams, body: Type.Object({ acceptedDatasetId: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Any } },
      config: { access: PEOPLE },
    }, async (req) => svc.closeRequest(req.ctx, req.params.id, req.body));

    // ---- administration ------------------------------------------------------------------------
    r.get('/admin/opendata/candidates', {
      schema: { tags, summary: 'Catalog resources whose open class allows opening them, with their state here', querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Type.Array(Any) } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.candidates(req.ctx.actor!, req.query.q));

    r.post('/admin/opendata/check', {
      schema: { tags, summary: 'Dry run of the personal-data check of a resource (metadata and sampled values); writes nothing', body: Type.Object({ resourceId: Type.String({ format: 'uuid' }), fields: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })) }), response: { 200: Any } },
      config: { access: PUBLISHERS, audit: 'none' },
    }, async (req) => {
      const res = await svc.resource(req.body.resourceId);
      if (!(await svc.canManage(req.ctx.actor, res.provider.id))) throw E.notYours();
      const { findings, columns } = await svc.checkResource(res, req.body.fields);
      return { ok: findings.length === 0, findings, fields: columns.map((c) => c.name) };
    });

    r.post('/admin/opendata/datasets', {
      schema: { tags, summary: 'Publish a catalog resource as a dataset (open class, personal-data check and quality first)', body: PublishBody, response: { 200: Any } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.publish(req.ctx, req.body));

    r.get('/admin/opendata/datasets', {
      schema: { tags, summary: 'Datasets, including withdrawn ones, of the departments I manage', querystring: SearchQuery, response: { 200: Any } },
      config: { access: PUBLISHERS },
    }, async (req) => {
      const managed = await svc.managedDepartments(req.ctx.actor);
      const orgs = managed === null ? null : (await svc.departments()).filter((d) => managed.includes(d.id)).map((d) => svc.orgName(d));
      if (orgs && !orgs.length) return { count: 0, results: [], facets: {}, search_facets: {} };
      const fq = [req.query.fq, orgs ? `organization:(${orgs.join(' OR ')})` : ''].filter(Boolean).join(' ');
      return search({ ...req.query, fq }, true);
    });

    r.post('/admin/opendata/datasets/:id/withdraw', {
      schema: { tags, summary: 'Withdraw a dataset (harvesters see it as deleted in the change feed)', params: IdParams, body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }), response: { 200: Any } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.withdraw(req.ctx, req.params.id, req.body.reason));

    r.get('/admin/opendata/access-requests', {
      schema: { tags, summary: 'Applications for conditional datasets of my departments', querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])) }), response: { 200: Type.Array(Any) } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.accessApplications(req.ctx.actor!, req.query.status));

    r.post('/admin/opendata/access-requests/:id/decide', {
      schema: { tags, summary: 'Approve or refuse an application (the applicant is notified)', params: IdParams, body: Type.Object({ approve: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 1000 })) }), response: { 200: Any } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.decideAccess(req.ctx, req.params.id, req.body));

    r.get('/admin/opendata/requests', {
      schema: { tags, summary: 'Data requests routed to my departments', querystring: Type.Object({ closed: Type.Optional(Type.Boolean()) }), response: { 200: Any } },
      config: { access: PUBLISHERS },
    }, async (req) => svc.requests(req.ctx.actor, { managed: true, closed: req.query.closed, limit: 200 }));

    r.post('/admin/opendata/requests/:id/answer', {
      schema: {
        tags,
        summary: 'Answer a data request (will open / already open / cannot open, or route it to another department)',
        params: IdParams,
        body: Type.Object({
          kind: Type.Union([Type.Literal('will_open'), Type.Literal('already_open'), Type.Literal('cannot_open'), Type.Literal('not_ours')]),
          answer: Type.String({ minLength: 2, maxLength: 2000 }),
          datasetId: Type.Optional(Type.String({ maxLength: 100 })),
          departmentId: Type.Optional(Type.String({ format: 'uuid' })),
        }),
        response: { 200: Any },
      },
      config: { access: PUBLISHERS },
    }, async (req) => svc.answerRequest(req.ctx, req.params.id, req.body));
  };
}
