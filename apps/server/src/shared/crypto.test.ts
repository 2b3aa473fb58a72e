import { describe, expect, it } from 'vitest';
import { fieldCrypto, safeEqual } from './crypto';

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
  it('safeEqual', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'ab')).toBe(false);
  });
});
