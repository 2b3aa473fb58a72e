/**
 * Chinese text for search: normalisation, the bigram codes stored in the index, query parsing
 * (synonyms, Intl.Segmenter words, stop words) and highlighting. Pure functions, shared by the
 * repository (indexing), the service (queries) and the benchmark (bulk generation).
 *
 * Why integer codes: a character bigram of two BMP characters packs exactly into 32 bits
 * (first << 16 | second), so the index column is an int4[] — 4 bytes per bigram instead of a
 * ~12-byte text element — which keeps rows narrow and the GIN index small. Single characters
 * (unigrams, code < 65536) are indexed for names only, so a one-character query still finds
 * names. Characters outside the BMP are folded into the private-use range; they only widen a
 * match, never lose one.
 */

const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' });

/** NFKC (full-width letters and digits to half-width), lower case, whitespace collapsed. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function cp(ch: string): number {
  const c = ch.codePointAt(0)!;
  return c > 0xffff ? 0xe000 + (c % 0x1900) : c;
}

/** Characters that carry meaning for search: letters and digits of any script. */
const MEANINGFUL = /[\p{L}\p{N}]/u;

/** Runs of meaningful characters in normalised text (punctuation and spaces split runs). */
function runs(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const ch of normalize(text)) {
    if (MEANINGFUL.test(ch)) cur.push(ch);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

const pack = (a: string, b: string) => ((cp(a) << 16) | cp(b)) | 0;

/** Bigram codes of a text (deduplicated). A one-character run contributes its unigram. */
export function bigramCodes(text: string, into = new Set<number>()): Set<number> {
  for (const run of runs(text)) {
    if (run.length === 1) into.add(cp(run[0]));
    for (let i = 0; i + 1 < run.length; i++) into.add(pack(run[i], run[i + 1]));
  }
  return into;
}

/** Unigram codes of a text (for names: one-character queries). */
export function unigramCodes(text: string, into = new Set<number>()): Set<number> {
  for (const run of runs(text)) for (const ch of run) into.add(cp(ch));
  return into;
}

/** Codes a document term must contain for a query term to match it. */
export function queryCodes(term: string): number[] {
  const r = runs(term);
  const chars = r.flat();
  if (chars.length === 1) return [cp(chars[0])];
  return [...bigramCodes(term)].sort((a, b) => a - b);
}

// ---- queries --------------------------------------------------------------------------------

/** Words that say how, not what: 我要办理营业执照 asks for 营业执照. */
const STOP_WORDS = new Set([
  '我', '我要', '要', '想', '我想', '怎么', '怎么办', '怎样', '如何', '办理', '办', '在哪', '在哪里', '哪里', '去哪', '去哪里', '需要', '什么', '哪些',
  '吗', '呢', '了', '的', '地', '得', '请问', '可以', '能', '能否', '一下', '手续', '流程', '和', '与', '及', '或', '在', '到', '给', '帮', '关于',
  '网上', '怎么样', '多久', '么',
]);

export interface SynonymGroup {
  kind: 'equivalent' | 'expansion';
  terms: string[];
}

/** term → the terms it also stands for (itself first). Built once per synonym set. */
export type SynonymMap = Map<string, string[]>;

export function buildSynonymMap(groups: SynonymGroup[]): SynonymMap {
  const map: SynonymMap = new Map();
  const add = (term: string, alts: string[]) => {
    const key = normalize(term);
    const cur = map.get(key) ?? [key];
    for (const a of alts.map(normalize)) if (!cur.includes(a)) cur.push(a);
    map.set(key, cur);
  };
  for (const g of groups) {
    if (g.kind === 'equivalent') for (const t of g.terms) add(t, g.terms);
    else add(g.terms[0], g.terms.slice(1));
  }
  return map;
}

/** A query term: the word and the alternatives any one of which must match. */
export interface QueryTerm {
  alternatives: string[];
}

export interface ParsedQuery {
  /** Every term must match (AND); within a term any alternative (OR). */
  terms: QueryTerm[];
  /** One-character words that are not stop words: they only rank. */
  optional: string[];
}

/**
 * Parses what a person types. Synonym dictionary entries are found first, longest first (so
 * 生孩子, 营业执照 and 社保 stay whole); the rest is split into words by Intl.Segmenter('zh');
 * stop words go; adjacent one-character words are joined again (身份|证 → 身份证), because the
 * segmenter cuts words the catalog writes whole.
 */
export function parseQuery(q: string, synonyms: SynonymMap): ParsedQuery {
  const text = normalize(q);
  const keys = [...synonyms.keys()].filter((k) => k.length >= 2 && text.includes(k)).sort((a, b) => b.length - a.length);
  const pieces: { text: string; synonym: boolean }[] = [{ text, synonym: false }];
  for (const key of keys) {
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (p.synonym) continue;
      const at = p.text.indexOf(key);
      if (at < 0) continue;
      pieces.splice(i, 1, { text: p.text.slice(0, at), synonym: false }, { text: key, synonym: true }, { text: p.text.slice(at + key.length), synonym: false });
      i += 1;
    }
  }
  const terms: QueryTerm[] = [];
  const optional: string[] = [];
  const seen = new Set<string>();
  const push = (word: string) => {
    if (seen.has(word)) return;
    seen.add(word);
    terms.push({ alternatives: synonyms.get(word) ?? [word] });
  };
  for (const p of pieces) {
    if (!p.text) continue;
    if (p.synonym) {
      push(p.text);
      continue;
    }
    // Words of the remaining text, stop words removed, one-character neighbours joined.
    const words: string[] = [];
    for (const s of SEGMENTER.segment(p.text)) {
      if (!s.isWordLike) {
        words.push('');
        continue;
      }
      if (STOP_WORDS.has(s.segment)) {
        words.push('');
        continue;
      }
      words.push(s.segment);
    }
    let i = 0;
    while (i < words.length) {
      if (!words[i]) {
        i++;
        continue;
      }
      let w = words[i];
      let j = i + 1;
      // Join a one-character word with its neighbour (before or after) inside the same run.
      while (j < words.length && words[j] && (Array.from(words[j]).length === 1 || Array.from(words[j - 1]).length === 1)) {
        w += words[j];
        j++;
      }
      if (Array.from(w).length === 1) optional.push(w);
      else push(w);
      i = j;
    }
  }
  // Only one-character words: search with them (names carry unigrams).
  if (terms.length === 0) for (const w of optional.splice(0)) push(w);
  return { terms, optional };
}

