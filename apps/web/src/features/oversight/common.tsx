/**
 * Shared parts of the oversight pages: loading, the filter bar (region, department, months),
 * a figure with its provenance (formula, data time, counts, rows), and the generic renderer of a
 * declared dashboard's widgets (KPI, trend, band, ranking, bar, table, map).
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Empty, Popover, Select, Space, Tag } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DownloadOutlined, InfoCircleOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../prefs';
import { EChart, echarts } from './EChart';
import { oversightApi, type DashboardData, type Filters, type L10n, type WidgetData } from './model';
import './oversight.css';
import { DataTable } from '../../components/DataTable';

import { useLoad } from '../../components/useLoad';

export { useLoad };
/** The API error of an oversight page (the shared error alert). */
export { ErrorAlert as ErrorBox } from '../../components/ErrorAlert';

export function useL10n() {
  const { lang } = usePrefs();
  return (t: L10n | null | undefined) => (t ? (lang.startsWith('zh') ? t.zh : t.en) : '');
}

export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return '—';
  const n = Math.abs(v) >= 1000 && unit === 'count' ? v.toLocaleString('zh-CN') : String(Math.round(v * 100) / 100);
  return unit === 'percent' ? `${n}%` : n;
}

const monthOf = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
export function lastMonths(n: number): string[] {
  const out: string[] = [];
  const now = new Date();
  for (let i = 0; i < n; i++) out.push(monthOf(new Date(now.getFullYear(), now.getMonth() - i, 15)));
  return out;
}

