/** The personal-column check, the fq parser, the quality score and search terms (the rate limiter: opendata.test.ts). */
import { describe, expect, it } from 'vitest';
import { people } from '../../demo/data';
import { FqError, parseFq, solrDate } from './opendata.fq';
import { checkPersonalColumns, looksLikeIdNumber, looksLikeMobile, looksLikePersonName } from './opendata.personal';
import { computeQuality } from './opendata.quality';
import { queryTerms, searchTerms } from './opendata.text';

describe('personal-column check', () => {
  it('recognises ID numbers (GB 11643 check character), mobiles and names, and not look-alikes', () => {
    for (const p of people.slice(0, 3)) expect(looksLikeIdNumber(p.idNumber)).toBe(true);
    expect(looksLikeIdNumber('350102199003070013')).toBe(false); // wrong check character
    expect(looksLikeIdNumber('91350102MA2Y0R1CXU')).toBe(false);
    expect(looksLikeMobile('13800138000')).toBe(true);
    expect(looksLikeMobile('+86 138-0013-8000')).toBe(true);
    expect(looksLikeMobile('0591-87654321')).toBe(false);
    expect(looksLikeMobile('12345678901')).toBe(false);
    for (const n of ['张伟', '李娜', '欧阳修远', '王秀英']) expect(looksLikePersonName(n)).toBe(true);
    for (const n of ['鼓楼区', '金山', '福州市医院', '东街口', '杨桥西路', 'PM2.5', '一']) expect(looksLikePersonName(n)).toBe(false);
  });

  it('flags columns by metadata and by sampled values; leaves public data alone', () => {
    const cols = [{ name: 'sfzh' }, { name: 'contact', label: '联系方式' }, { name: 'who', label: '申请人' }, { name: 'hotline', label: '咨询电话' }, { name: 'station', label: '监测站点' }, { name: 'x', personal: true }];
    const rows = people.slice(0, 5).map((p, i) => ({ sfzh: 'hidden', contact: `1390000000${i}`, who: p.name, hotline: `0591-8765432${i}`, station: ['鼓山', '快安', '师大', '紫阳', '金山'][i], x: 1 }));
    const f = checkPersonalColumns(cols, rows);
    expect(f).toEqual(
      expect.arrayContaining([
        { column: 'sfzh', kind: 'id_number', by: 'metadata' },
        { column: 'contact', kind: 'mobile', by: 'values', share: 1 },
        { column: 'who', kind: 'person_name', by: 'values', share: 1 },
        expect.objectContaining({ column: 'x', by: 'metadata' }),
      ]),
    );
    expect(f.some((x) => x.column === 'hotline' || x.column === 'station')).toBe(false);
    // One stray value among many is not a personal column.
    const mostlyPlaces = Array.from({ length: 20 }, (_, i) => ({ station: i === 0 ? '马尾' : '鼓山' }));
    expect(checkPersonalColumns([{ name: 'station' }], mostlyPlaces)).toEqual([]);
  });
});

describe('fq parser (Solr subset)', () => {
  it('parses clauses, negation, OR lists, phrases, ranges and date math', () => {
    expect(parseFq('organization:fz-zjj +tags:"公共 交通" -res_format:XLSX groups:(tran OR heal) AND license_id:*')).toEqual([
      { field: 'organization', negate: false, values: ['fz-zjj'] },
      { field: 'tags', negate: false, values: ['公共 交通'] },
      { field: 'res_format', negate: true, values: ['XLSX'] },
      { field: 'groups', negate: false, values: ['tran', 'heal'] },
      { field: 'license_id', negate: false, exists: true },
    ]);
    expect(parseFq('metadata_modified:[2026-01-01T00:00:00Z TO *]')).toEqual([{ field: 'metadata_modified', negate: false, range: { from: '2026-01-01T00:00:00Z', to: null } }]);
    expect(parseFq('NOT access_level:conditional')[0]).toMatchObject({ negate: true, values: ['conditional'] });
    expect(solrDate('NOW-1DAY/DAY', new Date('2026-03-10T12:00:00Z'))).toBe('2026-03-09T00:00:00.000Z');
    expect(parseFq('')).toEqual([]);
  });
  it('refuses what it does not understand', () => {
    for (const bad of ['organization:"x', 'tags:(a OR', 'nosuch:1', 'tags:a OR tags:b', 'justtext', 'tags:[a TO b]', 'metadata_modified:[2026 TO', 'AND tags:x', 'tags:()'])
      expect(() => parseFq(bad), bad).toThrow(FqError);
  });
});

describe('quality score', () => {
  it('weighs licence, description, timeliness, open formats, documentation, availability', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const good = computeQuality({ licence: 'cc-by-4.0', description: '这是一段足够长的数据集说明，'.repeat(10), frequency: 'monthly', dataUpdatedAt: new Date('2026-05-20T00:00:00Z'), formats: ['CSV', 'JSON', 'XLSX', 'API'], columns: [{ name: 'a', label: 'A' }], documentation: '字段说明与使用方法，单位与口径，更新规则。', available: true }, now);
    expect(good.score).toBe(100);
    const stale = computeQuality({ licence: 'cc-by-4.0', description: '短', frequency: 'daily', dataUpdatedAt: new Date('2026-01-01T00:00:00Z'), formats: ['XLSX'], columns: [{ name: 'a' }], documentation: '', available: false }, now);
    expect(stale.dimensions).toMatchObject({ timeliness: 0, openFormats: 0, availability: 0, documentation: 0 });
    expect(stale.score).toBeLessThan(20);
  });
});

describe('search terms', () => {
  it('indexes Han bigrams and words; a query needs all its bigrams', () => {
    const t = searchTerms('福州市公交线路 Bus routes 2026');
    expect(t).toEqual(expect.arrayContaining(['公交', '交线', '线路', 'bus', 'routes', '2026']));
    expect(queryTerms('公交线路')).toEqual(['公交', '交线', '线路']);
    expect(queryTerms('公')).toEqual(['公']);
    expect(queryTerms('公交线路').every((x) => t.includes(x))).toBe(true);
  });
});
