/** The catalog's pure parts: Chinese text, the linter's rules, the bundle graph, forms, package signatures. */
import { describe, expect, it } from 'vitest';
import { criticalPath, topologicalOrder } from './catalog.bundle';
import { sampleItemContent, samplePackage } from './catalog.fixtures';
import { checkFormSchema } from './catalog.form';
import { entryScore, findCycle, lintBundleStructure, lintItem } from './catalog.linter';
import { canonicalJson, verifyPackage } from './catalog.package';
import type { ItemContent } from './catalog.schemas';
import { bigramCodes, buildSynonymMap, highlight, parseQuery, queryCodes } from './catalog.text';

const synonyms = buildSynonymMap([
  { kind: 'equivalent', terms: ['身份证', '居民身份证'] },
  { kind: 'equivalent', terms: ['营业执照', '执照'] },
  { kind: 'equivalent', terms: ['补办', '补领', '补发'] },
  { kind: 'expansion', terms: ['生孩子', '出生', '新生儿'] },
]);

describe('Chinese text', () => {
  it('packs character bigrams into integers, one-character text into its unigram', () => {
    expect([...bigramCodes('营业执照')]).toHaveLength(3);
    expect(queryCodes('营')).toEqual(['营'.codePointAt(0)]);
    expect(queryCodes('营业执照')).toEqual([...bigramCodes('营业执照')].sort((a, b) => a - b));
    // Full-width letters and case fold: ＩＣＰ and icp are the same.
    expect(queryCodes('ＩＣＰ备案')).toEqual(queryCodes('icp备案'));
    // Punctuation splits runs: no bigram across it.
    expect(bigramCodes('证，明').size).toBe(2);
  });

  it('reads a question as words: synonyms whole, stop words gone, split words joined', () => {
    expect(parseQuery('我要办理营业执照', synonyms).terms).toEqual([{ alternatives: ['营业执照', '执照'] }]);
    expect(parseQuery('身份证丢了怎么补办', synonyms).terms.map((t) => t.alternatives[0])).toEqual(['身份证', '补办']);
    expect(parseQuery('生孩子要办什么', synonyms).terms).toEqual([{ alternatives: ['生孩子', '出生', '新生儿'] }]);
    expect(parseQuery('食品经营许可证', synonyms).terms.flatMap((t) => t.alternatives).join('')).toBe('食品经营许可证');
    expect(parseQuery('营', synonyms).terms).toEqual([{ alternatives: ['营'] }]);
    expect(parseQuery('怎么办理', synonyms).terms).toEqual([]);
  });

  it('highlights every occurrence and escapes the rest', () => {
    expect(highlight('<b>营业执照</b>补领营业', ['营业'])).toBe('&lt;b&gt;<mark>营业</mark>执照&lt;/b&gt;补领<mark>营业</mark>');
    expect(highlight('居民身份证', ['身份证', '居民身份证'])).toBe('<mark>居民身份证</mark>');
  });
});

