/**
 * Map boundaries come from a pluggable provider keyed by region code. Published maps in China
 * must be a reviewed map with its approval number (审图号), so the operator supplies one (uploaded
 * GeoJSON whose every feature carries `properties.code`, a GB/T 2260 code); until then the only
 * geometry shipped is a schematic demo: rough rectangles laid out in a grid, one per child region,
 * clearly marked 示意图 非正式地图 — it shows which region is which, not where they are.
 */
import { childrenOf, getRegion, isPlaceholderRegion, isRegionCode } from '../../shared/regions';
import { oversightErrors } from './oversight.errors';

export interface Feature {
  type: 'Feature';
  properties: { code: string; name: string; [k: string]: unknown };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Feature[];
}
export interface MapMeta {
  name: string;
  approvalNumber: string | null;
  demo: boolean;
  notice: { zh: string; en: string };
}
export interface GeoProvider {
  /** Boundaries of the children of `region` (the units a map of that region is coloured by). */
  children(region: string): Promise<{ meta: MapMeta; geojson: FeatureCollection } | null>;
}

/** Children shown on a map: placeholders (市辖区) replaced by their own children. */
export function mapUnits(region: string): { code: string; name: string }[] {
  return childrenOf(region).flatMap((c) => (isPlaceholderRegion(c.code) ? childrenOf(c.code) : [c])).map((c) => ({ code: c.code, name: c.name }));
}

export const DEMO_NOTICE = { zh: '示意图 非正式地图：演示用的示意方块，不表示真实位置和边界；正式使用须由运营方上传经审核的地图并标注审图号。', en: 'Schematic, not a map: rough demo rectangles that do not show real positions or boundaries; for real use the operator uploads a reviewed map with its approval number (审图号).' };

/** The built-in schematic: a grid of rectangles, one per child region (and one for the region itself, 本级). */
export const demoProvider: GeoProvider = {
  async children(region) {
    if (!isRegionCode(region)) return null;
    const units = [{ code: region, name: `${getRegion(region)!.name}本级` }, ...mapUnits(region)];
    const cols = Math.ceil(Math.sqrt(units.length));
    const features: Feature[] = units.map((u, i) => {
      const x = (i % cols) * 1.1;
      const y = -Math.floor(i / cols) * 0.8;
      const ring = [[x, y], [x + 1, y], [x + 1, y + 0.7], [x, y + 0.7], [x, y]];
      return { type: 'Feature', properties: { code: u.code, name: u.name, schematic: true }, geometry: { type: 'Polygon', coordinates: [ring] } };
    });
    return { meta: { name: '演示示意图', approvalNumber: null, demo: true, notice: DEMO_NOTICE }, geojson: { type: 'FeatureCollection', features } };
  },
};

/** Checks an uploaded map: a FeatureCollection of polygons, every feature with a known region code. */
export function validateGeoJson(g: unknown): { geojson: FeatureCollection; codes: string[] } {
  const bad = oversightErrors.badGeoJson;
  const fc = g as FeatureCollection;
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw bad('须为 GeoJSON FeatureCollection', 'must be a GeoJSON FeatureCollection');
  if (!fc.features.length) throw bad('没有任何区域', 'no features');
  const codes: string[] = [];
  for (const [i, f] of fc.features.entries()) {
    const code = (f?.properties as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string' || !code) throw bad(`第 ${i + 1} 个区域缺少区划代码（properties.code）`, `feature ${i + 1} has no region code (properties.code)`, `geojson/features/${i}/properties/code`);
    if (!isRegionCode(code)) throw bad(`第 ${i + 1} 个区域的区划代码 ${code} 不是有效的 GB/T 2260 代码`, `feature ${i + 1}: ${code} is not a GB/T 2260 region code`, `geojson/features/${i}/properties/code`);
    if (!f.geometry || !['Polygon', 'MultiPolygon'].includes(f.geometry.type) || !Array.isArray(f.geometry.coordinates)) throw bad(`第 ${i + 1} 个区域的几何须为 Polygon 或 MultiPolygon`, `feature ${i + 1}: geometry must be a Polygon or MultiPolygon`, `geojson/features/${i}/geometry`);
    codes.push(code);
  }
  if (new Set(codes).size !== codes.length) throw bad('区划代码重复', 'duplicate region codes', 'geojson/features');
  return { geojson: { type: 'FeatureCollection', features: fc.features.map((f) => ({ type: 'Feature', properties: { ...f.properties, code: f.properties.code, name: String(f.properties.name ?? getRegion(f.properties.code)!.name) }, geometry: f.geometry })) }, codes };
}
