/**
 * The personal-column check run before anything is published: personal data is never opened.
 * A column is suspect by its metadata (name, label, description, a `personal` flag) or by its
 * values (a sample of rows): resident ID numbers (GB 11643 check character), mainland mobile
 * numbers, and Chinese personal names (a common surname + 1–3 characters, not an organisation).
 */
import { validateMobile, validateResidentId } from '../../shared/validators';

export type PersonalKind = 'id_number' | 'mobile' | 'person_name';

export interface ColumnMeta {
  name: string;
  label?: string | null;
  description?: string | null;
  /** Set by the provider in the resource catalog. */
  personal?: boolean | null;
}

export interface PersonalFinding {
  column: string;
  kind: PersonalKind | 'person_subject';
  by: 'metadata' | 'values';
  /** Share of sampled non-empty values that looked personal (value findings). */
  share?: number;
}

const META: [PersonalKind, RegExp][] = [
  ['id_number', /(身份证|公民身份|证件号|证件号码|sfz|sfzh|id_?card|id_?no\b|id_?number|identity_?(no|number)|citizen_?id|resident_?id)/i],
  // A telephone column alone is not personal (an office's hotline is published on purpose); its values decide.
  ['mobile', /(手机|移动电话|个人电话|本人电话|联系人电话|mobile|cell_?phone|personal_?phone|sjh)/i],
  ['person_name', /(姓名|联系人|法定代表人姓名|负责人姓名|^xm$|person_?name|full_?name|real_?name|first_?name|last_?name|given_?name|surname|^name_(zh|cn)$|contact_?(name|person)|applicant_?name|patient)/i],
];

/** The hundred-odd most common surnames (they cover ~85% of the population), plus common double surnames. */
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝'.split(''),
);
const DOUBLE_SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '令狐'];
/** Characters that make a short Han string an organisation, place or thing rather than a person. */
const NOT_A_PERSON = /[局厅委办院所站队部处科室会社司厂店行馆校园中心区县市省镇乡村街路号楼栋层室园场港湾山江河湖桥路业类型级证照表单数量额率费税款项目期年月日]/;

export function looksLikePersonName(v: string): boolean {
  const s = v.trim().replace(/[·•]/g, '');
  if (!/^[\u4e00-\u9fff]{2,4}$/.test(s)) return false;
  if (NOT_A_PERSON.test(s.slice(1))) return false;
  if (DOUBLE_SURNAMES.some((d) => s.startsWith(d)) && s.length >= 3) return true;
  return SURNAMES.has(s[0]);
}

export function looksLikeIdNumber(v: string): boolean {
  const s = v.trim();
  return /^\d{17}[\dXx]$/.test(s) && validateResidentId(s).ok;
}

export function looksLikeMobile(v: string): boolean {
  const s = v.trim().replace(/^(\+?86)[\s-]?/, '').replace(/[\s-]/g, '');
  return /^1\d{10}$/.test(s) && validateMobile(s).ok;
}

/** Shares above which a sampled column counts as personal: one valid ID number in five is already too many. */
const THRESHOLDS: Record<PersonalKind, number> = { id_number: 0.2, mobile: 0.3, person_name: 0.5 };
const TESTS: Record<PersonalKind, (v: string) => boolean> = { id_number: looksLikeIdNumber, mobile: looksLikeMobile, person_name: looksLikePersonName };

/**
 * Checks columns by metadata and by a sample of rows (values of any type; only strings and
 * numbers are looked at). Returns every finding; an empty list means nothing looked personal.
 */
export function checkPersonalColumns(columns: ColumnMeta[], sample: Record<string, unknown>[]): PersonalFinding[] {
  const findings: PersonalFinding[] = [];
  for (const c of columns) {
    const text = [c.name, c.label ?? '', c.description ?? ''].join(' ');
    const metaKinds = new Set<PersonalKind>();
    if (c.personal) metaKinds.add(META.find(([, re]) => re.test(text))?.[0] ?? 'person_name');
    for (const [kind, re] of META) if (re.test(c.name) || re.test(c.label ?? '')) metaKinds.add(kind);
    for (const kind of metaKinds) findings.push({ column: c.name, kind, by: 'metadata' });

    const values = sample.map((r) => r[c.name]).filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number').map(String);
    if (!values.length) continue;
    for (const kind of Object.keys(TESTS) as PersonalKind[]) {
      if (metaKinds.has(kind)) continue;
      const hits = values.filter(TESTS[kind]).length;
      const share = hits / values.length;
      if (hits > 0 && share >= THRESHOLDS[kind]) findings.push({ column: c.name, kind, by: 'values', share: Math.round(share * 100) / 100 });
    }
  }
  return findings;
}
