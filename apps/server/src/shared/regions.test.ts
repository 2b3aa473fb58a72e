import { describe, expect, it } from 'vitest';
import {
  ancestorsOf,
  childrenOf,
  getRegion,
  isInSubtree,
  isPlaceholderRegion,
  isRegionCode,
  parseRegionPrefix,
  provinces,
  type Region,
} from './regions';

function allRegions(): Region[] {
  const out: Region[] = [];
  const walk = (r: Region) => {
    out.push(r);
    childrenOf(r.code).forEach(walk);
  };
  provinces().forEach(walk);
  return out;
}

describe('getRegion', () => {
  it('returns the three levels of 福建省福州市鼓楼区', () => {
    expect(getRegion('350000')).toEqual({ code: '350000', name: '福建省', level: 'province', parentCode: null, fullName: '福建省' });
    expect(getRegion('350100')).toEqual({
      code: '350100',
      name: '福州市',
      level: 'city',
      parentCode: '350000',
      fullName: '福建省福州市',
    });
    expect(getRegion('350102')).toEqual({
      code: '350102',
      name: '鼓楼区',
      level: 'county',
      parentCode: '350100',
      fullName: '福建省福州市鼓楼区',
    });
  });

  it('keeps the 市辖区 level of municipalities but leaves it out of full names', () => {
    expect(getRegion('110101')).toMatchObject({ name: '东城区', level: 'county', parentCode: '110100', fullName: '北京市东城区' });
    expect(getRegion('110100')).toMatchObject({ name: '市辖区', level: 'city', parentCode: '110000', fullName: '北京市市辖区' });
    expect(isPlaceholderRegion('110100')).toBe(true);
    expect(isPlaceholderRegion('350100')).toBe(false);
    expect(getRegion('310115')?.fullName).toBe('上海市浦东新区');
  });

  it('handles 重庆市县 and province-administered county-level cities', () => {
    expect(getRegion('500200')).toMatchObject({ name: '县', level: 'city' });
    expect(getRegion('500229')?.fullName).toBe('重庆市城口县');
    expect(getRegion('419001')).toMatchObject({ name: '济源市', level: 'county', parentCode: '419000', fullName: '河南省济源市' });
    expect(getRegion('429004')?.fullName).toBe('湖北省仙桃市');
  });

  it('has cities without counties (东莞市) and skips their townships', () => {
    expect(getRegion('441900')).toMatchObject({ name: '东莞市', level: 'city' });
    expect(childrenOf('441900')).toEqual([]);
    expect(getRegion('441900003')).toBeUndefined();
  });

  it('returns undefined for unknown or malformed codes', () => {
    for (const code of ['999999', '350199', '35', '3501', '35010', 'abcdef', '', '440524']) {
      expect(getRegion(code)).toBeUndefined();
      expect(isRegionCode(code)).toBe(false);
    }
  });

  it('knows retired codes are gone: 潮阳县 440524 is now 潮阳区 440513', () => {
    expect(getRegion('440513')?.fullName).toBe('广东省汕头市潮阳区');
  });
});

describe('the data set as a whole', () => {
  const regions = allRegions();

  it('has the 31 mainland provinces and the expected sizes', () => {
    expect(provinces()).toHaveLength(31);
    expect(provinces().map((p) => p.code)).toContain('650000');
    expect(regions.filter((r) => r.level === 'city').length).toBeGreaterThan(330);
    expect(regions.filter((r) => r.level === 'county').length).toBeGreaterThan(2800);
  });

  it('uses unique 6-digit codes nested by prefix', () => {
    expect(new Set(regions.map((r) => r.code)).size).toBe(regions.length);
    for (const r of regions) {
      expect(r.code).toMatch(/^\d{6}$/);
      if (r.level === 'province') expect(r.code.endsWith('0000')).toBe(true);
      if (r.level === 'city') expect(r.code.endsWith('00')).toBe(true);
      if (r.parentCode) {
        const keep = r.level === 'city' ? 2 : 4;
        expect(r.code.slice(0, keep)).toBe(r.parentCode.slice(0, keep));
        expect(getRegion(r.parentCode)).toBeDefined();
      }
    }
  });
});

describe('childrenOf / ancestorsOf / isInSubtree', () => {
  it('lists direct children', () => {
    const names = childrenOf('350100').map((r) => r.name);
    expect(names).toContain('鼓楼区');
    expect(names).toContain('闽侯县');
    expect(childrenOf('350100').every((r) => r.parentCode === '350100')).toBe(true);
    expect(childrenOf('110000').map((r) => r.name)).toEqual(['市辖区']);
    expect(childrenOf('350102')).toEqual([]);
    expect(childrenOf('999999')).toEqual([]);
  });

  it('lists ancestors province first', () => {
    expect(ancestorsOf('350102').map((r) => r.code)).toEqual(['350000', '350100']);
    expect(ancestorsOf('110101').map((r) => r.name)).toEqual(['北京市', '市辖区']);
    expect(ancestorsOf('350000')).toEqual([]);
    expect(ancestorsOf('999999')).toEqual([]);
  });

  it('tells whether a region lies in a subtree', () => {
    expect(isInSubtree('350102', '350000')).toBe(true);
    expect(isInSubtree('350102', '350100')).toBe(true);
    expect(isInSubtree('350102', '350102')).toBe(true);
    expect(isInSubtree('350100', '350102')).toBe(false);
    expect(isInSubtree('350102', '110000')).toBe(false);
    expect(isInSubtree('110101', '110000')).toBe(true);
    expect(isInSubtree('999999', '350000')).toBe(false);
    expect(isInSubtree('350102', '999999')).toBe(false);
  });
});

describe('parseRegionPrefix', () => {
  it('matches province, city and county', () => {
    expect(parseRegionPrefix('福建省福州市鼓楼区五四路123号')).toEqual({ region: getRegion('350102'), length: 9 });
  });
  it('accepts addresses that omit upper levels', () => {
    expect(parseRegionPrefix('福州市鼓楼区五四路')?.region.code).toBe('350102');
    expect(parseRegionPrefix('鼓楼区五四路')?.length).toBe(3);
  });
  it('goes through placeholders of municipalities and 省直辖 cities', () => {
    expect(parseRegionPrefix('北京市东城区东长安街')?.region.code).toBe('110101');
    expect(parseRegionPrefix('河南省济源市天坛街道')?.region.code).toBe('419001');
    expect(parseRegionPrefix('重庆市城口县葛城街道')?.region.code).toBe('500229');
  });
  it('tells 吉林省 from 吉林市', () => {
    expect(parseRegionPrefix('吉林省吉林市船营区')).toEqual({ region: getRegion('220204'), length: 9 });
  });
  it('stops at cities without counties', () => {
    expect(parseRegionPrefix('广东省东莞市南城街道')).toEqual({ region: getRegion('441900'), length: 6 });
  });
  it('returns undefined when no division name starts the text', () => {
    expect(parseRegionPrefix('五四路123号')).toBeUndefined();
    expect(parseRegionPrefix('福建福州鼓楼')).toBeUndefined();
    expect(parseRegionPrefix('')).toBeUndefined();
  });
});