describe('the linter', () => {
  const base = () => ({ ...sampleItemContent('00000000-0000-4000-8000-00000000000a'), regionCode: '350100' });
  const rules = (c: ItemContent) => lintItem(c).map((f) => f.rule);

  it('finds nothing in a good item', () => {
    expect(lintItem(base())).toEqual([]);
  });

  const cases: [string, (c: ItemContent) => ItemContent][] = [
    ['DEPTH3_AT_MOST_ONE_VISIT', (c) => ({ ...c, onlineDepth: 3, visits: 2, visitsReason: '两次', window: { address: 'a', hours: 'b', phone: '12345' } })],
    ['ZERO_VISITS_NEEDS_ONLINE', (c) => ({ ...c, onlineDepth: 2 })],
    ['VISITS_REASON_MISSING', (c) => ({ ...c, onlineDepth: 3, visits: 1, window: { address: 'a', hours: 'b', phone: '12345' } })],
    ['WINDOW_INFO_MISSING', (c) => ({ ...c, onlineDepth: 3, visits: 1, visitsReason: '核验' })],
    ['BASIC_CODE_TYPE_MISMATCH', (c) => ({ ...c, itemType: 'public_service' })],
    ['RESULT_LICENCE_TYPE_MISSING', (c) => ({ ...c, result: { kind: 'elicence', name: '证' } })],
    ['DEPTH4_RESULT_DELIVERY', (c) => ({ ...c, result: { kind: 'certificate', name: '纸质证书' } })],
    ['CROSS_PROVINCE_REGIONS_MISSING', (c) => ({ ...c, crossProvince: { mode: 'regions', regions: [], ways: ['online'] } })],
    ['CROSS_PROVINCE_WAY_MISSING', (c) => ({ ...c, crossProvince: { mode: 'national', regions: [], ways: [] } })],
    ['CROSS_PROVINCE_LOW_DEPTH', (c) => ({ ...c, onlineDepth: 3, crossProvince: { mode: 'national', regions: [], ways: ['online'] } })],
    ['STAGE_SIGNERS_MISSING', (c) => ({ ...c, process: { ...c.process, stages: c.process.stages.map((s, i) => (i === 1 ? { ...s, kind: 'countersign' as const } : s)) } })],
    ['STAGE_KEY_DUPLICATE', (c) => ({ ...c, process: { ...c.process, stages: c.process.stages.map((s) => ({ ...s, key: 'same' })) } })],
    ['DECISION_STAGE_MISSING', (c) => ({ ...c, process: { ...c.process, stages: c.process.stages.slice(0, 2) } })],
    ['PAYMENT_STAGE_UNKNOWN', (c) => ({ ...c, onlinePayment: true, fees: [{ name: '费', standard: '1 元', basis: '依据' }], process: { ...c.process, payment: { afterStage: 'nowhere', budgetDays: 0 } } })],
    ['DEPTH4_FEE_NEEDS_ONLINE_PAYMENT', (c) => ({ ...c, fees: [{ name: '费', standard: '1 元', basis: '依据' }], process: { ...c.process, payment: { afterStage: 'review', budgetDays: 0 } } })],
    ['ONLINE_PAYMENT_WITHOUT_FEE', (c) => ({ ...c, onlinePayment: true })],
    ['LEGAL_BASIS_MISSING', (c) => ({ ...c, legalBasis: [] })],
    ['CONDITIONS_MISSING', (c) => ({ ...c, conditions: [] })],
    ['MATERIAL_CONDITION_MISSING', (c) => ({ ...c, materials: c.materials.map((m) => ({ ...m, requirement: 'conditional' as const })) })],
    ['MATERIAL_GRADE_INCONSISTENT', (c) => ({ ...c, materials: c.materials.map((m) => ({ ...m, reuseGrade: 'A' as const })) })],
    ['MATERIAL_NAME_DUPLICATE', (c) => ({ ...c, materials: c.materials.map((m, i) => ({ ...m, key: `k${i}`, name: '同名材料' })), process: { ...c.process, stages: c.process.stages.map((s) => ({ ...s, materials: [] })) }, form: { type: 'object', properties: { a: { type: 'string' } } } })],
    ['PROMISED_NOTE_MISSING', (c) => ({ ...c, promisedLimit: { days: 5, note: '' } })],
    ['IMMEDIATE_WITH_SPECIAL_PROCEDURE', (c) => ({ ...c, handlingKind: 'immediate', promisedLimit: { days: 1, note: '当场' }, process: { ...c.process, stages: [{ key: 'd', name: '决定', role: 'decider', budgetDays: 1, kind: 'single' }] }, specialProcedures: [{ name: '检测', limitDays: 5 }] })],
    ['SPECIAL_PROCEDURE_LIMIT_MISSING', (c) => ({ ...c, specialProcedures: [{ name: '专家评审' }] })],
    ['FORM_NOT_OBJECT', (c) => ({ ...c, form: { type: 'array' } })],
  ];
  it.each(cases)('%s', (rule, edit) => {
    expect(rules(edit(base()))).toContain(rule);
  });

  it('scores entries: errors zero, warnings cost ten points', () => {
    expect(entryScore(0, 0)).toBe(100);
    expect(entryScore(1, 0)).toBe(0);
    expect(entryScore(0, 2)).toBe(80);
    expect(entryScore(0, 9)).toBe(50);
  });
});

