/**
 * What the search index holds for a published item or bundle, and how a typed query becomes
 * index conditions. Names and aliases are the high-relevance field (name_terms); everything a
 * person might type — names, aliases, materials, the result, themes and their everyday words —
 * is in `terms`. Retired entries have no row, so they are never found.
 */
import type { BundleDerived } from './catalog.bundle';
import type { CodeTerm, SearchRow } from './catalog.repository';
import type { BundleContent, ItemContent } from './catalog.schemas';
import { bigramCodes, parseQuery, queryCodes, unigramCodes, type ParsedQuery, type SynonymMap } from './catalog.text';

export interface ThemeInfo {
  code: string;
  name: string;
  nameEn: string;
  audience: string;
  keywords: string[];
}

function themeTexts(codes: string[], themes: Map<string, ThemeInfo>): string[] {
  return codes.flatMap((c) => {
    const t = themes.get(c);
    return t ? [t.name, ...t.keywords] : [];
  });
}

function sorted(s: Set<number>): number[] {
  return [...s].sort((a, b) => a - b);
}

export function itemSearchRow(id: string, version: number, c: ItemContent & { regionCode: string }, themes: Map<string, ThemeInfo>): SearchRow {
  const name = new Set<number>();
  bigramCodes(c.name, name);
  unigramCodes(c.name, name);
  for (const a of c.aliases) bigramCodes(a, name);
  const all = new Set(name);
  for (const m of c.materials) bigramCodes(m.name, all);
  bigramCodes(c.result.name, all);
  for (const t of themeTexts(c.themes, themes)) bigramCodes(t, all);
  const exempt = c.materials.filter((m) => m.source.kind !== 'applicant').length;
  return {
    entity_id: id,
    kind: 'item',
    version,
    name: c.name,
    department_id: c.departmentId,
    region_code: c.regionCode,
    item_type: c.itemType,
    service_objects: c.serviceObjects,
    themes: c.themes,
    depth: c.onlineDepth,
    cross_province: c.crossProvince.mode !== 'none',
    promised_days: c.promisedLimit.days,
    exempt_count: exempt,
    material_count: c.materials.length,
    snippet: [...c.aliases, ...c.materials.map((m) => m.name), c.result.name].join('、'),
    name_terms: sorted(name),
    terms: sorted(all),
  };
}

export function bundleSearchRow(
  id: string,
  version: number,
  b: BundleContent & { regionCode: string },
  derived: BundleDerived,
  items: { name: string; onlineDepth: number; crossProvince: boolean }[],
  themes: Map<string, ThemeInfo>,
): SearchRow {
  const name = new Set<number>();
  bigramCodes(b.name, name);
  unigramCodes(b.name, name);
  for (const a of b.aliases) bigramCodes(a, name);
  const all = new Set(name);
  for (const i of items) bigramCodes(i.name, all);
  for (const m of derived.materials) bigramCodes(m.name, all);
  for (const t of themeTexts(b.themes, themes)) bigramCodes(t, all);
  return {
    entity_id: id,
    kind: 'bundle',
    version,
    name: b.name,
    department_id: b.leadDepartmentId,
    region_code: b.regionCode,
    item_type: 'bundle',
    service_objects: b.serviceObjects,
    themes: b.themes,
    depth: Math.min(...items.map((i) => i.onlineDepth)),
    cross_province: items.every((i) => i.crossProvince),
    promised_days: derived.timing.promisedDays,
    exempt_count: derived.stats.exempt,
    material_count: derived.stats.materials,
    snippet: [...b.aliases, ...items.map((i) => i.name), ...derived.materials.map((m) => m.name)].join('、'),
    name_terms: sorted(name),
    terms: sorted(all),
  };
}

/** Texts offered as suggestions for an entry. */
export function suggestionTexts(kind: 'item' | 'bundle', name: string, aliases: string[]): { text: string; kind: string; terms: number[] }[] {
  const out = new Map<string, { text: string; kind: string; terms: number[] }>();
  const add = (text: string, k: string) => {
    if (!out.has(text)) out.set(text, { text, kind: k, terms: sorted(unigramCodes(text, bigramCodes(text))) });
  };
  add(name, kind);
  for (const a of aliases) add(a, 'alias');
  return [...out.values()];
}

export interface CompiledQuery {
  parsed: ParsedQuery;
  codes: CodeTerm[];
  /** Strings to highlight. */
  words: string[];
}

export function compileQuery(q: string, synonyms: SynonymMap, relaxed = false): CompiledQuery {
  const parsed = parseQuery(q, synonyms);
  const codes = parsed.terms.map((t) => t.alternatives.map(queryCodes).filter((c) => c.length > 0)).filter((t) => t.length > 0);
  const words = [...parsed.terms.flatMap((t) => t.alternatives), ...parsed.optional];
  // Relaxed: any term may match (OR), used when every term together finds nothing.
  return { parsed, codes: relaxed && codes.length > 1 ? [codes.flat()] : codes, words };
}
