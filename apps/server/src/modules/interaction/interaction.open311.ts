/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /api/open311/v2, so existing
 * city-reporting clients file located reports into the same inquiry queue:
 *
 *   GET  services.{json|xml}                 service list (our categories)
 *   GET  services/{service_code}.{json|xml}  service definition (extra attributes)
 *   POST requests.{json|xml}                 create a request (api_key required; form or JSON)
 *   GET  requests/{service_request_id}.{json|xml}
 *   GET  requests.{json|xml}?service_request_id=&service_code=&start_date=&end_date=&status=
 *
 * Errors follow the spec ([{ code, description }] / <errors>), not problem+json, because that
 * is what these clients parse; the description carries the Chinese and the English message and
 * the response the stable error code in the `x-error-code` header.
 *
 * Which requests are listed: those filed through Open311, and located portal inquiries that are
 * not reports (举报 are never listed). Descriptions are shown with personal data masked.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database';
import { AppError } from '../../shared/errors';
import { maskPersonalDataInText } from '../../shared/masking';
import { CATEGORIES, categoryByCode } from './interaction.categories';
import type { InteractionService } from './interaction.service';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** A value as XML: arrays become repeated `item` elements (named by the caller), objects nested. */
function toXml(name: string, v: unknown, itemName?: (parent: string) => string): string {
  if (v === null || v === undefined) return `<${name}/>`;
  if (Array.isArray(v)) return `<${name}>${v.map((x) => toXml(itemName ? itemName(name) : 'item', x, itemName)).join('')}</${name}>`;
  if (typeof v === 'object') return `<${name}>${Object.entries(v as Record<string, unknown>).map(([k, x]) => toXml(k, x, itemName)).join('')}</${name}>`;
  return `<${name}>${xmlEscape(String(v))}</${name}>`;
}
const ITEM: Record<string, string> = { services: 'service', service_requests: 'request', attributes: 'attribute', values: 'value', errors: 'error' };
const itemOf = (parent: string) => ITEM[parent] ?? 'item';

