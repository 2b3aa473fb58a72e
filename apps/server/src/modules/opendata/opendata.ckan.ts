/**
 * CKAN Action API compatibility: `/api/3/action/<name>` and `/api/action/<name>` (no redirect),
 * GET with query parameters or POST with a JSON body, answered in CKAN's envelope
 * `{help, success, result}` / `{help, success:false, error:{__type, message, …}}` with CKAN's
 * status codes (400 Bad Request for an unknown action, 403 Authorization Error, 404 Not Found
 * Error, 409 Validation Error and Search Error). These routes are outside the /api/<module>
 * convention on purpose (clients hard-code the paths) and their errors are CKAN's envelope, not
 * problem+json: an error handler in this plugin's scope translates every error, including those
 * of the access guard and of validation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../shared/errors';
import { RowQueryError } from '../resources';
import { FqError } from './opendata.fq';
import { LICENCES } from './opendata.quality';
import type { OpenDataService } from './opendata.service';
import { THEMES } from './opendata.vocab';

export const CKAN_ROWS_MAX = 1000;
export const CKAN_DATASTORE_ROWS_MAX = 1000;

export class CkanError extends Error {
  constructor(readonly status: number, readonly type: string, readonly detail: Record<string, unknown>) {
    super(type);
  }
}
const validation = (fields: Record<string, string[]>) => new CkanError(409, 'Validation Error', fields);
const notFound = (message = 'Not found') => new CkanError(404, 'Not Found Error', { message });
const denied = (message: string) => new CkanError(403, 'Authorization Error', { message: `Access denied: ${message}` });

type Params = Record<string, unknown>;
type Action = (p: Params, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const str = (p: Params, k: string): string | undefined => (p[k] === undefined || p[k] === null ? undefined : String(p[k]));
function int(p: Params, k: string, def: number, min = 0): number {
  const v = p[k];
  if (v === undefined || v === null || v === '') return def;
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw validation({ [k]: ['Invalid integer'] });
  if (n < min) throw validation({ [k]: [min === 0 ? 'Must be a natural number' : `Must be at least ${min}`] });
  return n;
}
function bool(p: Params, k: string, def: boolean): boolean {
  const v = p[k];
  if (v === undefined || v === null || v === '') return def;
  if (typeof v === 'boolean') return v;
  if (/^(true|1|yes|on)$/i.test(String(v))) return true;
  if (/^(false|0|no|off)$/i.test(String(v))) return false;
  throw validation({ [k]: ['Value must be one of: true, false'] });
}
/** A list parameter: a JSON list in a query string (CKAN's convention), a list in a body, or a comma list. */
function list(p: Params, k: string): string[] | undefined {
  const v = p[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String);
  const s = String(v).trim();
  if (s.startsWith('[')) {
    try {
      const a = JSON.parse(s);
      if (Array.isArray(a)) return a.map(String);
    } catch {
      /* below */
    }
    throw validation({ [k]: ['Invalid JSON list'] });
  }
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}
function obj(p: Params, k: string): Record<string, unknown> | undefined {
  const v = p[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  try {
    const o = JSON.parse(String(v));
    if (o && typeof o === 'object' && !Array.isArray(o)) return o;
  } catch {
    /* below */
  }
  throw validation({ [k]: ['Not a JSON object'] });
}
function required(p: Params, k: string): string {
  const v = str(p, k);
  if (!v || !v.trim()) throw validation({ [k]: ['Missing value'] });
  return v;
}

function translate(e: unknown): CkanError {
  if (e instanceof CkanError) return e;
  if (e instanceof FqError) return new CkanError(409, 'Search Error', { message: `Search error: ${e.message}` });
  if (e instanceof RowQueryError) return validation({ [e.field]: [e.message] });
  if (e instanceof AppError) {
    if (e.status === 404) return notFound(e.en);
    if (e.status === 401 || e.status === 403) return denied(e.en);
    if (e.status === 429) return new CkanError(429, 'Rate Limit Error', { message: e.en });
    if (e.status === 400 && e.code === 'DATASTORE_QUERY_INVALID') return validation({ [e.field?.replace(/^querystring\//, '') ?? 'query']: [e.en] });
    if (e.status >= 400 && e.status < 500) return validation({ [e.field?.replace(/^(body|querystring|params)\//, '') ?? 'message']: [e.en] });
  }
  const v = e as { validation?: { instancePath?: string; message?: string }[]; statusCode?: number; message?: string };
  if (v?.validation) return validation({ [v.validation[0]?.instancePath?.replace(/^\//, '') || 'body']: [v.validation[0]?.message ?? 'invalid'] });
  if (v?.statusCode && v.statusCode >= 400 && v.statusCode < 500) return new CkanError(400, 'Bad Request', { message: `Bad request - ${v.message ?? ''}` });
  return new CkanError(500, 'Internal Server Error', { message: 'Internal Server Error' });
}

export function ckanRoutes(svc: OpenDataService, publicUrl: string) {
  const help = (name: string) => `${publicUrl}/api/3/action/help_show?name=${encodeURIComponent(name)}`;

  /** The per-token rate limit of the row API, with X-RateLimit-* headers; 429 when exceeded. */
  async function limit(req: FastifyRequest, reply: FastifyReply) {
    const { key, limit } = svc.rateKey(req.ctx.actor, req.ip);
    const r = await svc.limiter.hit(key, limit);
    reply.header('x-ratelimit-limit', r.limit).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', r.reset);
    if (!r.allowed) {
      reply.header('retry-after', r.reset);
      throw new CkanError(429, 'Rate Limit Error', { message: `Too many requests; retry in ${r.reset} s` });
    }
  }

  const requestDict = (r: Awaited<ReturnType<OpenDataService['presentRequest']>>) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    organization_id: r.department?.id ?? null,
    organization: r.department ? { id: r.department.id, name: r.department.organization, title: r.department.name } : null,
    open_time: r.createdAt,
    close_time: r.closedAt,
    closed: r.status === 'closed',
    accepted_dataset_id: r.acceptedDatasetId,
    status: r.status,
    answer: r.answer,
    answer_kind: r.answerKind,
    due_time: r.dueAt,
    overdue: r.overdue,
    matches: r.matches,
  });

  const actions: Record<string, { doc: string; run: Action }> = {
    status_show: {
      doc: 'Site status: CKAN version emulated, site title, extensions.',
      run: async () => ({ site_title: '一网 数据开放 Yiwang Open Data', site_description: 'Public data of this region', site_url: publicUrl, ckan_version: '2.10.4', error_emails_to: null, locale_default: 'zh_Hans_CN', extensions: ['datastore', 'dcat', 'datarequests'] }),
    },
    help_show: {
      doc: 'The documentation of an action.',
      run: async (p) => {
        const name = required(p, 'name');
        if (!actions[name]) throw notFound(`Action function not found: ${name}`);
        return actions[name].doc;
      },
    },
    package_list: {
      doc: 'Names of all public datasets (limit, offset).',
      run: async (p) => svc.packageNames(int(p, 'limit', 1000), int(p, 'offset', 0)),
    },
    package_search: {
      doc: `Search datasets: q, fq (Solr subset: field:value, field:"phrase", field:(a OR b), -field:x, field:[from TO to]), sort, rows (capped at ${CKAN_ROWS_MAX}), start, facet.field, facet.limit, include_private, include_drafts.`,
      run: async (p, req) => {
        const rows = Math.min(int(p, 'rows', 10), CKAN_ROWS_MAX);
        const includeDrafts = bool(p, 'include_drafts', false);
        bool(p, 'include_private', false);
        const managed = req.ctx.actor ? await svc.managedDepartments(req.ctx.actor) : [];
        return svc.search({
          q: str(p, 'q'),
          fq: str(p, 'fq'),
          sort: str(p, 'sort'),
          rows,
          start: int(p, 'start', 0),
          facetFields: list(p, 'facet.field'),
          facetLimit: int(p, 'facet.limit', 50, -1) < 0 ? 1000 : int(p, 'facet.limit', 50, -1),
          // Withdrawn datasets are this portal's "drafts": shown only to those who manage every department's.
          includeWithdrawn: includeDrafts && managed === null,
        });
      },
    },
    package_show: {
      doc: 'One dataset by id or name.',
      run: async (p, req) => {
        const d = await svc.packageShow(svc.db, required(p, 'id'), req.ctx.actor);
        svc.view(await svc.datasetOr404(svc.db, d.id, true));
        return d;
      },
    },
    resource_show: {
      doc: 'One distribution (resource) by id.',
      run: async (p) => svc.resourceShow(required(p, 'id')),
    },
    organization_list: {
      doc: 'Publishing departments: names, or dicts with all_fields=true.',
      run: async (p) => {
        const orgs = await svc.organizations();
        const limit = int(p, 'limit', 1000);
        const offset = int(p, 'offset', 0);
        const page = orgs.slice(offset, offset + limit);
        return bool(p, 'all_fields', false) ? page : page.map((o) => o.name);
      },
    },
    organization_show: {
      doc: 'One publishing department by id or name, with its datasets when include_datasets=true.',
      run: async (p) => {
        const id = required(p, 'id');
        const o = (await svc.organizations()).find((x) => x.id === id || x.name === id.toLowerCase());
        if (!o) throw notFound();
        const out: Record<string, unknown> = { ...o };
        if (bool(p, 'include_datasets', false)) out.packages = (await svc.search({ fq: `organization:${o.name}`, rows: 1000 })).results;
        return out;
      },
    },
    group_list: {
      doc: 'Themes (the EU data themes) as groups: names, or dicts with all_fields=true.',
      run: async (p) => {
        const groups = await svc.groups();
        return bool(p, 'all_fields', false) ? groups : groups.map((g) => g.name);
      },
    },
    tag_list: {
      doc: 'Tags of public datasets (query, limit).',
      run: async (p) => svc.tagList(str(p, 'query') ?? str(p, 'q'), int(p, 'limit', 1000)),
    },
    license_list: {
      doc: 'Licences datasets may carry.',
      run: async () => Object.entries(LICENCES).map(([id, l]) => ({ id, title: l.title, url: l.url, od_conformance: l.open ? 'approved' : 'not reviewed', status: 'active' })),
    },
    datastore_search: {
      doc: `Rows of a distribution: resource_id, filters (JSON object), q, fields, sort, limit (capped at ${CKAN_DATASTORE_ROWS_MAX}), offset, include_total, total_estimation_threshold; keyset paging with cursor (from _links.next).`,
      run: async (p, req, reply) => {
        await limit(req, reply);
        const resourceId = required(p, 'resource_id');
        let d;
        try {
          d = await svc.datasetForDistribution(resourceId);
        } catch {
          throw notFound(`Resource "${resourceId}" was not found.`);
        }
        const qv = p.q;
        if (qv !== undefined && typeof qv === 'object') throw validation({ q: ['Per-field full text is not supported; pass a string'] });
        const lim = Math.min(int(p, 'limit', 100), CKAN_DATASTORE_ROWS_MAX);
        const cursor = str(p, 'cursor');
        const { result } = await svc.rows(req.ctx.actor, d.id, {
          filters: obj(p, 'filters'),
          q: str(p, 'q'),
          fields: list(p, 'fields'),
          sort: str(p, 'sort'),
          limit: lim,
          offset: int(p, 'offset', 0),
          cursor,
          includeTotal: bool(p, 'include_total', true),
          totalEstimationThreshold: p.total_estimation_threshold === undefined ? undefined : int(p, 'total_estimation_threshold', 0),
        });
        const base = `/api/3/action/datastore_search?resource_id=${encodeURIComponent(resourceId)}`;
        const keep = ['filters', 'q', 'fields', 'sort', 'limit']
          .filter((k) => p[k] !== undefined)
          .map((k) => `&${k}=${encodeURIComponent(typeof p[k] === 'object' ? JSON.stringify(p[k]) : String(p[k]))}`)
          .join('');
        return {
          include_total: bool(p, 'include_total', true),
          resource_id: resourceId,
          fields: result.fields,
          records_format: 'objects',
          records: result.records,
          limit: lim,
          offset: result.offset,
          sort: result.sort,
          _links: {
            start: base + keep,
            // Keyset when the sort allows it; past the last row the link leads to an empty page, where harvesters stop.
            next: result.cursor ? `${base}${keep}&cursor=${result.cursor}` : cursor ? `${base}${keep}&cursor=${encodeURIComponent(cursor)}` : `${base}${keep}&offset=${result.offset + lim}`,
          },
          ...(result.total !== null ? { total: result.total, total_was_estimated: result.total_was_estimated } : {}),
        };
      },
    },
    datarequest_create: {
      doc: 'Request data that is not open (需求征集): title, description, organization_id (optional), purpose. Signed-in users.',
      run: async (p, req) => {
        if (!req.ctx.actor || req.ctx.actor.kind === 'machine') throw denied('sign in to request data');
        const title = required(p, 'title');
        const description = required(p, 'description');
        if (title.length > 200) throw validation({ title: ['Title must be at most 200 characters'] });
        if (description.length > 2000) throw validation({ description: ['Description must be at most 2000 characters'] });
        let departmentId: string | undefined;
        const org = str(p, 'organization_id');
        if (org) {
          const o = (await svc.organizations(true)).find((x) => x.id === org || x.name === org.toLowerCase());
          if (!o) throw validation({ organization_id: ['Organization does not exist'] });
          departmentId = o.id;
        }
        return requestDict(await svc.createRequest(req.ctx, { title, description, purpose: str(p, 'purpose'), departmentId }));
      },
    },
    datarequest_show: {
      doc: 'One data request by id.',
      run: async (p, req) => requestDict(await svc.request(required(p, 'id'), req.ctx.actor)),
    },
    datarequest_index: {
      doc: 'Data requests: organization_id, closed, offset, limit.',
      run: async (p, req) => {
        const closed = p.closed === undefined ? undefined : bool(p, 'closed', false);
        const page = await svc.requests(req.ctx.actor, { organization: str(p, 'organization_id'), closed, limit: int(p, 'limit', 10), offset: int(p, 'offset', 0) });
        return { count: page.total, result: page.items.map(requestDict), facets: {} };
      },
    },
    datarequest_update: {
      doc: 'Edit your own open data request: id, title, description.',
      run: async (p, req) => {
        if (!req.ctx.actor) throw denied('sign in');
        return requestDict(await svc.updateRequest(req.ctx, required(p, 'id'), { title: str(p, 'title'), description: str(p, 'description') }));
      },
    },
    datarequest_close: {
      doc: 'Close a data request (its author, or the owning department): id, accepted_dataset_id.',
      run: async (p, req) => {
        if (!req.ctx.actor) throw denied('sign in');
        return requestDict(await svc.closeRequest(req.ctx, required(p, 'id'), { acceptedDatasetId: str(p, 'accepted_dataset_id') }));
      },
    },
  };
  actions.datarequest_list = actions.datarequest_index;
  const MUTATING = new Set(['datarequest_create', 'datarequest_update', 'datarequest_close']);

  return async function ckan(app: FastifyInstance) {
    app.setErrorHandler((err, req, reply) => {
      const e = translate(err);
      if (e.status >= 500) req.log.error({ err }, 'CKAN action failed');
      const name = (req.params as { action?: string })?.action ?? '';
      void reply.status(e.status).type('application/json; charset=utf-8').send({ help: help(name), success: false, error: { __type: e.type, ...e.detail } });
    });

    // CKAN clients (ckanapi, CKAN's own harvesters) send the API token bare: `Authorization: <token>`
    // (CKAN also reads X-CKAN-API-Key). `Bearer` tokens and sessions were handled by the platform's
    // authentication before this hook; a bare token that is not a live token is refused (403).
    const identity = app.services.identity;
    app.addHook('onRequest', async (req) => {
      if (req.ctx.actor) return;
      const header = req.headers.authorization ?? req.headers['x-ckan-api-key'];
      const bare = typeof header === 'string' ? header.trim() : '';
      if (!bare || /^(bearer|basic|digest)\s/i.test(bare)) return;
      const r = await identity.actorFromBearer(bare);
      if (typeof r === 'string') throw new CkanError(403, 'Authorization Error', { message: r === 'expired' ? 'Access denied: the API token has expired' : 'Access denied: invalid API token' });
      req.ctx.actor = r;
      req.credentialProblem = undefined;
    });

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const name = (req.params as { action: string }).action;
      const a = actions[name];
      if (!a) throw new CkanError(400, 'Bad Request', { message: `Bad request - Action name not known: ${name}` });
      if (req.method === 'GET' && MUTATING.has(name)) throw new CkanError(400, 'Bad Request', { message: `Bad request - JSON Error: ${name} must be called with POST` });
      const params: Params = { ...((req.query as Params) ?? {}), ...(req.method === 'POST' && req.body && typeof req.body === 'object' ? (req.body as Params) : {}) };
      const result = await a.run(params, req, reply);
      return reply.type('application/json; charset=utf-8').send({ help: help(name), success: true, result });
    };
    const schema = {
      tags: ['opendata', 'ckan'],
      params: Type.Object({ action: Type.String({ maxLength: 100 }) }),
      querystring: Type.Object({}, { additionalProperties: true }),
    };
    for (const prefix of ['/api/3/action', '/api/action']) {
      app.get(`${prefix}/:action`, { schema: { ...schema, summary: 'CKAN Action API (read actions; CKAN envelope, not problem+json)' }, config: { access: 'public' } }, handler);
      app.post(`${prefix}/:action`, {
        schema: { ...schema, summary: 'CKAN Action API (any action; JSON body)', body: Type.Object({}, { additionalProperties: true }) },
        // Read actions are commonly POSTed by CKAN clients and write nothing; the datarequest_* writes audit themselves.
        config: { access: 'public', audit: 'none' },
      }, handler);
    }
  };
}

export { THEMES };