// ---- highlighting ---------------------------------------------------------------------------

/**
 * One character as `normalize` makes it (whitespace kept). ASCII and the CJK Unified Ideographs
 * block, nearly every character of a guide, take a fast path: NFKC leaves them as they are.
 */
function normalizeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c.length === 1 && ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a))) return c;
  return normalize(c) || c;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

/**
 * Marks every occurrence of the words in the text with <mark>, HTML-escaping the rest, so that
 * a page can insert it as HTML safely. Matching ignores case and full/half width.
 */
export function highlight(text: string, words: string[]): string {
  const chars = Array.from(text);
  const norm = chars.map(normalizeChar);
  const marked = new Array<boolean>(chars.length).fill(false);
  for (const w of words) {
    const wc = Array.from(normalize(w));
    if (!wc.length) continue;
    for (let i = 0; i + wc.length <= norm.length; i++) {
      let ok = true;
      for (let k = 0; k < wc.length && ok; k++) ok = norm[i + k] === wc[k];
      if (ok) for (let k = 0; k < wc.length; k++) marked[i + k] = true;
    }
  }
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    if (marked[i] && (i === 0 || !marked[i - 1])) out += '<mark>';
    out += escapeHtml(chars[i]);
    if (marked[i] && (i === chars.length - 1 || !marked[i + 1])) out += '</mark>';
  }
  return out;
}

/** Whether the text contains the word (normalised). */
export function containsWord(text: string, word: string): boolean {
  return normalize(text).includes(normalize(word));
}
