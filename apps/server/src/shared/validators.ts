/**
 * Validators for the identifiers citizens and organisations type into forms: the resident ID
 * number (公民身份号码, GB 11643-1999), the unified social credit code (统一社会信用代码,
 * GB 32100-2015) and mainland mobile numbers. They return a reason instead of throwing, so that a
 * route can turn it into a field error in the user's language.
 */
import { chinaDate, isValidDateParts } from './dates';
import { isRegionCode } from './regions';

/**
 * Region codes in ID numbers and credit codes are those in force when the number was issued.
 * Counties are merged and renamed every year (e.g. 潮阳县 440524 became 潮阳区 440513), and an ID
 * number never changes, so a retired county code must still be accepted. We therefore accept a
 * code that is known today, or whose province is known today: provinces have been stable since
 * 1997 (重庆), and IDs issued before then carry the old province's code, which still exists.
 */
function isKnownRegionOrProvince(code: string): boolean {
  return isRegionCode(code) || isRegionCode(`${code.slice(0, 2)}0000`);
}

// ───────────────────────────── resident ID number (GB 11643-1999) ─────────────────────────────

export type ResidentIdResult =
  | {
      ok: true;
      /** Normalised: trimmed, check character upper-case. */
      id: string;
      regionCode: string;
      /** YYYY-MM-DD */
      birthDate: string;
      sex: 'M' | 'F';
    }
  | { ok: false; reason: 'format' | 'region' | 'birthdate' | 'checksum' };

/**
 * Hong Kong, Macao and Taiwan residents' residence permits (港澳台居民居住证, issued since 2018)
 * carry a number in the same format whose address code is 810000, 820000 or 830000. Public
 * services must accept them as identity documents; 830000 is not a GB/T 2260 code, hence a list.
 */
const RESIDENCE_PERMIT_PREFIXES = new Set(['810000', '820000', '830000']);

/** ISO 7064 MOD 11-2 weights, 2^(17-i) mod 11. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';
const EARLIEST_BIRTH_DATE = '1900-01-01';

/** The check character (0-9 or X) of a resident ID number, from its first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('residentIdCheckChar expects 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK_CHARS[sum % 11];
}

/**
 * Validates an 18-character resident ID number. The old 15-digit numbers (withdrawn in 2013)
 * are rejected as 'format'. `now` decides what "a birth date in the future" means.
 */
export function validateResidentId(input: string, now: Date = new Date()): ResidentIdResult {
  const id = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: 'format' };

  const regionCode = id.slice(0, 6);
  if (!isKnownRegionOrProvince(regionCode) && !RESIDENCE_PERMIT_PREFIXES.has(regionCode)) {
    return { ok: false, reason: 'region' };
  }

  const [year, month, day] = [id.slice(6, 10), id.slice(10, 12), id.slice(12, 14)];
  const birthDate = `${year}-${month}-${day}`;
  if (
    !isValidDateParts(Number(year), Number(month), Number(day)) ||
    birthDate < EARLIEST_BIRTH_DATE ||
    birthDate > chinaDate(now)
  ) {
    return { ok: false, reason: 'birthdate' };
  }

  if (residentIdCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, reason: 'checksum' };

  // The sequence number (digits 15–17) is odd for men, even for women.
  const sex = Number(id[16]) % 2 === 1 ? 'M' : 'F';
  return { ok: true, id, regionCode, birthDate, sex };
}

// ───────────────────────── unified social credit code (GB 32100-2015) ─────────────────────────

export type UsccResult =
  | {
      ok: true;
      /** Normalised: trimmed, upper-case. */
      code: string;
      /** Character 1, 登记管理部门代码, e.g. '9'. */
      registrationAuthority: string;
      /** e.g. '工商'; undefined for a code not (yet) in the published table. */
      registrationAuthorityName: string | undefined;
      /** Character 2, 机构类别代码, e.g. '1'. */
      orgType: string;
      /** e.g. '企业'; undefined when not in the published table. */
      orgTypeName: string | undefined;
      /** Characters 3–8, the registering authority's region; '100000' for central authorities. */
      regionCode: string;
      /** Characters 9–17, the GB 11714 organisation code (组织机构代码 / 主体标识码). */
      organizationCode: string;
    }
  | { ok: false; reason: 'format' | 'checksum' | 'region' };

/** GB 32100 character set: digits and capitals without I, O, Z, S, V; a character's value is its index. */
const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
/** Registering authorities at the central level use this region code (not itself in GB/T 2260). */
const CENTRAL_REGION_CODE = '100000';

/**
 * 登记管理部门 and 机构类别, as published by the national credit code centre (extends the original
 * GB 32100 table of 1 机构编制, 5 民政, 9 工商, Y 其他).
 */
const USCC_AUTHORITIES: Record<string, { name: string; types: Record<string, string> }> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    types: { '1': '律师执业机构', '2': '公证处', '3': '基层法律服务所', '4': '司法鉴定机构', '5': '仲裁委员会', '9': '其他' },
  },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': {
    name: '旅游',
    types: { '1': '外国旅游部门常驻代表机构', '2': '港澳台地区旅游部门常驻内地（大陆）代表机构', '9': '其他' },
  },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  '9': { name: '工商', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
};

/**
 * The check character of a GB 11714 organisation code from its first 8 characters (digits and
 * capitals, A = 10 … Z = 35): 11 − (Σ value × weight mod 11), where 10 is written X and 11 is 0.
 */
export function orgCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8)) throw new RangeError('orgCodeCheckChar expects 8 digits or capitals');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8[i], 36) * ORG_CODE_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** The check character of a unified social credit code from its first 17 characters (GB 32100 §5). */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17 || [...first17].some((ch) => !USCC_CHARSET.includes(ch))) {
    throw new RangeError('usccCheckChar expects 17 characters of the GB 32100 character set');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** Validates an 18-character unified social credit code, including its embedded organisation code. */
export function validateUscc(input: string): UsccResult {
  const code = input.trim().toUpperCase();
  if (code.length !== 18 || [...code].some((ch) => !USCC_CHARSET.includes(ch))) {
    return { ok: false, reason: 'format' };
  }
  const organizationCode = code.slice(8, 17);
  if (orgCodeCheckChar(organizationCode.slice(0, 8)) !== organizationCode[8] || usccCheckChar(code.slice(0, 17)) !== code[17]) {
    return { ok: false, reason: 'checksum' };
  }
  const regionCode = code.slice(2, 8);
  if (regionCode !== CENTRAL_REGION_CODE && !isKnownRegionOrProvince(regionCode)) {
    return { ok: false, reason: 'region' };
  }
  const authority = USCC_AUTHORITIES[code[0]];
  return {
    ok: true,
    code,
    registrationAuthority: code[0],
    registrationAuthorityName: authority?.name,
    orgType: code[1],
    orgTypeName: authority?.types[code[1]],
    regionCode,
    organizationCode,
  };
}

// ─────────────────────────────────── mainland mobile numbers ───────────────────────────────────

export type MobileResult = { ok: true; mobile: string } | { ok: false; reason: 'format' };

/**
 * Validates a mainland China mobile number: 11 digits starting 13–19, optionally preceded by the
 * country code (+86, 0086 or 86) and written with spaces or hyphens ('+86 138-1234-5678').
 * Returns the bare 11 digits, the form stored and sent to SMS gateways.
 */
export function validateMobile(input: string): MobileResult {
  const m = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(input.trim().replace(/[\s-]/g, ''));
  return m ? { ok: true, mobile: m[1] } : { ok: false, reason: 'format' };
}
