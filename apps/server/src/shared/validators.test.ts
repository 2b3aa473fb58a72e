import { describe, expect, it } from 'vitest';
import {
  orgCodeCheckChar,
  residentIdCheckChar,
  usccCheckChar,
  validateMobile,
  validateResidentId,
  validateUscc,
} from './validators';

/** A synthetic but well-formed ID number (real region code, computed check character). */
function makeId(region: string, birth: string, seq: string): string {
  const first17 = region + birth + seq;
  return first17 + residentIdCheckChar(first17);
}

const NOW = new Date('2026-11-23T12:00:00+08:00');

describe('residentIdCheckChar', () => {
  it('computes ISO 7064 MOD 11-2 as in the examples of GB 11643-1999', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
  });
  it('rejects input that is not 17 digits', () => {
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100X')).toThrow(RangeError);
  });
});

describe('validateResidentId', () => {
  it('accepts the GB 11643-1999 example 11010519491231002X', () => {
    expect(validateResidentId('11010519491231002X', NOW)).toEqual({
      ok: true,
      id: '11010519491231002X',
      regionCode: '110105',
      birthDate: '1949-12-31',
      sex: 'F',
    });
  });

  it('normalises a lower-case x and surrounding blanks', () => {
    const r = validateResidentId(' 11010519491231002x ', NOW);
    expect(r).toMatchObject({ ok: true, id: '11010519491231002X' });
  });

  it('reads the sex from the parity of the sequence number', () => {
    expect(validateResidentId(makeId('350102', '19900307', '123'), NOW)).toMatchObject({ ok: true, sex: 'M', birthDate: '1990-03-07' });
    expect(validateResidentId(makeId('350102', '19900307', '124'), NOW)).toMatchObject({ ok: true, sex: 'F' });
    expect(validateResidentId(makeId('350102', '19900307', '000'), NOW)).toMatchObject({ ok: true, sex: 'F' });
  });

  it('rejects anything but 17 digits and a check character', () => {
    for (const bad of ['110105491231002', '11010519491231002', '11010519491231002XX', '1101051949123100X2', '11010519491231002Y', '', '１１０１０５１９４９１２３１００２Ｘ']) {
      expect(validateResidentId(bad, NOW)).toEqual({ ok: false, reason: 'format' });
    }
  });

  it('rejects unknown provinces', () => {
    expect(validateResidentId(makeId('990101', '19900307', '123'), NOW)).toEqual({ ok: false, reason: 'region' });
    expect(validateResidentId(makeId('000000', '19900307', '123'), NOW)).toEqual({ ok: false, reason: 'region' });
    expect(validateResidentId(makeId('840000', '19900307', '123'), NOW)).toEqual({ ok: false, reason: 'region' });
  });

  it('accepts county codes unknown today in a known province, e.g. the retired 潮阳县 440524', () => {
    expect(validateResidentId(makeId('440524', '19800101', '001'), NOW)).toMatchObject({ ok: true, regionCode: '440524' });
    expect(validateResidentId(makeId('350199', '19800101', '001'), NOW)).toMatchObject({ ok: true });
  });

  it('accepts HK, Macao and Taiwan residence permit numbers', () => {
    for (const prefix of ['810000', '820000', '830000']) {
      expect(validateResidentId(makeId(prefix, '19850615', '101'), NOW)).toMatchObject({ ok: true, regionCode: prefix });
    }
  });

  it('rejects impossible, too early and future birth dates', () => {
    // The other example of GB 11643-1999: born 1880, before the 1900 floor.
    expect(validateResidentId('440524188001010014', NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '18991231', '001'), NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '19000101', '001'), NOW)).toMatchObject({ ok: true });
    expect(validateResidentId(makeId('350102', '19900230', '001'), NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '20230229', '001'), NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '20240229', '001'), NOW)).toMatchObject({ ok: true });
    expect(validateResidentId(makeId('350102', '19901301', '001'), NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '20261124', '001'), NOW)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateResidentId(makeId('350102', '20261123', '001'), NOW)).toMatchObject({ ok: true });
  });

  it('decides "the future" by the date in China', () => {
    const id = makeId('350102', '20261124', '001');
    // 2026-11-23T16:30Z is already 00:30 on 24 November in China.
    expect(validateResidentId(id, new Date('2026-11-23T16:30:00Z'))).toMatchObject({ ok: true });
    expect(validateResidentId(id, new Date('2026-11-23T15:30:00Z'))).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('detects every single-digit substitution through the check character', () => {
    const id = '11010519491231002X';
    for (let pos = 0; pos < 18; pos++) {
      for (const ch of '0123456789X') {
        if (ch === id[pos] || (pos < 17 && ch === 'X')) continue;
        const altered = id.slice(0, pos) + ch + id.slice(pos + 1);
        expect(validateResidentId(altered, NOW).ok, altered).toBe(false);
      }
    }
    expect(validateResidentId('110105194912310021', NOW)).toEqual({ ok: false, reason: 'checksum' });
  });
});

describe('orgCodeCheckChar (GB 11714)', () => {
  it('computes the check character, including X and 0', () => {
    expect(orgCodeCheckChar('M000100Y')).toBe('4');
    expect(orgCodeCheckChar('70846113')).toBe('6');
    expect(orgCodeCheckChar('10000018')).toBe('X');
    expect(orgCodeCheckChar('10000004')).toBe('0');
    expect(() => orgCodeCheckChar('1234567')).toThrow(RangeError);
  });
});

