/** Stable error codes of the oversight module. */
import { AppError } from '../../shared/errors';
import type { MeasureDef, SourceDef } from './oversight.measures';

export const oversightErrors = {
  unknownMeasure: (id: string, field = 'measure') => new AppError(400, 'OVERSIGHT_UNKNOWN_MEASURE', `未知的指标：${id}`, `Unknown measure: ${id}`, field),
  measureUnavailable: (m: MeasureDef, s: SourceDef) =>
    new AppError(409, 'OVERSIGHT_MEASURE_UNAVAILABLE', `指标“${m.name.zh}”暂无数据来源：${s.module} 模块的数据（${s.view}）尚未接入`, `Measure "${m.name.en}" has no data source yet: the ${s.module} module's data (${s.view}) is not installed`, 'measure', { source: s.id }),
  regionOutOfScope: (code: string) => new AppError(403, 'OVERSIGHT_REGION_OUT_OF_SCOPE', `无权查看该区域的数据：${code}`, `Region ${code} is outside your supervision scope`, 'region'),
  badRegion: (code: string) => new AppError(400, 'OVERSIGHT_BAD_REGION', `区划代码无效：${code}`, `Invalid region code: ${code}`, 'region'),
  badPeriod: (zh: string, en: string, field = 'from') => new AppError(400, 'OVERSIGHT_BAD_PERIOD', zh, en, field),
  unknownDashboard: (id: string) => new AppError(404, 'OVERSIGHT_UNKNOWN_DASHBOARD', `看板不存在：${id}`, `No dashboard ${id}`, 'id'),
  badIndexConfig: (zh: string, en: string, field: string) => new AppError(422, 'OVERSIGHT_INDEX_CONFIG_INVALID', `指标体系配置无效：${zh}（原版本继续有效）`, `Indicator configuration refused: ${en} (the previous version stays in force)`, field),
  badGeoJson: (zh: string, en: string, field = 'geojson') => new AppError(422, 'OVERSIGHT_GEOJSON_INVALID', `地图数据无效：${zh}（原地图继续有效）`, `Map refused: ${en} (the previous map stays in force)`, field),
  badRule: (zh: string, en: string, field: string) => new AppError(422, 'OVERSIGHT_RULE_INVALID', `预警规则无效：${zh}`, `Alert rule refused: ${en}`, field),
  workOrderState: (status: string) => new AppError(409, 'OVERSIGHT_WORK_ORDER_STATE', `工单当前状态（${status}）不允许此操作`, `The work order is ${status}; this action is not allowed`, 'status'),
  workOrderScope: () => new AppError(403, 'OVERSIGHT_WORK_ORDER_SCOPE', '该工单不属于您的部门', 'This work order belongs to another department'),
};
