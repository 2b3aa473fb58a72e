/**
 * DCAT-AP 3 output: validates against the official SHACL shapes, and the three serializations
 * (Turtle, RDF/XML, JSON-LD) carry the same graph. A broken catalog must fail the validation.
 */
import { describe, expect, it } from 'vitest';
import { DataFactory } from 'n3';
import { catalogQuads, datasetQuads, serialize, type CatalogPage, type DcatPackage } from './opendata.dcat';
import { canonical, parseJsonLd, parseRdfXml, parseTurtle, validateQuads } from './opendata.shacl';

const base = 'https://data.example.gov.cn';
const pkg = (i: number, over: Partial<DcatPackage> = {}): DcatPackage => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  name: `ds-${i}`,
  title: `数据集${i}`,
  notes: '说明 & <描述> "quoted"',
  url: `${base}/open-data/datasets/ds-${i}`,
  license_id: 'cc-by-4.0',
  metadata_created: '2026-01-02T03:04:05.000Z',
  metadata_modified: '2026-02-02T03:04:05.000Z',
  organization: { id: 'd1', name: 'fz-zjj', title: '福州市城乡建设局', description: '' },
  tags: [{ name: '交通' }],
  themes: ['TRAN', 'REGI'],
  frequency: 'monthly',
  access_level: 'open',
  spatial: '350100',
  temporal: { start: '2025-01-01', end: null },
  resources: [
    { id: `10000000-0000-4000-8000-00000000000${i}`, format: 'CSV', url: `${base}/api/opendata/datasets/${i}/download/csv`, mimetype: 'text/csv', name: 'csv', description: 'CSV download', last_modified: '2026-02-01T00:00:00.000Z' },
    { id: `20000000-0000-4000-8000-00000000000${i}`, format: 'API', url: `${base}/api/3/action/datastore_search?resource_id=x&limit=5`, mimetype: 'application/json', name: 'api', description: 'API', last_modified: null },
  ],
  quality: { score: 87, dimensions: { licence: 1, description: 0.6, timeliness: 1, openFormats: 1, documentation: 0.7, availability: 1 } },
  rating: { average: 4.5, count: 2 },
  state: 'active',
  feedback: [{ stars: 4, comment: '好用', at: '2026-02-03T00:00:00.000Z' }],
  ...over,
});

function page(packages: DcatPackage[]): CatalogPage {
  return {
    baseUrl: base,
    title: { zh: '目录', en: 'Catalog' },
    description: { zh: '描述', en: 'Description' },
    publisher: { id: 'fz-dsj', name: '福州市大数据管理局' },
    page: 1,
    pageSize: 2,
    total: 3,
    modifiedSince: null,
    pageUrl: (n) => `${base}/api/opendata/dcat/catalog?page=${n}`,
    packages,
  };
}

describe('DCAT-AP 3', () => {
  it('the catalog validates against the official DCAT-AP 3 SHACL shapes', async () => {
    const quads = catalogQuads(page([pkg(1), pkg(2, { temporal: { start: null, end: null }, spatial: null, feedback: [] }), pkg(3, { state: 'deleted' })]));
    const ttl = await serialize(quads, 'ttl');
    const r = await validateQuads(parseTurtle(ttl));
    expect(r.violations).toEqual([]);
    expect(r.conforms).toBe(true);
    expect(ttl).toMatch(/hydra:nextPage/);
    expect(ttl).toMatch(/dqv:hasQualityMeasurement/);
    expect(ttl).toMatch(/dqv:UserQualityFeedback/);
  });

  it('a catalog that breaks the shapes does not validate (the test can fail)', async () => {
    const quads = catalogQuads(page([pkg(1)]));
    const { namedNode, literal, quad } = DataFactory;
    const ds = namedNode(`${base}/api/opendata/datasets/${pkg(1).id}`);
    // dct:issued must be a date or dateTime; a distribution must have an access URL.
    quads.push(quad(ds, namedNode('http://purl.org/dc/terms/issued'), literal('yesterday')));
    const dist = namedNode(`${base}/api/opendata/distributions/broken`);
    quads.push(quad(ds, namedNode('http://www.w3.org/ns/dcat#distribution'), dist), quad(dist, namedNode('http://www.w3.org/1999/02/22-rdf-syntax-ns#type'), namedNode('http://www.w3.org/ns/dcat#Distribution')));
    const r = await validateQuads(quads);
    expect(r.conforms).toBe(false);
    expect(r.violations.map((v) => v.path)).toEqual(expect.arrayContaining(['http://purl.org/dc/terms/issued', 'http://www.w3.org/ns/dcat#accessURL']));
  });

  it('Turtle, RDF/XML and JSON-LD carry the same graph', async () => {
    const quads: Parameters<typeof datasetQuads>[0] = [];
    datasetQuads(quads, base, pkg(1));
    const ttl = canonical(parseTurtle(await serialize(quads, 'ttl')));
    const xml = canonical(await parseRdfXml(await serialize(quads, 'rdf')));
    const jsonld = canonical(await parseJsonLd(await serialize(quads, 'jsonld')));
    expect(ttl.length).toBe(quads.length);
    expect(xml).toEqual(ttl);
    expect(jsonld).toEqual(ttl);
  });
});