describe('bundle graphs', () => {
  const edges = [
    { from: 'birth', to: 'hukou' },
    { from: 'hukou', to: 'medical' },
    { from: 'medical', to: 'card' },
    { from: 'birth', to: 'allowance' },
  ];
  const days: Record<string, number> = { birth: 1, hukou: 1, medical: 1, card: 10, allowance: 10 };

  it('orders topologically and takes the longest chain, not the sum', () => {
    const order = topologicalOrder(['card', 'medical', 'allowance', 'hukou', 'birth'], edges)!;
    expect(order.indexOf('birth')).toBeLessThan(order.indexOf('hukou'));
    expect(order.indexOf('medical')).toBeLessThan(order.indexOf('card'));
    const cp = criticalPath(order, edges, (n) => days[n]);
    expect(cp.days).toBe(13);
    expect(cp.path).toEqual(['birth', 'hukou', 'medical', 'card']);
    expect(cp.start).toMatchObject({ birth: 0, hukou: 1, allowance: 1, card: 3 });
  });

  it('finds cycles', () => {
    expect(findCycle(['a', 'b', 'c'], [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }])).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(['a', 'b'], [{ from: 'a', to: 'b' }])).toBeNull();
    expect(topologicalOrder(['a', 'b'], [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }])).toBeNull();
    const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    const f = lintBundleStructure({
      code: 'x', name: '循环', aliases: [], description: '', themes: [], serviceObjects: ['natural_person'], leadDepartmentId: ids[0], denialPolicy: 'continue', fieldMap: [],
      items: ids.map((itemId) => ({ itemId })),
      dependencies: [{ from: ids[0], to: ids[1], result: 'r' }, { from: ids[1], to: ids[0], result: 'r' }],
    });
    expect(f.map((x) => x.rule)).toEqual(['BUNDLE_CYCLE']);
  });
});

describe('forms', () => {
  it('accepts JSON Schema with the catalog annotations, refuses what is not', () => {
    expect(checkFormSchema(sampleItemContent('x').form)).toBeNull();
    expect(checkFormSchema({ type: 'object', properties: { a: { type: 'strnig' } } })?.path).toBe('/properties/a/type');
    expect(checkFormSchema({ type: 'object', properties: { a: { type: 'array', items: { type: 'string', minLenght: 1 } } } })?.path).toBe('/properties/a/items/minLenght');
    expect(checkFormSchema({ type: 'object', properties: { a: { type: 'string', format: 'phone' } } })?.message).toMatch(/unknown format/);
    expect(checkFormSchema({ type: 'string' })).not.toBeNull();
    expect(checkFormSchema([])).not.toBeNull();
  });
});

describe('package signatures', () => {
  it('verify, and fail when anything changes', () => {
    const pkg = samplePackage('FZ-SCJGJ', '350100') as unknown as Record<string, any>;
    expect(verifyPackage(pkg)).toMatchObject({ ok: true, keyId: pkg.signature.keyId });
    const changed = structuredClone(pkg);
    changed.items[0].content.name = '改过的名字';
    expect(verifyPackage(changed)).toMatchObject({ ok: false });
    const reordered = Object.fromEntries(Object.entries(pkg).reverse());
    expect(verifyPackage(reordered).ok).toBe(true); // key order does not matter
    const otherKey = structuredClone(pkg);
    otherKey.signature.keyId = 'forged';
    expect(verifyPackage(otherKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/key id/) });
    expect(verifyPackage({ ...pkg, signature: undefined }).ok).toBe(false);
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
