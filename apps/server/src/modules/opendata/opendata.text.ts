/**
 * Search terms of a dataset: Han characters as single characters and bigrams, other scripts as
 * lower-cased words. Stored as a text[] under a GIN index; a query matches when all its terms
 * are contained (`@>`), which PostgreSQL answers from the index (see ARCHITECTURE: bigrams beat
 * pg_trgm on two-character Chinese queries).
 */
const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;

export function searchTerms(text: string): string[] {
  const out = new Set<string>();
  const s = text.toLowerCase().normalize('NFKC');
  for (const m of s.matchAll(/[a-z0-9]+(?:[._-][a-z0-9]+)*/g)) if (m[0].length >= 2 || /\d/.test(m[0])) out.add(m[0]);
  for (const run of s.match(/[\u3400-\u9fff\uf900-\ufaff]+/g) ?? []) {
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      out.add(chars[i]);
      if (i + 1 < chars.length) out.add(chars[i] + chars[i + 1]);
    }
  }
  return [...out];
}

/** The terms a query requires: bigrams for Han runs of two or more characters (the single character otherwise), words. */
export function queryTerms(q: string): string[] {
  const out = new Set<string>();
  const s = q.toLowerCase().normalize('NFKC');
  for (const m of s.matchAll(/[a-z0-9]+(?:[._-][a-z0-9]+)*/g)) out.add(m[0]);
  for (const run of s.match(/[\u3400-\u9fff\uf900-\ufaff]+/g) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.add(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  }
  return [...out];
}

export const isHan = (c: string) => HAN.test(c);

/** A CKAN-style name (slug) from a title: ASCII words kept, the rest replaced by a short hash. */
export function slugify(title: string, fallback: string): string {
  const ascii = title.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (ascii.length >= 3 ? `${ascii.slice(0, 60)}-${fallback.slice(0, 8)}` : `ds-${fallback.slice(0, 8)}`).replace(/-+/g, '-');
}
