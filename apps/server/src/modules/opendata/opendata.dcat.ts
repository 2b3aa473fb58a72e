/**
 * The catalog as DCAT-AP 3 (Turtle, RDF/XML, JSON-LD), with quality as W3C DQV and paging as
 * the hydra terms ckanext-dcat's harvester reads (hydra:PagedCollection, nextPage …). Every node
 * a DCAT-AP 3 shape constrains by class is typed (licences, frequencies, media types, locations,
 * periods, access URLs as rdfs:Resource), so the output validates against the official shapes.
 */
import { DataFactory, Writer, type Quad, type Quad_Object, type Quad_Subject } from 'n3';
import { FREQUENCIES, LICENCES, QUALITY_DIMENSIONS } from './opendata.quality';
import { ACCESS_RIGHTS_BASE, FILE_TYPE_BASE, FREQUENCY_BASE, THEME_BASE, THEMES } from './opendata.vocab';

const { namedNode, literal, blankNode, quad } = DataFactory;

export const PREFIXES: Record<string, string> = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  dqv: 'http://www.w3.org/ns/dqv#',
  oa: 'http://www.w3.org/ns/oa#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
  adms: 'http://www.w3.org/ns/adms#',
};
const p = (curie: string) => {
  const [pre, local] = curie.split(':');
  return namedNode(PREFIXES[pre] + local);
};
const A = p('rdf:type');

/** The subset of the package dictionary (see OpenDataService.presentMany) that DCAT needs. */
export interface DcatPackage {
  id: string;
  name: string;
  title: string;
  notes: string;
  url: string;
  license_id: string;
  metadata_created: string;
  metadata_modified: string;
  organization: { id: string; name: string; title: string; description: string };
  tags: { name: string }[];
  themes: string[];
  frequency: string;
  access_level: string;
  spatial: string | null;
  temporal: { start: string | null; end: string | null };
  resources: { id: string; format: string; url: string; mimetype: string | null; name: string; description: string; last_modified: string | null }[];
  quality: { score: number; dimensions: Record<string, number> };
  rating: { average: number | null; count: number };
  state: string;
  feedback?: { stars: number; comment: string; at: string }[];
}

export interface CatalogPage {
  baseUrl: string;
  title: { zh: string; en: string };
  description: { zh: string; en: string };
  publisher: { id: string; name: string };
  page: number;
  pageSize: number;
  total: number;
  modifiedSince: string | null;
  /** URL of this page without page= (format suffix included). */
  pageUrl: (page: number) => string;
  packages: DcatPackage[];
}

const dt = (v: string) => literal(v, p('xsd:dateTime'));
const date = (v: string) => literal(v, p('xsd:date'));

export function metricIri(base: string, dim: string) {
  return namedNode(`${base}/api/opendata/dcat/metrics#${dim}`);
}

function agent(out: Quad[], base: string, org: { id: string; name: string; title: string }): Quad_Subject {
  const n = namedNode(`${base}/api/opendata/organizations/${org.name}`);
  out.push(quad(n, A, p('foaf:Agent')), quad(n, p('foaf:name'), literal(org.title, 'zh')), quad(n, p('dct:identifier'), literal(org.name)));
  return n;
}

