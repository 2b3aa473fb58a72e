import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonBuilt } from './entry';

/** A random JSON-ish value: nested objects and arrays, keys in any order, unicode, integer-like keys, undefined members. */
function randomValue(depth: number, rnd: () => number): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const r = rnd();
  if (depth <= 0 || r < 0.35) return pick<unknown>(['', 'a', '王秀英', 'line\nbreak "quoted" \\', '😀', '\u2028', 0, -0, 1.5, 1e21, -7, true, false, null, undefined, new Date(1_700_000_000_000)]);
  if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(depth - 1, rnd));
  const keys = ['b', 'a', 'z', 'A', 'é', '€', '\r', 'ö', '😀', 'aa', '_', 'receiptId', 'kind', ...(rnd() < 0.2 ? ['10', '9', '0'] : []), ...(rnd() < 0.1 ? ['__proto__'] : [])];
  const o: Record<string, unknown> = rnd() < 0.1 ? Object.create(null) : {};
  for (let i = 0, n = Math.floor(rnd() * 6); i < n; i++) Object.defineProperty(o, pick(keys), { value: randomValue(depth - 1, rnd), enumerable: true, writable: true, configurable: true });
  return o;
}

describe('canonical JSON (RFC 8785 key order)', () => {
  it('sorts keys by UTF-16 code units at every level; integer-like keys and __proto__ as any other key', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    // RFC 8785 §3.2.3's sorting example
    expect(canonicalJson({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' })).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalJson({ 10: 'a', 9: 'b', x: 1 })).toBe('{"10":"a","9":"b","x":1}');
    expect(canonicalJson(JSON.parse('{"z":1,"__proto__":{"b":2,"a":1}}'))).toBe('{"__proto__":{"a":1,"b":2},"z":1}');
    expect(canonicalJson({ at: new Date(0), n: -0, u: undefined, arr: [undefined, 1] })).toBe('{"arr":[null,1],"at":"1970-01-01T00:00:00.000Z","n":0}');
  });

  it('refuses what JSON cannot say exactly', () => {
    for (const bad of [NaN, Infinity, { a: -Infinity }, [1n], { f: () => 1 }, undefined, Symbol('s')]) expect(() => canonicalJson(bad)).toThrow(TypeError);
  });

  it('equals the string-building reference on 5,000 random values, and leaves the input unchanged', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const v = randomValue(4, rnd);
      if (v === undefined) continue;
      const before = canonicalJsonBuilt(v);
      expect(canonicalJson(v)).toBe(before);
      expect(canonicalJsonBuilt(v)).toBe(before);
    }
  });
});
