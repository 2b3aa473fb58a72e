import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, verifyTotp } from './totp';

describe('TOTP (RFC 6238 / RFC 4226 vectors)', () => {
  const secret = Buffer.from('12345678901234567890');
  it('HOTP test values of RFC 4226 appendix D', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((v, i) => expect(hotp(secret, i)).toBe(v));
  });
  it('TOTP SHA-1 test values of RFC 6238 appendix B (8 digits)', () => {
    const b32 = base32Encode(secret);
    expect(totp(b32, 59_000, 8)).toBe('94287082');
    expect(totp(b32, 1111111109_000, 8)).toBe('07081804');
    expect(totp(b32, 1234567890_000, 8)).toBe('89005924');
    expect(totp(b32, 20000000000_000, 8)).toBe('65353130');
  });
  it('base32 round trip', () => {
    expect(base32Decode(base32Encode(secret)).equals(secret)).toBe(true);
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
  });
  it('accepts one step of drift, not more', () => {
    const b32 = base32Encode(secret);
    const now = 1_700_000_000_000;
    expect(verifyTotp(b32, totp(b32, now - 30_000), now)).toBe(true);
    expect(verifyTotp(b32, totp(b32, now - 90_000), now)).toBe(false);
    expect(verifyTotp(b32, 'abcdef', now)).toBe(false);
  });
});
