import { describe, expect, it } from 'vitest';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { fieldCrypto, hmacSha256, safeEqual, sha256, sha256Bytes, timeOrderedUuid } from './crypto';

describe('field crypto', () => {
  const fc = fieldCrypto('a'.repeat(64));
  it('round-trips and never repeats a ciphertext', () => {
    const a = fc.encrypt('350102199003070015');
    const b = fc.encrypt('350102199003070015');
    expect(a).not.toBe(b);
    expect(a).not.toContain('350102');
    expect(fc.decrypt(a)).toBe('350102199003070015');
  });
  it('detects tampering', () => {
    const a = fc.encrypt('13800138000');
    const raw = Buffer.from(a.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => fc.decrypt(`v1.${raw.toString('base64url')}`)).toThrow();
  });
  it('lookup hashes are keyed and stable', () => {
    expect(fc.lookupHash('x')).toBe(fc.lookupHash('x'));
    expect(fieldCrypto('b'.repeat(64)).lookupHash('x')).not.toBe(fc.lookupHash('x'));
  });
  it('hmacSha256 equals createHmac for short, block-size and long keys, empty, text and binary messages', () => {
    for (const keyLen of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLen);
      const mac = hmacSha256(key);
      for (const m of ['', 'subject:350102199003070012', '王秀英'.repeat(40), randomBytes(1), randomBytes(500)]) {
        expect(mac(m).toString('hex')).toBe(createHmac('sha256', key).update(m).digest('hex'));
      }
    }
    // RFC 4231 test case 2
    expect(hmacSha256(Buffer.from('Jefe'))('what do ya want for nothing?').toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
  it('sha256 and sha256Bytes equal createHash', () => {
    for (const m of ['', 'abc', '数据多跑路', randomBytes(300)]) {
      expect(sha256(m)).toBe(createHash('sha256').update(m).digest('base64url'));
      expect(sha256Bytes(m).equals(createHash('sha256').update(m).digest())).toBe(true);
    }
  });
  it('timeOrderedUuid: version 7, RFC 4122 variant, ordered by time, unique', () => {
    const a = timeOrderedUuid(1_700_000_000_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(0, 13).replace('-', '')).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
    expect(timeOrderedUuid(1_700_000_000_001) > a).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedUuid())).size).toBe(1000);
    // The time part is kept per millisecond: the same millisecond again, another, and back.
    const [b, c, d] = [timeOrderedUuid(1_700_000_000_000), timeOrderedUuid(0xffffffffffff), timeOrderedUuid(1_700_000_000_000)];
    expect([b.slice(0, 15), d.slice(0, 15)]).toEqual([a.slice(0, 15), a.slice(0, 15)]);
    expect(new Set([a, b, d]).size).toBe(3);
    expect(c.slice(0, 15)).toBe('ffffffff-ffff-7');
  });
  it('safeEqual', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'ab')).toBe(false);
  });
});