/** Filters live in the query string, so that a view can be shared and reloaded. */
export function useFilterParams(): [Partial<Filters>, (f: Partial<Filters>) => void] {
  const [sp, setSp] = useSearchParams();
  const f = useMemo(() => ({ region: sp.get('region') ?? undefined, department: sp.get('department') ?? undefined, from: sp.get('from') ?? undefined, to: sp.get('to') ?? undefined }), [sp]);
  const set = (n: Partial<Filters>) => {
    const next = new URLSearchParams(sp);
    for (const [k, v] of Object.entries(n)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSp(next, { replace: true });
  };
  return [f, set];
}

export function FilterBar({ filters, onChange, regionFixed, showDepartment = true }: { filters: Partial<Filters> & { region?: string }; onChange: (f: Partial<Filters>) => void; regionFixed?: boolean; showDepartment?: boolean }) {
  const { t } = useTranslation();
  const months = lastMonths(36);
  const depts = useLoad(() => oversightApi.departments(), []);
  return (
    <Space wrap className="yw-block-sm ov-filters" data-testid="ov-filters">
      <label>
        <span className="ov-label">{t('ov.from')}</span>
        <Select aria-label={t('ov.from')} style={{ width: 120 }} value={filters.from} placeholder={t('ov.defaultPeriod')} allowClear options={months.map((m) => ({ value: m, label: m }))} onChange={(v) => onChange({ from: v })} />
      </label>
      <label>
        <span className="ov-label">{t('ov.to')}</span>
        <Select aria-label={t('ov.to')} style={{ width: 120 }} value={filters.to} placeholder={t('ov.defaultPeriod')} allowClear options={months.map((m) => ({ value: m, label: m }))} onChange={(v) => onChange({ to: v })} />
      </label>
      {showDepartment ? (
        <label>
          <span className="ov-label">{t('ov.department')}</span>
          <Select aria-label={t('ov.department')} style={{ width: 240 }} value={filters.department} placeholder={t('ov.allDepartments')} allowClear showSearch optionFilterProp="label" options={(depts.data ?? []).map((d) => ({ value: d.id, label: d.name }))} onChange={(v) => onChange({ department: v })} />
        </label>
      ) : null}
      {regionFixed ? null : null}
    </Space>
  );
}

/** A figure and, on demand, how it was computed. */
export function Provenance({ w }: { w: { formula: L10n; provenance?: WidgetData['provenance']; counts?: Record<string, number> } }) {
  const { t } = useTranslation();
  const l = useL10n();
  if (!w.provenance) return null;
  const p = w.provenance;
  const content = (
    <div className="ov-prov" data-testid="provenance">
      <p>
        <strong>{t('ov.formula')}</strong> {l(w.formula)}
      </p>
      <p>
        <strong>{t('ov.snapshot')}</strong> {new Date(p.snapshotAt).toLocaleString()}
      </p>
      {w.counts ? (
        <p>
          <strong>{t('ov.counts')}</strong> {Object.entries(w.counts).map(([k, v]) => `${k} = ${v}`).join('，')}
        </p>
      ) : null}
      <p>
        <strong>{t('ov.source')}</strong> {p.source}
      </p>
      <a href={`${p.rows}&format=csv&limit=50000`}>{t('ov.rowsCsv')}</a>
    </div>
  );
  return (
    <Popover content={content} title={t('ov.provenance')} trigger="click">
      <Button type="text" size="small" icon={<InfoCircleOutlined aria-hidden="true" />} aria-label={t('ov.provenance')} />
    </Popover>
  );
}

function Change({ w }: { w: WidgetData }) {
  const { t } = useTranslation();
  if (w.change === null || w.change === undefined) return <span className="ov-change">{t('ov.noPrevious')}</span>;
  const good = w.change === 0 ? null : (w.change > 0) === w.higherIsBetter;
  const Icon = w.change > 0 ? ArrowUpOutlined : ArrowDownOutlined;
  return (
    <span className={`ov-change ${good === null ? '' : good ? 'ov-good' : 'ov-bad'}`}>
      {w.change !== 0 ? <Icon aria-hidden="true" /> : null} {t('ov.vsPrevious', { value: formatValue(Math.abs(w.change), w.unit === 'percent' ? 'points' : w.unit), previous: formatValue(w.previous, w.unit) })}
    </span>
  );
}

export function Kpi({ w }: { w: WidgetData }) {
  const l = useL10n();
  const { t } = useTranslation();
  return (
    <Card className="ov-kpi" size="small" data-testid={`kpi-${w.measure}`}>
      <div className="ov-kpi-title">
        {l(w.title)} <Provenance w={w} />
      </div>
      {w.available ? (
        <>
          <div className="ov-kpi-value">{formatValue(w.value, w.unit)}</div>
          <Change w={w} />
        </>
      ) : (
        <div className="ov-unavailable">
          <Tag>{t('ov.unavailable')}</Tag> {l(w.reason)}
        </div>
      )}
    </Card>
  );
}

const COLORS = ['#1d4ed8', '#059669', '#d97706', '#dc2626', '#7c3aed'];

function chartOption(w: WidgetData, l: (t: L10n) => string): Record<string, unknown> {
  const groups = w.groups ?? [];
  if (w.chart === 'line' || w.chart === 'band') {
    const series: Record<string, unknown>[] = [{ name: l(w.name), type: 'line', data: groups.map((g) => g.value), itemStyle: { color: COLORS[0] }, smooth: false }];
    if (w.band) {
      series.push({ name: 'low', type: 'line', stack: 'band', data: w.band.map((b) => b.low), lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } });
      series.push({ name: 'band', type: 'line', stack: 'band', data: w.band.map((b) => Math.round((b.high - b.low) * 100) / 100), lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(5,150,105,0.18)' }, symbol: 'none' });
    }
    return { tooltip: { trigger: 'axis' }, grid: { left: 50, right: 20, top: 20, bottom: 30 }, xAxis: { type: 'category', data: groups.map((g) => g.key) }, yAxis: { type: 'value' }, series };
  }
  const rows = groups.filter((g) => g.value !== null).slice(0, 20);
  return {
    tooltip: { trigger: 'axis' },
    legend: { show: rows.some((g) => g.previous !== undefined) },
    grid: { left: 150, right: 30, top: 30, bottom: 20 },
    yAxis: { type: 'category', inverse: true, data: rows.map((g) => g.label) },
    xAxis: { type: 'value' },
    series: [
      { name: '本期', type: 'bar', data: rows.map((g) => g.value), itemStyle: { color: COLORS[0] } },
      ...(rows.some((g) => g.previous !== undefined) ? [{ name: '上期', type: 'bar', data: rows.map((g) => g.previous ?? null), itemStyle: { color: '#94a3b8' } }] : []),
    ],
  };
}

export function Ranking({ w, onPick }: { w: WidgetData; onPick?: (key: string) => void }) {
  const { t } = useTranslation();
  const l = useL10n();
  const groups = (w.groups ?? []).filter((g) => g.value !== null);
  const top = new Set(w.top ?? []);
  const bottom = new Set(w.bottom ?? []);
  return (
    <DataTable label={l(w.title)}
      size="small"
      rowKey="key"
      pagination={false}
      data-testid={`ranking-${w.id}`}
      dataSource={groups}
      columns={[
        { title: t('ov.name'), dataIndex: 'label', render: (v: string, g) => (onPick ? <a onClick={() => onPick(g.key)} data-testid={`pick-${g.key}`} href={`#${g.key}`}>{v}</a> : v) },
        { title: t('ov.value'), dataIndex: 'value', align: 'right', render: (v: number) => formatValue(v, w.unit) },
        { title: t('ov.previous'), dataIndex: 'previous', align: 'right', render: (v: number | null) => formatValue(v, w.unit) },
        { title: '', key: 'mark', render: (_: unknown, g) => (top.has(g.key) ? <Tag color="green">{t('ov.top3')}</Tag> : bottom.has(g.key) ? <Tag color="red">{t('ov.bottom3')}</Tag> : null) },
      ]}
    />
  );
}

export function MapWidget({ w, region, onPick, measures, onMeasure }: { w: WidgetData; region: string; onPick: (code: string) => void; measures: { id: string; name: L10n }[]; onMeasure: (id: string) => void }) {
  const { t } = useTranslation();
  const l = useL10n();
  const geo = useLoad(() => oversightApi.geo(region), [region]);
  const name = `ov-${region}`;
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!geo.data) return;
    echarts.registerMap(name, geo.data.geojson as never);
    setReady(true);
  }, [geo.data, name]);
  const groups = w.groups ?? [];
  const values = groups.map((g) => g.value ?? 0);
  const byCode = new Map(groups.map((g) => [g.key, g.value]));
  const option = useMemo(
    () =>
      ready && geo.data
        ? {
            tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => `${p.name}: ${Number.isFinite(p.value) ? formatValue(p.value, w.unit) : '—'}` },
            visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), left: 'left', bottom: 10, calculable: true, inRange: { color: w.higherIsBetter ? ['#fee2e2', '#1d4ed8'] : ['#dbeafe', '#b91c1c'] } },
            series: [{ type: 'map', map: name, nameProperty: 'code', label: { show: true, formatter: (p: { data?: { label: string } }) => p.data?.label ?? '' }, data: geo.data.geojson.features.map((f) => ({ name: f.properties.code, label: f.properties.name, value: byCode.get(f.properties.code) ?? NaN })) }],
          }
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ready, geo.data, w],
  );
  return (
    <div data-testid="ov-map">
      <Space wrap className="yw-block-sm">
        <label>
          <span className="ov-label">{t('ov.mapMeasure')}</span>
          <Select aria-label={t('ov.mapMeasure')} style={{ width: 220 }} value={w.measure} options={measures.map((m) => ({ value: m.id, label: l(m.name) }))} onChange={onMeasure} />
        </label>
      </Space>
      {geo.data ? (
        <Alert className="yw-block-sm" type={geo.data.meta.demo ? 'warning' : 'info'} showIcon title={geo.data.meta.demo ? t('ov.demoMap') : t('ov.mapApproval', { number: geo.data.meta.approvalNumber })} description={l(geo.data.meta.notice)} data-testid="map-notice" />
      ) : null}
      {option ? <EChart option={option} height={340} label={`${l(w.title)}：${l(w.name)}`} onClick={(p) => p.name && onPick(p.name)} testId="ov-map-chart" /> : null}
      <ul className="ov-map-list" aria-label={t('ov.mapRegions')}>
        {(geo.data?.geojson.features ?? []).map((f) => (
          <li key={f.properties.code}>
            <a href={`#${f.properties.code}`} onClick={(e) => { e.preventDefault(); onPick(f.properties.code); }} data-testid={`map-region-${f.properties.code}`}>
              {f.properties.name}
            </a>{' '}
            {formatValue(byCode.get(f.properties.code) ?? null, w.unit)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function WidgetCard({ w, children }: { w: WidgetData; children: ReactNode }) {
  const l = useL10n();
  const { t } = useTranslation();
  return (
    <Card className="ov-widget" size="small" title={<span>{l(w.title)} <Provenance w={w} /></span>} data-testid={`widget-${w.id}`}>
      {w.available ? children : (
        <Empty description={<span><Tag>{t('ov.unavailable')}</Tag> {l(w.reason)}</span>} />
      )}
    </Card>
  );
}

export interface DashboardHandlers {
  onRegion?: (code: string) => void;
  onDepartment?: (id: string) => void;
  measures?: { id: string; name: L10n }[];
  onMapMeasure?: (id: string) => void;
}

/** Renders any declared dashboard: KPIs first, then each widget by its chart type. */
export function DashboardView({ d, h = {} }: { d: DashboardData; h?: DashboardHandlers }) {
  const { t } = useTranslation();
  const l = useL10n();
  const kpis = d.widgets.filter((w) => w.chart === 'kpi');
  const rest = d.widgets.filter((w) => w.chart !== 'kpi');
  const pick = (w: WidgetData) => (w.breakdown === 'region' ? h.onRegion : w.breakdown === 'department' ? h.onDepartment : undefined);
  const fresh = d.freshness.sources.map((s) => s.refreshedAt).sort()[0];
  return (
    <div data-testid={`dashboard-${d.id}`}>
      <p className="ov-meta">
        {t('ov.period', { from: d.filters.from, to: d.filters.to, pfrom: d.previous.from, pto: d.previous.to })} · {t('ov.dataAsOf', { time: fresh ? new Date(fresh).toLocaleString() : '—', interval: d.freshness.intervalSeconds })} · {t('ov.loadedIn', { ms: d.millis })}
      </p>
      <div className="ov-kpis">{kpis.map((w) => <Kpi key={w.id} w={w} />)}</div>
      <div className="ov-widgets">
        {rest.map((w) => (
          <WidgetCard key={w.id} w={w}>
            {w.chart === 'map' && h.onRegion ? (
              <MapWidget w={w} region={d.filters.region} onPick={h.onRegion} measures={h.measures ?? []} onMeasure={h.onMapMeasure ?? (() => undefined)} />
            ) : w.chart === 'ranking' ? (
              <>
                <EChart option={chartOption(w, l)} height={Math.max(160, Math.min(20, (w.groups ?? []).length) * 26 + 50)} label={`${l(w.title)}`} onClick={(p) => { const g = (w.groups ?? []).filter((x) => x.value !== null)[p.dataIndex ?? -1]; if (g) pick(w)?.(g.key); }} />
                <Ranking w={w} onPick={pick(w)} />
              </>
            ) : w.chart === 'table' ? (
              <Ranking w={w} onPick={pick(w)} />
            ) : (
              <>
                <EChart option={chartOption(w, l)} height={w.chart === 'bar' ? Math.max(160, Math.min(20, (w.groups ?? []).length) * 26 + 50) : 240} label={l(w.title)} onClick={(p) => { const g = (w.groups ?? []).filter((x) => x.value !== null)[p.dataIndex ?? -1]; if (g && w.chart === 'bar') pick(w)?.(g.key); }} />
                {w.band ? (
                  <p className="ov-meta" data-testid="band-outside">
                    {t('ov.bandOutside', { months: w.band.filter((b) => b.outside).map((b) => `${b.key}（${b.outside === 'above' ? t('ov.above') : t('ov.below')}）`).join('、') || t('ov.none') })}
                  </p>
                ) : null}
              </>
            )}
          </WidgetCard>
        ))}
      </div>
    </div>
  );
}

export function Downloads({ id, filters }: { id: string; filters: Partial<Filters> }) {
  const { t } = useTranslation();
  return (
    <Space className="yw-block-sm">
      <Button icon={<DownloadOutlined aria-hidden="true" />} href={oversightApi.dashboardUrl(id, filters, 'csv')}>
        CSV
      </Button>
      <Button icon={<DownloadOutlined aria-hidden="true" />} href={oversightApi.dashboardUrl(id, filters, 'json')} target="_blank">
        JSON
      </Button>
      <span className="ov-meta">{t('ov.openData')}</span>
    </Space>
  );
}