function send(reply: FastifyReply, format: 'json' | 'xml', root: string, body: unknown, status = 200) {
  reply.code(status);
  if (format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
  return reply.type('text/xml; charset=utf-8').send(`<?xml version="1.0" encoding="utf-8"?>${toXml(root, body, itemOf)}`);
}

function fail(reply: FastifyReply, format: 'json' | 'xml', err: unknown) {
  if (!(err instanceof AppError)) throw err;
  reply.header('x-error-code', err.code);
  return send(reply, format, 'errors', [{ code: err.status, description: `${err.zh} / ${err.en}` }], err.status);
}

const o311 = {
  format: () => new AppError(404, 'OPEN311_FORMAT', '仅支持 .json 或 .xml', 'Only .json and .xml are served'),
  apiKey: () => new AppError(403, 'OPEN311_API_KEY_INVALID', 'api_key 缺失或无效', 'api_key is missing or invalid', 'body/api_key'),
  serviceUnknown: () => new AppError(400, 'OPEN311_SERVICE_UNKNOWN', 'service_code 不存在', 'Unknown service_code', 'body/service_code'),
  location: () => new AppError(400, 'OPEN311_LOCATION_REQUIRED', '须提供 lat 和 long 坐标', 'lat and long are required', 'body/lat'),
  outside: () => new AppError(400, 'LOCATION_OUTSIDE_REGION', '坐标不在本平台服务的行政区划范围内', 'The coordinates are outside the region this platform serves', 'body/lat'),
  description: () => new AppError(400, 'OPEN311_DESCRIPTION_INVALID', 'description 须为 4–4000 个字符', 'description must have 4–4000 characters', 'body/description'),
  attribute: (code: string) => new AppError(400, 'OPEN311_ATTRIBUTE_INVALID', `属性 ${code} 缺失或取值无效`, `Attribute ${code} is missing or invalid`, `body/attribute[${code}]`),
  notFound: () => new AppError(404, 'NOT_FOUND', '请求不存在', 'Service request not found', 'params/id'),
  date: (f: string) => new AppError(400, 'OPEN311_DATE_INVALID', `${f} 须为 W3C 日期时间`, `${f} must be a W3C datetime`, `querystring/${f}`),
};

/** Splits 'name.json' into [name, format]. */
function split(file: string): [string, 'json' | 'xml'] {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  if (!m) throw o311.format();
  return [m[1], m[2] as 'json' | 'xml'];
}

function serviceList() {
  return CATEGORIES.map((c) => ({
    service_code: c.code,
    service_name: `${c.zh} ${c.en}`,
    description: `${c.zh}（${c.kinds.length} 类诉求）/ ${c.en}`,
    metadata: !!c.attributes?.length,
    type: 'realtime',
    keywords: c.keywords.join(','),
    group: c.group,
  }));
}

function definition(code: string) {
  const c = categoryByCode(code);
  if (!c) throw o311.serviceUnknown();
  return {
    service_code: c.code,
    attributes: (c.attributes ?? []).map((a, i) => ({
      variable: true,
      code: a.code,
      datatype: a.datatype,
      required: a.required,
      datatype_description: null,
      order: i + 1,
      description: a.description,
      ...(a.values ? { values: a.values } : {}),
    })),
  };
}

interface ReqRow {
  id: string;
  number: string;
  state: string;
  kind: string;
  category: string;
  content: string;
  title: string;
  reply: string | null;
  dept: string | null;
  created_at: Date;
  updated_at: Date;
  resolve_due: Date | null;
  address: string | null;
  lat: number | null;
  lng: number | null;
  channel: string;
}

function presentRequest(r: ReqRow) {
  const c = categoryByCode(r.category);
  const listed = r.channel === 'open311' || r.kind !== 'report';
  return {
    service_request_id: r.number,
    status: r.state === 'closed' ? 'closed' : 'open',
    status_notes: r.reply ? maskPersonalDataInText(r.reply) : null,
    service_name: c ? `${c.zh} ${c.en}` : r.category,
    service_code: r.category,
    description: listed ? maskPersonalDataInText(r.content) : null,
    agency_responsible: r.dept,
    service_notice: null,
    requested_datetime: r.created_at.toISOString(),
    updated_datetime: r.updated_at.toISOString(),
    expected_datetime: r.resolve_due?.toISOString() ?? null,
    address: r.address,
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.lng,
    media_url: null,
  };
}

async function findRequests(db: Db, q: { ids?: string[]; codes?: string[]; start?: Date; end?: Date; status?: string; byIdOnly?: boolean }) {
  const where = [sql`true`];
  if (!q.byIdOnly) where.push(sql`(i.channel = 'open311' OR (i.kind <> 'report' AND i.lat IS NOT NULL))`);
  if (q.ids?.length) where.push(sql`i.number IN (${sql.join(q.ids)})`);
  if (q.codes?.length) where.push(sql`i.category IN (${sql.join(q.codes)})`);
  if (q.start) where.push(sql`i.created_at >= ${q.start}`);
  if (q.end) where.push(sql`i.created_at <= ${q.end}`);
  if (q.status === 'open') where.push(sql`i.state <> 'closed'`);
  if (q.status === 'closed') where.push(sql`i.state = 'closed'`);
  const r = await sql<ReqRow>`SELECT i.id, i.number, i.state, i.kind, i.category, i.content, i.title, i.reply, d.name AS dept, i.created_at, i.updated_at, i.resolve_due, i.address, i.lat, i.lng, i.channel
    FROM inquiries i LEFT JOIN departments d ON d.id = i.department_id WHERE ${sql.join(where, sql` AND `)} ORDER BY i.created_at DESC LIMIT 1000`.execute(db);
  return r.rows.map(presentRequest);
}

function w3c(v: unknown, f: string): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime())) throw o311.date(f);
  return d;
}

