/**
 * Test support: validates DCAT output against the official DCAT-AP 3.0.0 SHACL shapes (kept in
 * ../shared/standards beside the repository; DCAT_AP_SHAPES overrides the path) with
 * rdf-validate-shacl, and parses RDF/XML and JSON-LD with @zazuko/env-node's parsers so the three
 * serializations can be compared. Only tests import this file (its packages are dev dependencies).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import rdf from '@zazuko/env-node';
import SHACLValidator from 'rdf-validate-shacl';
import { Parser, type Quad } from 'n3';

export const SHAPES_PATH = process.env.DCAT_AP_SHAPES ?? resolve(process.cwd(), '../shared/standards/dcat-ap-3.0.0-shacl-shapes.ttl');

let validator: SHACLValidator | null = null;
function shapes(): SHACLValidator {
  if (!validator) {
    const ds = rdf.dataset(new Parser().parse(readFileSync(SHAPES_PATH, 'utf8')) as never);
    validator = new SHACLValidator(ds, { factory: rdf });
  }
  return validator;
}

export interface ShaclResult {
  conforms: boolean;
  violations: { focusNode: string; path: string | null; message: string; severity: string }[];
}

export async function validateQuads(quads: Quad[]): Promise<ShaclResult> {
  const report = await shapes().validate(rdf.dataset(quads as never));
  return {
    conforms: report.conforms,
    violations: report.results.map((r) => ({
      focusNode: r.focusNode?.value ?? '',
      path: r.path?.value ?? null,
      message: r.message.map((m) => m.value).join('; '),
      severity: r.severity?.value.split('#')[1] ?? '',
    })),
  };
}

export const parseTurtle = (text: string): Quad[] => new Parser().parse(text);

async function parseWith(mediaType: string, text: string): Promise<Quad[]> {
  const stream = rdf.formats.parsers.import(mediaType, Readable.from([text]) as never);
  if (!stream) throw new Error(`no parser for ${mediaType}`);
  const out: Quad[] = [];
  for await (const q of stream as unknown as AsyncIterable<Quad>) out.push(q);
  return out;
}
export const parseRdfXml = (text: string) => parseWith('application/rdf+xml', text);
export const parseJsonLd = (text: string) => parseWith('application/ld+json', text);

/** A canonical form for comparing graphs whose blank node labels may differ. */
export function canonical(quads: Quad[]): string[] {
  return quads
    .map((q) => [q.subject, q.predicate, q.object].map((t) => (t.termType === 'BlankNode' ? '_' : t.termType === 'Literal' ? `"${t.value}"@${t.language}^^${t.language ? '' : t.datatype.value}` : t.value)).join(' '))
    .sort();
}