/** Triples of one dataset (and its distributions, quality measurements and feedback). */
export function datasetQuads(out: Quad[], base: string, d: DcatPackage): Quad_Subject {
  const ds = namedNode(`${base}/api/opendata/datasets/${d.id}`);
  out.push(quad(ds, A, p('dcat:Dataset')));
  out.push(quad(ds, p('dct:identifier'), literal(d.id)));
  out.push(quad(ds, p('dct:title'), literal(d.title, 'zh')));
  out.push(quad(ds, p('dct:description'), literal(d.notes || d.title, 'zh')));
  out.push(quad(ds, p('dct:issued'), dt(d.metadata_created)));
  out.push(quad(ds, p('dct:modified'), dt(d.metadata_modified)));
  out.push(quad(ds, p('dcat:landingPage'), namedNode(d.url)));
  out.push(quad(namedNode(d.url), A, p('foaf:Document')));
  out.push(quad(ds, p('dct:publisher'), agent(out, base, d.organization)));
  for (const t of d.tags) out.push(quad(ds, p('dcat:keyword'), literal(t.name, 'zh')));
  for (const t of d.themes) {
    const th = namedNode(THEME_BASE + t);
    out.push(quad(ds, p('dcat:theme'), th), quad(th, A, p('skos:Concept')), quad(th, p('skos:prefLabel'), literal(THEMES[t]?.en ?? t, 'en')));
  }
  const f = FREQUENCIES[d.frequency];
  if (f) {
    const fr = namedNode(FREQUENCY_BASE + f.eu);
    out.push(quad(ds, p('dct:accrualPeriodicity'), fr), quad(fr, A, p('dct:Frequency')));
  }
  const ar = namedNode(ACCESS_RIGHTS_BASE + (d.access_level === 'open' ? 'PUBLIC' : 'RESTRICTED'));
  out.push(quad(ds, p('dct:accessRights'), ar), quad(ar, A, p('dct:RightsStatement')));
  if (d.spatial) {
    const loc = namedNode(`http://www.stats.gov.cn/regions/${d.spatial}`);
    out.push(quad(ds, p('dct:spatial'), loc), quad(loc, A, p('dct:Location')), quad(loc, p('dct:identifier'), literal(d.spatial)));
  }
  if (d.temporal.start || d.temporal.end) {
    const per = blankNode(`t${d.id.replace(/-/g, '')}`);
    out.push(quad(ds, p('dct:temporal'), per), quad(per, A, p('dct:PeriodOfTime')));
    if (d.temporal.start) out.push(quad(per, p('dcat:startDate'), date(d.temporal.start)));
    if (d.temporal.end) out.push(quad(per, p('dcat:endDate'), date(d.temporal.end)));
  }
  const lic = LICENCES[d.license_id];
  for (const r of d.resources) {
    const dist = namedNode(`${base}/api/opendata/distributions/${r.id}`);
    out.push(quad(ds, p('dcat:distribution'), dist));
    out.push(quad(dist, A, p('dcat:Distribution')));
    out.push(quad(dist, p('dct:title'), literal(r.name, 'zh')));
    out.push(quad(dist, p('dct:description'), literal(r.description, 'en')));
    const access = namedNode(r.url);
    out.push(quad(dist, p('dcat:accessURL'), access), quad(access, A, p('rdfs:Resource')));
    if (r.format !== 'API') out.push(quad(dist, p('dcat:downloadURL'), access));
    const ft = namedNode(FILE_TYPE_BASE + (r.format === 'API' ? 'JSON' : r.format));
    out.push(quad(dist, p('dct:format'), ft), quad(ft, A, p('dct:MediaTypeOrExtent')));
    if (r.mimetype) {
      const mt = namedNode(`http://www.iana.org/assignments/media-types/${r.mimetype}`);
      out.push(quad(dist, p('dcat:mediaType'), mt), quad(mt, A, p('dct:MediaType')));
    }
    if (lic) {
      const l = namedNode(lic.url);
      out.push(quad(dist, p('dct:license'), l), quad(l, A, p('dct:LicenseDocument')), quad(l, p('dct:title'), literal(lic.title, 'en')));
    }
    if (r.last_modified) out.push(quad(dist, p('dct:modified'), dt(r.last_modified)));
  }
  // W3C DQV: one measurement per quality dimension, the overall score, and the users' rating.
  const measures: [string, number][] = [...QUALITY_DIMENSIONS.map((k) => [k, d.quality.dimensions[k] ?? 0] as [string, number]), ['score', d.quality.score / 100]];
  if (d.rating.average !== null) measures.push(['userRating', d.rating.average], ['userRatingCount', d.rating.count]);
  for (const [k, v] of measures) {
    const m = blankNode(`q${d.id.replace(/-/g, '')}${k}`);
    out.push(
      quad(ds, p('dqv:hasQualityMeasurement'), m),
      quad(m, A, p('dqv:QualityMeasurement')),
      quad(m, p('dqv:computedOn'), ds),
      quad(m, p('dqv:isMeasurementOf'), metricIri(base, k)),
      quad(m, p('dqv:value'), literal(String(v), k === 'userRatingCount' ? p('xsd:integer') : p('xsd:double'))),
    );
  }
  for (const [i, fb] of (d.feedback ?? []).entries()) {
    const a = blankNode(`f${d.id.replace(/-/g, '')}${i}`);
    const body = blankNode(`fb${d.id.replace(/-/g, '')}${i}`);
    out.push(
      quad(ds, p('dqv:hasQualityAnnotation'), a),
      quad(a, A, p('dqv:UserQualityFeedback')),
      quad(a, p('oa:hasTarget'), ds),
      quad(a, p('oa:motivatedBy'), p('dqv:qualityAssessment')),
      quad(a, p('dct:created'), dt(fb.at)),
      quad(a, p('oa:hasBody'), body),
      quad(body, A, p('oa:TextualBody')),
      quad(body, p('rdf:value'), literal(`${fb.stars}/5${fb.comment ? ` ${fb.comment}` : ''}`, 'zh')),
    );
  }
  return ds;
}