export function open311Routes(svc: InteractionService, db: Db) {
  return async function routes(app: FastifyInstance) {
    await app.register(import('@fastify/formbody'));
    const tags = ['open311'];
    const Any = Type.Object({}, { additionalProperties: true });
    const access = { access: 'public' as const };

    for (const format of ['json', 'xml'] as const) {
      app.get(`/open311/v2/services.${format}`, { schema: { tags, summary: `GeoReport v2 service list (${format})` }, config: access }, async (_req, reply) => send(reply, format, 'services', serviceList()));

      app.get(`/open311/v2/requests.${format}`, { schema: { tags, summary: `GeoReport v2 requests by filter (${format})`, querystring: Any }, config: access }, async (req, reply) => {
        try {
          const q = req.query as Record<string, unknown>;
          const list = (v: unknown) => (v ? String(v).split(',').map((s) => s.trim()).filter(Boolean) : undefined);
          const start = w3c(q.start_date, 'start_date') ?? (q.service_request_id ? undefined : new Date(svc.now().getTime() - 90 * 86400_000));
          return send(reply, format, 'service_requests', await findRequests(db, { ids: list(q.service_request_id), codes: list(q.service_code), start, end: w3c(q.end_date, 'end_date'), status: q.status ? String(q.status) : undefined }));
        } catch (err) {
          return fail(reply, format, err);
        }
      });

      app.post(`/open311/v2/requests.${format}`, {
        schema: { tags, summary: `GeoReport v2 create a service request (${format}); form-encoded or JSON, api_key required`, body: Any },
        config: { access: 'public', csrf: false, rateLimit: { max: 120, timeWindow: '1 minute' } },
      }, async (req, reply) => {
        try {
          const b = (req.body ?? {}) as Record<string, unknown>;
          const key = typeof b.api_key === 'string' ? b.api_key : '';
          const k = key ? await db.selectFrom('open311_keys').select(['name', 'revoked_at']).where('key_hash', '=', sha(key)).executeTakeFirst() : undefined;
          if (!k || k.revoked_at) throw o311.apiKey();
          const cat = categoryByCode(String(b.service_code ?? ''));
          if (!cat) throw o311.serviceUnknown();
          const lat = Number(b.lat);
          const lng = Number(b.long);
          if (b.lat === undefined || b.long === undefined || !Number.isFinite(lat) || !Number.isFinite(lng)) throw o311.location();
          const description = String(b.description ?? '').trim();
          if (description.length < 4 || description.length > 4000) throw o311.description();
          const attrs: Record<string, string> = {};
          const nested = (b.attribute ?? {}) as Record<string, unknown>;
          for (const a of cat.attributes ?? []) {
            const v = b[`attribute[${a.code}]`] ?? nested[a.code];
            if (v === undefined || v === '') {
              if (a.required) throw o311.attribute(a.code);
              continue;
            }
            if (a.values && !a.values.some((x) => x.key === String(v))) throw o311.attribute(a.code);
            attrs[a.code] = String(v);
          }
          const region = await svc.regionOfPoint(db, lat, lng);
          if (!region) throw o311.outside();
          const name = [b.last_name, b.first_name].filter((x) => typeof x === 'string' && x).join('') || null;
          const created = await svc.create(
            req.ctx,
            {
              kind: cat.kinds.includes('report') ? 'report' : cat.kinds[0],
              category: cat.code,
              title: `${cat.zh}${b.address_string ? `：${String(b.address_string).slice(0, 60)}` : ''}`,
              content: description + (Object.keys(attrs).length ? `\n${Object.entries(attrs).map(([k2, v]) => `${k2}: ${v}`).join('\n')}` : ''),
              regionCode: region,
              location: { lat, lng },
              address: typeof b.address_string === 'string' ? b.address_string.slice(0, 300) : undefined,
            },
            { channel: 'open311', serviceCode: cat.code, informant: { name, mobile: typeof b.phone === 'string' ? b.phone : null, email: typeof b.email === 'string' ? b.email : null } },
          );
          return send(reply, format, 'service_requests', [{ service_request_id: created.number, service_notice: `已受理，由${created.inquiry.department ?? '12345 热线'}办理 / received`, account_id: null }], 201);
        } catch (err) {
          return fail(reply, format, err);
        }
      });
    }

    app.get('/open311/v2/services/:file', { schema: { tags, summary: 'GeoReport v2 service definition: services/{service_code}.{json|xml}', params: Type.Object({ file: Type.String({ maxLength: 100 }) }) }, config: access }, async (req, reply) => {
      const file = (req.params as { file: string }).file;
      const format = file.endsWith('.xml') ? 'xml' : 'json';
      try {
        const [code] = split(file);
        return send(reply, format, 'service_definition', definition(code));
      } catch (err) {
        return fail(reply, format, err);
      }
    });

    app.get('/open311/v2/requests/:file', { schema: { tags, summary: 'GeoReport v2 one request: requests/{service_request_id}.{json|xml}', params: Type.Object({ file: Type.String({ maxLength: 100 }) }) }, config: access }, async (req, reply) => {
      const file = (req.params as { file: string }).file;
      const format = file.endsWith('.xml') ? 'xml' : 'json';
      try {
        const [id] = split(file);
        const rows = await findRequests(db, { ids: [id], byIdOnly: true });
        if (!rows.length) throw o311.notFound();
        return send(reply, format, 'service_requests', rows);
      } catch (err) {
        return fail(reply, format, err);
      }
    });
  };
}

/** Creates an API key for a client (the key is shown once; only its hash is stored). */
export function open311KeyHash(key: string): string {
  return sha(key);
}