describe('usccCheckChar', () => {
  it('computes the GB 32100 mod-31 check character', () => {
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(usccCheckChar('91440300708461136')).toBe('T');
  });
  it('rejects characters outside the GB 32100 set', () => {
    expect(() => usccCheckChar('91350100M000100I4')).toThrow(RangeError);
    expect(() => usccCheckChar('91350100M000100Y')).toThrow(RangeError);
  });
});

describe('validateUscc', () => {
  // GB 32100-2015's example, then codes printed on the business licences of large companies;
  // each one passes both the GB 11714 and the GB 32100 check characters.
  const published = [
    '91350100M000100Y43',
    '91440300708461136T',
    '914403001922038216',
    '911100007109250324',
    '91330100716105852F',
    '91110000802100433B',
    '91110108551385082Q',
  ];

  it('accepts published codes', () => {
    for (const code of published) expect(validateUscc(code), code).toMatchObject({ ok: true, code });
  });

  it('decodes the parts of a code', () => {
    expect(validateUscc('91350100M000100Y43')).toEqual({
      ok: true,
      code: '91350100M000100Y43',
      registrationAuthority: '9',
      registrationAuthorityName: '工商',
      orgType: '1',
      orgTypeName: '企业',
      regionCode: '350100',
      organizationCode: 'M000100Y4',
    });
  });

  it('normalises case and blanks', () => {
    expect(validateUscc(' 91350100m000100y43 ')).toMatchObject({ ok: true, code: '91350100M000100Y43' });
  });

  it('names other registering authorities and leaves unknown ones unnamed', () => {
    const make = (prefix: string, org: string) => {
      const body = prefix + org + orgCodeCheckChar(org);
      return body + usccCheckChar(body);
    };
    expect(validateUscc(make('53350102', 'MJ123456'))).toMatchObject({
      ok: true,
      registrationAuthorityName: '民政',
      orgTypeName: '基金会',
    });
    expect(validateUscc(make('92350102', 'L1234567'))).toMatchObject({ ok: true, orgTypeName: '个体工商户' });
    expect(validateUscc(make('B1350102', 'MA2Y3K5P'))).toMatchObject({
      ok: true,
      registrationAuthority: 'B',
      registrationAuthorityName: undefined,
      orgTypeName: undefined,
    });
  });

  it('accepts the central registration region 100000 and retired county codes', () => {
    expect(validateUscc('12100000MA2Y3K5P9W')).toMatchObject({ ok: true, regionCode: '100000', orgTypeName: '事业单位' });
    const body = '91440524' + 'MA2Y3K5P9';
    expect(validateUscc(body + usccCheckChar(body))).toMatchObject({ ok: true, regionCode: '440524' });
  });

  it('rejects unknown regions', () => {
    const body = '91990100' + 'MA2Y3K5P9';
    expect(validateUscc(body + usccCheckChar(body))).toEqual({ ok: false, reason: 'region' });
  });

  it('rejects malformed codes', () => {
    for (const bad of ['91350100M000100Y4', '91350100M000100Y433', '91350100M000100I43', '91350100O000100Y43', '9135010OM000100Y43', '', '91350100M000100Y4３']) {
      expect(validateUscc(bad)).toEqual({ ok: false, reason: 'format' });
    }
  });

  it('rejects a wrong final check character', () => {
    expect(validateUscc('91350100M000100Y44')).toEqual({ ok: false, reason: 'checksum' });
    expect(validateUscc('91440300708461136U')).toEqual({ ok: false, reason: 'checksum' });
  });

  it('rejects a wrong organisation-code check character even when the final one fits', () => {
    const body = '91350100M000100Y5';
    expect(validateUscc(body + usccCheckChar(body))).toEqual({ ok: false, reason: 'checksum' });
  });

  it('detects every single-character substitution', () => {
    const charset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (const code of published) {
      for (let pos = 0; pos < 18; pos++) {
        for (const ch of charset) {
          if (ch === code[pos]) continue;
          const altered = code.slice(0, pos) + ch + code.slice(pos + 1);
          expect(validateUscc(altered).ok, altered).toBe(false);
        }
      }
    }
  });
});

describe('validateMobile', () => {
  it('accepts 11-digit mainland numbers and normalises prefixes and separators', () => {
    expect(validateMobile('13812345678')).toEqual({ ok: true, mobile: '13812345678' });
    for (const s of ['+8613812345678', '+86 138 1234 5678', '0086-138-1234-5678', '8613812345678', ' 138-1234-5678 ']) {
      expect(validateMobile(s), s).toEqual({ ok: true, mobile: '13812345678' });
    }
    for (const s of ['13000000000', '15912345678', '16612345678', '17712345678', '18812345678', '19912345678']) {
      expect(validateMobile(s).ok, s).toBe(true);
    }
  });

  it('rejects other numbers', () => {
    for (const s of ['12812345678', '11012345678', '1381234567', '138123456789', '+8513812345678', '010-12345678', '02112345678', '', 'mobile', '+86']) {
      expect(validateMobile(s), s).toEqual({ ok: false, reason: 'format' });
    }
  });
});
