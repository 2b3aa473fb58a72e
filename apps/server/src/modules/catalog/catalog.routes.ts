/**
 * Routes of the catalog: thin — schema, access rule, call the service, present.
 * Public: search, suggestions, guides of items and bundles (latest and any published version),
 * themes, labels, the accuracy score and the package signing key. Staff read drafts; department
 * admins and platform admins edit (data scope in the service, see catalog.policy.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PACKAGE_MAX_BYTES } from './catalog.package';
import { CATALOG_EDITORS, CATALOG_READERS } from './catalog.policy';
import * as S from './catalog.schemas';
import type { CatalogService, GuideBytes } from './catalog.service';

const TAGS = ['catalog'];
const JSON_TYPE = 'application/json; charset=utf-8';
const Guide = Type.Object({}, { additionalProperties: true, description: 'service guide (办事指南)' });
/** The latest guide may change with a publish: revalidate every time (a 304 when the ETag still matches). */
const LATEST = 'public, no-cache';
/** A published version's content never changes; only its status fields (retired, latest version) may. */
const VERSION = 'public, max-age=300';

/** Sends a cached guide's bytes with its ETag, or 304 Not Modified when the client already has them. */
function sendGuide(req: FastifyRequest, reply: FastifyReply, g: GuideBytes, cacheControl: string) {
  reply.header('etag', g.etag).header('cache-control', cacheControl);
  const seen = req.headers['if-none-match'];
  if (seen && (seen === g.etag || seen === '*' || seen.split(',').some((t) => t.trim().replace(/^W\//, '') === g.etag))) return reply.code(304).send();
  return reply.type(JSON_TYPE).send(g.body);
}

export function catalogRoutes(svc: CatalogService) {
  return async function routes(app: FastifyInstance) {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const pub = { access: 'public' as const };
    const readers = { access: CATALOG_READERS };
    const editors = { access: CATALOG_EDITORS };

    // ---- public -------------------------------------------------------------------------------
    r.get('/catalog/search', {
      schema: { tags: TAGS, summary: 'Search services and bundles (事项搜索): Chinese full text, synonyms, filters, facets', querystring: S.SearchQuery, response: { 200: S.SearchResponse } },
      config: pub,
    }, async (req) => svc.search(req.query as S.SearchParams));

    r.get('/catalog/suggest', {
      schema: { tags: TAGS, summary: 'Suggestions as you type (搜索联想)', querystring: S.SuggestQuery, response: { 200: S.SuggestResponse } },
      config: pub,
    }, async (req) => svc.suggest(req.query.q, req.query.limit));

    r.get('/catalog/items/:id', {
      schema: { tags: TAGS, summary: 'Service guide of an item, latest published version (办事指南)', params: S.IdParams, response: { 200: Guide } },
      config: pub,
    }, async (req, reply) => sendGuide(req, reply, await svc.guide(req.params.id), LATEST));

    r.get('/catalog/items/:id/versions/:version', {
      schema: { tags: TAGS, summary: 'A published version of an item (immutable; applications bind to it)', params: S.VersionParams, response: { 200: Guide } },
      config: pub,
    }, async (req, reply) => sendGuide(req, reply, await svc.guideVersion(req.params.id, req.params.version), VERSION));

    r.get('/catalog/bundles', {
      schema: { tags: TAGS, summary: 'Published bundles (一件事一次办)', response: { 200: Type.Array(Type.Object({}, { additionalProperties: true })) } },
      config: pub,
    }, async () => svc.publishedBundles());

    r.get('/catalog/bundles/:id', {
      schema: { tags: TAGS, summary: 'Guide of a bundle: items, dependencies, critical path, merged form, materials', params: S.IdParams, response: { 200: Guide } },
      config: pub,
    }, async (req, reply) => sendGuide(req, reply, await svc.bundleGuide(req.params.id), LATEST));

    r.get('/catalog/bundles/:id/versions/:version', {
      schema: { tags: TAGS, summary: 'A published version of a bundle (immutable)', params: S.VersionParams, response: { 200: Guide } },
      config: pub,
    }, async (req, reply) => sendGuide(req, reply, await svc.bundleGuideVersion(req.params.id, req.params.version), VERSION));

    r.get('/catalog/themes', {
      schema: { tags: TAGS, summary: 'Life events and business events with the number of services', response: { 200: Type.Array(S.ThemeSchema) } },
      config: pub,
    }, async () => svc.themes());

    r.get('/catalog/vocabulary', {
      schema: { tags: TAGS, summary: 'Labels of the code lists and the linter rules', response: { 200: Type.Object({}, { additionalProperties: true }) } },
      config: pub,
    }, async () => svc.vocabulary());

    r.get('/catalog/accuracy', {
      schema: { tags: TAGS, summary: 'Guide accuracy score (指南准确度) of the catalog and of each department', response: { 200: S.AccuracySchema } },
      config: pub,
    }, async () => svc.accuracy());

    r.get('/catalog/signing-key', {
      schema: { tags: TAGS, summary: "This node's catalog package signing key (pin its keyId when importing)", response: { 200: Type.Object({}, { additionalProperties: true }) } },
      config: pub,
    }, async () => svc.publicKey());

    // ---- staff: drafts and findings -------------------------------------------------------------
    r.get('/admin/catalog/items', {
      schema: { tags: TAGS, summary: 'Items with drafts and status (staff)', querystring: S.AdminListQuery, response: { 200: Type.Array(S.AdminListItemSchema) } },
      config: readers,
    }, async (req) => svc.listAdmin('item', req.query));

    r.get('/admin/catalog/items/:id', {
      schema: { tags: TAGS, summary: 'An item with its draft, findings and versions (staff)', params: S.IdParams, response: { 200: S.AdminItemSchema } },
      config: readers,
    }, async (req) => svc.adminItem(req.params.id));

    r.get('/admin/catalog/bundles', {
      schema: { tags: TAGS, summary: 'Bundles with drafts and status (staff)', querystring: S.AdminListQuery, response: { 200: Type.Array(S.AdminListItemSchema) } },
      config: readers,
    }, async (req) => svc.listAdmin('bundle', req.query));

    r.get('/admin/catalog/bundles/:id', {
      schema: { tags: TAGS, summary: 'A bundle with its draft, derived data, findings and versions (staff)', params: S.IdParams, response: { 200: S.AdminBundleSchema } },
      config: readers,
    }, async (req) => svc.adminBundle(req.params.id));

    r.get('/admin/catalog/synonyms', {
      schema: { tags: TAGS, summary: 'Search synonyms (staff)', response: { 200: S.SynonymsSchema } },
      config: readers,
    }, async () => svc.synonyms());

    // ---- editors: items and bundles (versioned entries: draft → publish → retire) ---------------
    // Both kinds have the same life cycle and the same five routes; only the content schema, the
    // presented shape and the service calls differ.
    const entries = [
      {
        path: 'items', noun: 'an item', content: S.ItemContentSchema, shape: S.AdminItemSchema,
        publishSummary: 'Publish the draft as a new immutable version (errors block it)', retireSummary: 'Retire an item: hidden from search, history kept',
        create: (req: FastifyRequest) => svc.createItem(req.ctx, req.body as S.ItemContent),
        save: (req: FastifyRequest, id: string) => svc.saveItemDraft(req.ctx, id, req.body as S.ItemContent),
        discard: (req: FastifyRequest, id: string) => svc.discardItemDraft(req.ctx, id),
        publish: (req: FastifyRequest, id: string) => svc.publishItem(req.ctx, id),
        retire: (req: FastifyRequest, id: string, reason: string) => svc.retireItem(req.ctx, id, reason),
      },
      {
        path: 'bundles', noun: 'a bundle', content: S.BundleContentSchema, shape: S.AdminBundleSchema,
        publishSummary: 'Publish a bundle (pins the current versions of its items)', retireSummary: 'Retire a bundle',
        create: (req: FastifyRequest) => svc.createBundle(req.ctx, req.body as S.BundleContent),
        save: (req: FastifyRequest, id: string) => svc.saveBundleDraft(req.ctx, id, req.body as S.BundleContent),
        discard: (req: FastifyRequest, id: string) => svc.discardBundleDraft(req.ctx, id),
        publish: (req: FastifyRequest, id: string) => svc.publishBundle(req.ctx, id),
        retire: (req: FastifyRequest, id: string, reason: string) => svc.retireBundle(req.ctx, id, reason),
      },
    ];
    for (const e of entries) {
      const base = `/admin/catalog/${e.path}`;
      r.post(base, {
        schema: { tags: TAGS, summary: `Create ${e.noun} (as a draft)`, body: e.content, response: { 201: e.shape } },
        config: editors,
      }, async (req, reply) => reply.code(201).send(await e.create(req)));

      r.put(`${base}/:id/draft`, {
        schema: { tags: TAGS, summary: `Save the draft of ${e.noun}`, params: S.IdParams, body: e.content, response: { 200: e.shape } },
        config: editors,
      }, async (req) => e.save(req, req.params.id));

      r.delete(`${base}/:id/draft`, {
        schema: { tags: TAGS, summary: `Discard the draft of ${e.noun} (back to the published version)`, params: S.IdParams, response: { 200: e.shape } },
        config: editors,
      }, async (req) => e.discard(req, req.params.id));

      r.post(`${base}/:id/publish`, {
        schema: { tags: TAGS, summary: e.publishSummary, params: S.IdParams, response: { 200: e.shape } },
        config: editors,
      }, async (req) => e.publish(req, req.params.id));

      r.post(`${base}/:id/retire`, {
        schema: { tags: TAGS, summary: e.retireSummary, params: S.IdParams, body: S.RetireBody, response: { 200: e.shape } },
        config: editors,
      }, async (req) => e.retire(req, req.params.id, req.body.reason));
    }

    // ---- packages (一地创新、多地复用) -------------------------------------------------------------
    r.post('/admin/catalog/packages/export', {
      schema: { tags: TAGS, summary: 'Export published items and bundles as a signed package', body: S.ExportBody, response: { 200: S.PackageSchema } },
      config: editors,
    }, async (req) => svc.exportPackage(req.ctx, req.body));

    r.post('/admin/catalog/packages/preview', {
      schema: { tags: TAGS, summary: 'Preview an import: what would be created or changed (changes nothing; the preview is audited)', body: S.ImportBody, response: { 200: S.ImportResult } },
      config: editors,
      bodyLimit: PACKAGE_MAX_BYTES * 2,
    }, async (req) => svc.importPackage(req.ctx, req.body as S.ImportInput, true));

    r.post('/admin/catalog/packages/import', {
      schema: { tags: TAGS, summary: 'Import a package as drafts, remapping departments and regions (all or nothing)', body: S.ImportBody, response: { 200: S.ImportResult } },
      config: editors,
      bodyLimit: PACKAGE_MAX_BYTES * 2,
    }, async (req) => svc.importPackage(req.ctx, req.body as S.ImportInput, false));

    // ---- platform admin -----------------------------------------------------------------------
    r.put('/admin/catalog/synonyms', {
      schema: { tags: TAGS, summary: 'Replace the search synonyms', body: S.SynonymsSchema, response: { 200: S.SynonymsSchema } },
      config: { access: ['platform_admin'] },
    }, async (req) => svc.replaceSynonyms(req.ctx, req.body));

    r.post('/admin/catalog/relint', {
      schema: { tags: TAGS, summary: 'Re-run the linter on every published item (after rule changes)', response: { 200: Type.Object({ items: Type.Integer(), changed: Type.Integer() }) } },
      config: { access: ['platform_admin'] },
    }, async (req) => svc.relint(req.ctx));
  };
}