/** The DQV metrics this portal measures (referenced from every measurement). */
export function metricQuads(out: Quad[], base: string) {
  const defs: Record<string, string> = {
    licence: 'An open licence is stated',
    description: 'The description is substantial',
    timeliness: 'Data updated on time for its declared frequency',
    openFormats: 'Available in open, machine-readable formats',
    documentation: 'Fields and usage are documented',
    availability: 'Rows could be read when last probed',
    score: 'Overall quality score (0..1)',
    userRating: 'Average user rating (1..5)',
    userRatingCount: 'Number of user ratings',
  };
  for (const [k, def] of Object.entries(defs)) {
    const m = metricIri(base, k);
    out.push(quad(m, A, p('dqv:Metric')), quad(m, p('skos:definition'), literal(def, 'en')), quad(m, p('dqv:expectedDataType'), k === 'userRatingCount' ? p('xsd:integer') : p('xsd:double')));
  }
}

export function catalogQuads(c: CatalogPage): Quad[] {
  const out: Quad[] = [];
  const cat = namedNode(`${c.baseUrl}/api/opendata/dcat/catalog`);
  out.push(quad(cat, A, p('dcat:Catalog')));
  out.push(quad(cat, p('dct:title'), literal(c.title.zh, 'zh')), quad(cat, p('dct:title'), literal(c.title.en, 'en')));
  out.push(quad(cat, p('dct:description'), literal(c.description.zh, 'zh')), quad(cat, p('dct:description'), literal(c.description.en, 'en')));
  out.push(quad(cat, p('foaf:homepage'), namedNode(`${c.baseUrl}/open-data`)), quad(namedNode(`${c.baseUrl}/open-data`), A, p('foaf:Document')));
  out.push(quad(cat, p('dct:publisher'), agent(out, c.baseUrl, { id: c.publisher.id, name: c.publisher.id, title: c.publisher.name })));
  const modified = c.packages.map((x) => x.metadata_modified).sort().pop();
  if (modified) out.push(quad(cat, p('dct:modified'), dt(modified)));
  metricQuads(out, c.baseUrl);
  for (const d of c.packages) {
    if (d.state !== 'active') {
      // In the change feed a withdrawn dataset is listed as a record marked deleted, so harvesters remove it.
      const rec = namedNode(`${c.baseUrl}/api/opendata/datasets/${d.id}#record`);
      out.push(quad(cat, p('dcat:record'), rec), quad(rec, A, p('dcat:CatalogRecord')), quad(rec, p('dct:modified'), dt(d.metadata_modified)));
      const withdrawn = namedNode('http://purl.org/adms/status/Withdrawn');
      // The withdrawn dataset is no longer described; the record points to it as a dcat:Resource.
      const topic = namedNode(`${c.baseUrl}/api/opendata/datasets/${d.id}`);
      out.push(quad(rec, p('foaf:primaryTopic'), topic), quad(topic, A, p('dcat:Resource')));
      out.push(quad(rec, p('adms:status'), withdrawn), quad(withdrawn, A, p('skos:Concept')), quad(withdrawn, p('skos:prefLabel'), literal('Withdrawn', 'en')));
      continue;
    }
    out.push(quad(cat, p('dcat:dataset'), datasetQuads(out, c.baseUrl, d)));
  }
  // Paging (hydra, as ckanext-dcat writes and reads it).
  const pg = namedNode(c.pageUrl(c.page));
  const last = Math.max(1, Math.ceil(c.total / c.pageSize));
  out.push(quad(pg, A, p('hydra:PagedCollection')));
  out.push(quad(pg, p('hydra:totalItems'), literal(String(c.total), p('xsd:integer'))));
  out.push(quad(pg, p('hydra:itemsPerPage'), literal(String(c.pageSize), p('xsd:integer'))));
  out.push(quad(pg, p('hydra:firstPage'), literal(c.pageUrl(1))));
  out.push(quad(pg, p('hydra:lastPage'), literal(c.pageUrl(last))));
  if (c.page < last) out.push(quad(pg, p('hydra:nextPage'), literal(c.pageUrl(c.page + 1))));
  if (c.page > 1) out.push(quad(pg, p('hydra:previousPage'), literal(c.pageUrl(c.page - 1))));
  return out;
}

// ---- serializers -------------------------------------------------------------------------------

export function toTurtle(quads: Quad[]): Promise<string> {
  const w = new Writer({ prefixes: PREFIXES });
  w.addQuads(quads);
  return new Promise((resolve, reject) => w.end((err, out) => (err ? reject(err) : resolve(out))));
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function qname(iri: string): { prefix: string; local: string; ns: string } {
  for (const [pre, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns)) {
      const local = iri.slice(ns.length);
      if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(local)) return { prefix: pre, local, ns };
    }
  }
  const m = /^(.*[#/])([A-Za-z_][A-Za-z0-9_.-]*)$/.exec(iri);
  if (!m) throw new Error(`cannot write ${iri} as an RDF/XML property`);
  return { prefix: 'ns0', local: m[2], ns: m[1] };
}

/** RDF/XML: one rdf:Description per subject, blank nodes by rdf:nodeID. */
export function toRdfXml(quads: Quad[]): string {
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const k = `${q.subject.termType}|${q.subject.value}`;
    (bySubject.get(k) ?? bySubject.set(k, []).get(k)!).push(q);
  }
  const extraNs = new Map<string, string>();
  const lines: string[] = [];
  for (const [, qs] of bySubject) {
    const s = qs[0].subject;
    lines.push(s.termType === 'BlankNode' ? `  <rdf:Description rdf:nodeID="${xmlEscape(s.value)}">` : `  <rdf:Description rdf:about="${xmlEscape(s.value)}">`);
    for (const q of qs) {
      const n = qname(q.predicate.value);
      let prefix = n.prefix;
      if (prefix === 'ns0') {
        if (!extraNs.has(n.ns)) extraNs.set(n.ns, `ns${extraNs.size + 1}`);
        prefix = extraNs.get(n.ns)!;
      }
      const tag = `${prefix}:${n.local}`;
      const o = q.object;
      if (o.termType === 'NamedNode') lines.push(`    <${tag} rdf:resource="${xmlEscape(o.value)}"/>`);
      else if (o.termType === 'BlankNode') lines.push(`    <${tag} rdf:nodeID="${xmlEscape(o.value)}"/>`);
      else if (o.termType === 'Literal') {
        const attr = o.language ? ` xml:lang="${o.language}"` : o.datatype && o.datatype.value !== 'http://www.w3.org/2001/XMLSchema#string' ? ` rdf:datatype="${xmlEscape(o.datatype.value)}"` : '';
        lines.push(`    <${tag}${attr}>${xmlEscape(o.value)}</${tag}>`);
      }
    }
    lines.push('  </rdf:Description>');
  }
  const ns = [...Object.entries(PREFIXES).map(([k, v]) => `xmlns:${k}="${v}"`), ...[...extraNs].map(([v, k]) => `xmlns:${k}="${xmlEscape(v)}"`)];
  return `<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF\n  ${ns.join('\n  ')}>\n${lines.join('\n')}\n</rdf:RDF>\n`;
}

/** JSON-LD: a flattened @graph, one node object per subject, with the prefixes as @context. */
export function toJsonLd(quads: Quad[]): object {
  const nodes = new Map<string, Record<string, unknown>>();
  const id = (t: Quad_Subject | Quad_Object) => (t.termType === 'BlankNode' ? `_:${t.value}` : t.value);
  const compact = (iri: string) => {
    for (const [pre, ns] of Object.entries(PREFIXES)) if (iri.startsWith(ns) && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(iri.slice(ns.length))) return `${pre}:${iri.slice(ns.length)}`;
    return iri;
  };
  for (const q of quads) {
    const sid = id(q.subject);
    let node = nodes.get(sid);
    if (!node) nodes.set(sid, (node = { '@id': sid }));
    if (q.predicate.value === PREFIXES.rdf + 'type') {
      ((node['@type'] as string[] | undefined) ?? (node['@type'] = [] as string[]) as string[]).push(compact(q.object.value));
      continue;
    }
    const key = compact(q.predicate.value);
    const o = q.object;
    const val =
      o.termType === 'Literal'
        ? o.language
          ? { '@value': o.value, '@language': o.language }
          : o.datatype && o.datatype.value !== PREFIXES.xsd + 'string'
            ? { '@value': o.value, '@type': compact(o.datatype.value) }
            : { '@value': o.value }
        : { '@id': id(o as Quad_Object) };
    ((node[key] as unknown[] | undefined) ?? (node[key] = [] as unknown[]) as unknown[]).push(val);
  }
  return { '@context': PREFIXES, '@graph': [...nodes.values()] };
}

export const DCAT_MEDIA_TYPES = { ttl: 'text/turtle', rdf: 'application/rdf+xml', jsonld: 'application/ld+json' } as const;
export type DcatFormat = keyof typeof DCAT_MEDIA_TYPES;

export async function serialize(quads: Quad[], format: DcatFormat): Promise<string> {
  if (format === 'ttl') return toTurtle(quads);
  if (format === 'rdf') return toRdfXml(quads);
  return JSON.stringify(toJsonLd(quads), null, 1);
}
