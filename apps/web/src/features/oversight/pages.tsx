/**
 * Pages of the oversight area: dashboards (overview with drill-down into a region or a department,
 * market entities, data exchange, overdue, reviews, 12345), alerts and work orders, evaluation.
 */
import { useMemo, useState } from 'react';
import { Breadcrumb, Button, Card, Descriptions, Input, Segmented, Space, Switch, Tag } from 'antd';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { get } from '../../api';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { DashboardView, Downloads, ErrorBox, FilterBar, formatValue, useFilterParams, useL10n, useLoad } from './common';
import { oversightApi, type Alert as AlertT, type Evaluation, type L10n } from './model';
import { DataTable } from '../../components/DataTable';

const BOARDS = [
  { id: 'overview', path: '' },
  { id: 'market', path: 'market' },
  { id: 'exchange', path: 'exchange' },
];

export function BoardTabs({ current }: { current: string }) {
  const { t } = useTranslation();
  const nav = useNavigate();
  return (
    <Segmented
      className="yw-block-sm"
      value={current}
      onChange={(v) => nav(`/oversight/dashboard${BOARDS.find((b) => b.id === v)!.path ? `/${BOARDS.find((b) => b.id === v)!.path}` : ''}`)}
      options={BOARDS.map((b) => ({ value: b.id, label: t(`ov.board.${b.id}`) }))}
    />
  );
}

/** Any declared dashboard, with filters in the query string and drill-down links. */
export function BoardPage({ board, region, department, heading, testId, tabs = true, extra }: { board: string; region?: string; department?: string; heading: string; testId: string; tabs?: boolean; extra?: React.ReactNode }) {
  const { t } = useTranslation();
  const nav = useNavigate();
  const [filters, setFilters] = useFilterParams();
  const [sp, setSp] = useSearchParams();
  const mapMeasure = sp.get('mapMeasure') ?? undefined;
  usePageTitle(heading);
  const f = { ...filters, ...(region ? { region } : {}), ...(department ? { department } : {}) };
  const measures = useLoad(() => get<{ id: string; name: L10n; available: boolean; source: { id: string } }[]>('/api/oversight/measures'), []);
  const { data, error, loading } = useLoad(() => oversightApi.dashboard(board, { ...f, mapMeasure }), [board, f.region, f.department, f.from, f.to, mapMeasure]);
  const keep = (path: string) => `${path}${filters.from || filters.to ? `?${new URLSearchParams({ ...(filters.from ? { from: filters.from } : {}), ...(filters.to ? { to: filters.to } : {}) })}` : ''}`;
  return (
    <div className="yw-page" data-testid={testId}>
      <h1 className="yw-page-title">{heading}</h1>
      {tabs ? <BoardTabs current={board} /> : null}
      {extra}
      <FilterBar filters={f} onChange={setFilters} showDepartment={!department} />
      <Downloads id={board} filters={f} />
      <ErrorBox error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <DashboardView
          d={data}
          h={{
            onRegion: (code) => nav(keep(`/oversight/dashboard/region/${code}`)),
            onDepartment: (id) => nav(keep(`/oversight/dashboard/department/${id}`)),
            measures: (measures.data ?? []).filter((m) => m.available && ['applications', 'market', 'reviews', 'inquiries', 'escalations'].includes(m.source.id)),
            onMapMeasure: (id) => {
              const n = new URLSearchParams(sp);
              n.set('mapMeasure', id);
              setSp(n, { replace: true });
            },
          }}
        />
      ) : null}
    </div>
  );
}

export function OverviewPage() {
  const { t } = useTranslation();
  return <BoardPage board="overview" heading={t('nav.oversight.dashboard')} testId="ov-overview" />;
}

export function MarketPage() {
  const { t } = useTranslation();
  return <BoardPage board="market" heading={t('ov.board.market')} testId="ov-market" />;
}

export function ExchangePage() {
  const { t } = useTranslation();
  return <BoardPage board="exchange" heading={t('ov.board.exchange')} testId="ov-exchange" />;
}

export function RegionDrillPage() {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const l = useL10n();
  const region = useLoad(() => get<{ code: string; name: string; fullName: string }>(`/api/org/regions/${code}`), [code]);
  const ev = useLoad(() => oversightApi.regionEvaluation(code, false), [code]);
  const name = region.data?.fullName ?? code;
  const o = ev.data?.overall;
  const extra = (
    <>
      <Breadcrumb className="yw-block-sm" items={[{ title: <Link to="/oversight/dashboard">{t('nav.oversight.dashboard')}</Link> }, { title: name }]} />
      {o ? (
        <Card size="small" className="yw-block-sm" data-testid="region-score">
          <Space wrap size="large">
            <span>
              {t('ov.eval.score')}: <strong>{formatValue(o.score, 'score')}</strong> {o.grade ? <Tag color="blue">{l(o.grade)}</Tag> : null}
            </span>
            {ev.data?.rank ? <span>{t('ov.eval.rank', { rank: ev.data.rank.rank, of: ev.data.rank.of })}</span> : null}
            <span>{t('ov.eval.change', { change: o.change === null ? '—' : (o.change > 0 ? '+' : '') + o.change })}</span>
            <Link to={`/oversight/evaluation/regions/${code}`}>{t('ov.eval.details')}</Link>
          </Space>
        </Card>
      ) : null}
    </>
  );
  return <BoardPage board="overview" region={code} heading={t('ov.regionHeading', { name })} testId="ov-region" tabs={false} extra={extra} />;
}

export function DepartmentDrillPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const dept = useLoad(() => get<{ id: string; name: string }>(`/api/departments/${id}`), [id]);
  const extra = <Breadcrumb className="yw-block-sm" items={[{ title: <Link to="/oversight/dashboard">{t('nav.oversight.dashboard')}</Link> }, { title: dept.data?.name ?? id }]} />;
  return <BoardPage board="overview" department={id} heading={t('ov.departmentHeading', { name: dept.data?.name ?? '' })} testId="ov-department" tabs={false} extra={extra} />;
}

// ---- alerts and work orders ---------------------------------------------------------------------

export function AlertsAndOrders() {
  const { t } = useTranslation();
  const l = useL10n();
  const alerts = useLoad(() => oversightApi.alerts(), []);
  const orders = useLoad(() => oversightApi.workOrders(), []);
  const byId = useMemo(() => new Map((orders.data ?? []).map((w) => [w.id, w])), [orders.data]);
  const rules = useLoad(() => oversightApi.rules(), []);
  const [ruleErr, setRuleErr] = useState<unknown>(null);
  return (
    <>
      <h2 className="yw-section-title">{t('ov.rules')}</h2>
      <ErrorBox error={rules.error ?? ruleErr} />
      <DataTable label={t('ov.rules')}
        size="small"
        rowKey="id"
        data-testid="ov-rules"
        dataSource={rules.data ?? []}
        loading={rules.loading}
        pagination={false}
        columns={[
          { title: t('ov.rule'), dataIndex: 'name' },
          { title: t('ov.measure'), key: 'm', render: (_: unknown, r) => l(r.measureName) },
          { title: t('ov.condition'), key: 'c', render: (_: unknown, r) => (r.kind === 'threshold' ? `${r.op === 'above' ? '>' : '<'} ${r.threshold}` : t('ov.band', { op: t(r.op === 'above' ? 'ov.above' : 'ov.below'), cycles: r.band?.cycles, cycle: t(`ov.cycle.${r.band?.cycle}`), k: r.band?.k })) },
          { title: t('ov.deadlineDays'), dataIndex: 'deadlineDays' },
          {
            title: t('ov.enabled'),
            key: 'e',
            render: (_: unknown, r) => (
              <Switch
                checked={r.enabled}
                aria-label={`${t('ov.enabled')}：${r.name}`}
                onChange={async (v) => {
                  try {
                    await oversightApi.setRule(r.id, v);
                    setRuleErr(null);
                    await rules.reload();
                  } catch (e) {
                    setRuleErr(e);
                  }
                }}
              />
            ),
          },
        ]}
      />
      <h2 className="yw-section-title">{t('ov.alerts')}</h2>
      <ErrorBox error={alerts.error} />
      <DataTable label={t('ov.alerts')}
        size="small"
        rowKey="id"
        data-testid="ov-alerts"
        dataSource={alerts.data ?? []}
        loading={alerts.loading}
        pagination={{ pageSize: 10 }}
        columns={[
          { title: t('ov.rule'), dataIndex: 'ruleName' },
          { title: t('ov.target'), dataIndex: 'groupLabel' },
          { title: t('ov.measure'), key: 'm', render: (_: unknown, a: AlertT) => l(a.measureName) },
          { title: t('ov.value'), dataIndex: 'value', render: (v: number) => formatValue(v, 'count') },
          { title: t('ov.month'), dataIndex: 'period' },
          { title: t('ov.status'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'open' ? 'red' : 'green'}>{t(`ov.alertStatus.${s}`)}</Tag> },
          { title: t('ov.workOrder'), key: 'wo', render: (_: unknown, a: AlertT) => (a.workOrderId ? <Link to={`/oversight/overdue/work-orders/${a.workOrderId}`} data-testid="alert-work-order">{byId.get(a.workOrderId)?.number ?? t('ov.open')}</Link> : '—') },
        ]}
      />
      <h2 className="yw-section-title">{t('ov.workOrders')}</h2>
      <DataTable label={t('ov.workOrders')}
        size="small"
        rowKey="id"
        data-testid="ov-work-orders"
        dataSource={orders.data ?? []}
        loading={orders.loading}
        pagination={{ pageSize: 10 }}
        columns={[
          { title: t('ov.number'), dataIndex: 'number', render: (v: string, w) => <Link to={`/oversight/overdue/work-orders/${w.id}`}>{v}</Link> },
          { title: t('ov.department'), dataIndex: 'departmentName' },
          { title: t('ov.title'), dataIndex: 'title' },
          { title: t('ov.due'), dataIndex: 'dueDate' },
          { title: t('ov.status'), key: 's', render: (_: unknown, w) => <Space><Tag>{t(`ov.woStatus.${w.status}`)}</Tag>{w.overdue ? <Tag color="red">{t('ov.overdue')}</Tag> : null}</Space> },
        ]}
      />
    </>
  );
}

export function WorkOrderPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad(() => oversightApi.workOrder(id), [id]);
  const alert = useLoad(async () => (data?.alertId ? oversightApi.alert(data.alertId) : null), [data?.alertId]);
  const l = useL10n();
  const [note, setNote] = useState('');
  const [err, setErr] = useState<unknown>(null);
  usePageTitle(data?.number ?? t('ov.workOrder'));
  if (loading && !data) return <Loading />;
  return (
    <div className="yw-page" data-testid="ov-work-order">
      <Breadcrumb className="yw-block-sm" items={[{ title: <Link to="/oversight/overdue">{t('nav.oversight.overdue')}</Link> }, { title: data?.number }]} />
      <h1 className="yw-page-title">{t('ov.workOrder')} {data?.number}</h1>
      <ErrorBox error={error ?? err} />
      {data ? (
        <>
          <Descriptions bordered size="small" column={1} className="yw-block-sm">
            <Descriptions.Item label={t('ov.title')}>{data.title}</Descriptions.Item>
            <Descriptions.Item label={t('ov.department')}>{data.departmentName}</Descriptions.Item>
            <Descriptions.Item label={t('ov.region')}>{data.regionName}</Descriptions.Item>
            <Descriptions.Item label={t('ov.due')}>{data.dueDate}</Descriptions.Item>
            <Descriptions.Item label={t('ov.status')}>
              <span data-testid="wo-status">{t(`ov.woStatus.${data.status}`)}</span> {data.overdue ? <Tag color="red">{t('ov.overdue')}</Tag> : null}
            </Descriptions.Item>
            <Descriptions.Item label={t('ov.response')}>{data.response ?? '—'}</Descriptions.Item>
            {data.closeNote ? <Descriptions.Item label={t('ov.closeNote')}>{data.closeNote}</Descriptions.Item> : null}
          </Descriptions>
          {alert.data ? (
            <Card size="small" className="yw-block-sm" title={t('ov.raisedBy')}>
              <p>
                {alert.data.ruleName}：{alert.data.groupLabel} {l(alert.data.measureName)} = {alert.data.value}（{alert.data.period}）
              </p>
              <p className="ov-meta">{t('ov.expected')}: {JSON.stringify(alert.data.expected)}</p>
              <p className="ov-meta">
                {t('ov.formula')} {l(alert.data.provenance.formula)} · {t('ov.counts')} {Object.entries(alert.data.provenance.counts ?? {}).map(([k, v]) => `${k}=${v}`).join('，')}
              </p>
            </Card>
          ) : null}
          {data.status !== 'closed' ? (
            <Space.Compact className="yw-block-sm" style={{ width: '100%', maxWidth: 600 }}>
              <Input aria-label={t('ov.closeNote')} placeholder={t('ov.closeNote')} value={note} onChange={(e) => setNote(e.target.value)} />
              <Button type="primary" disabled={!note.trim()} data-testid="wo-close" onClick={async () => { try { await oversightApi.close(id, note); setErr(null); await reload(); } catch (e) { setErr(e); } }}>
                {t('ov.close')}
              </Button>
            </Space.Compact>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

export function OverduePage() {
  const { t } = useTranslation();
  return <BoardPage board="overdue" heading={t('nav.oversight.overdue')} testId="ov-overdue" tabs={false} extra={<AlertsAndOrders />} />;
}

// ---- evaluation ------------------------------------------------------------------------------------

export function EvaluationTable({ data, linkBase }: { data: Evaluation; linkBase: string }) {
  const { t } = useTranslation();
  const l = useL10n();
  const ind = (e: Evaluation['ranking'][number], id: string) => e.indicators.find((i) => i.id === id);
  return (
    <DataTable label={t('nav.oversight.evaluation')}
      size="small"
      rowKey="code"
      pagination={false}
      data-testid="ov-eval-ranking"
      dataSource={data.ranking}
      columns={[
        { title: t('ov.eval.rankCol'), dataIndex: 'rank', width: 70 },
        { title: t('ov.region'), dataIndex: 'name', render: (v: string, r) => <Link to={`${linkBase}/regions/${r.code}`}>{v}</Link> },
        { title: t('ov.eval.score'), dataIndex: 'score', align: 'right', render: (v: number) => formatValue(v, 'score') },
        { title: t('ov.eval.grade'), dataIndex: 'grade', render: (g: L10n | null) => (g ? <Tag color="blue">{l(g)}</Tag> : '—') },
        { title: t('ov.eval.changeCol'), dataIndex: 'change', align: 'right', render: (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : ''}${v}`) },
        { title: t('ov.eval.weakest'), key: 'w', render: (_: unknown, r) => r.weakest.map((id) => l(ind(r, id)?.name)).join('、') },
      ]}
    />
  );
}

export function RegionScore({ data }: { data: Evaluation }) {
  const { t } = useTranslation();
  const l = useL10n();
  const o = data.overall;
  if (!o) return null;
  return (
    <>
      <Card className="yw-block-sm" data-testid="ov-region-score">
        <Space wrap size="large" align="center">
          <span className="ov-score">{formatValue(o.score, 'score')}</span>
          {o.grade ? <Tag color="blue">{l(o.grade)}</Tag> : null}
          {data.rank ? <span>{t('ov.eval.rank', { rank: data.rank.rank, of: data.rank.of })}</span> : null}
          <span>{t('ov.eval.change', { change: o.change === null ? '—' : `${o.change > 0 ? '+' : ''}${o.change}` })}</span>
          <span className="ov-meta">{t('ov.eval.coverage', { share: Math.round(o.coverage * 100) })}</span>
        </Space>
      </Card>
      <h2 className="yw-section-title">{t('ov.eval.weakest')}</h2>
      <ol data-testid="ov-weakest">
        {o.weakest.map((id) => {
          const i = o.indicators.find((x) => x.id === id)!;
          return (
            <li key={id}>
              {l(i.name)}：{formatValue(i.value, 'score')}（{t('ov.eval.floorTarget', { floor: i.floor, target: i.target })}）
            </li>
          );
        })}
      </ol>
      <h2 className="yw-section-title">{t('ov.eval.indicators')}</h2>
      <DataTable label={t('ov.eval.indicators')}
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={o.indicators}
        columns={[
          { title: t('ov.eval.indicator'), key: 'n', render: (_: unknown, i) => l(i.name) },
          { title: t('ov.eval.dimension'), dataIndex: 'dimension', render: (d: string) => l(o.dimensions.find((x) => x.id === d)?.name) },
          { title: t('ov.value'), dataIndex: 'value', align: 'right', render: (v: number | null, i) => (i.available ? formatValue(v, 'score') : <Tag>{t('ov.unavailable')}</Tag>) },
          { title: t('ov.eval.weight'), dataIndex: 'weight', align: 'right' },
          { title: t('ov.eval.points'), dataIndex: 'points', align: 'right', render: (v: number | null) => formatValue(v, 'score') },
        ]}
      />
    </>
  );
}

export function EvaluationPage({ pub = false }: { pub?: boolean }) {
  const { t } = useTranslation();
  const l = useL10n();
  usePageTitle(t('nav.oversight.evaluation'));
  const { data, error, loading } = useLoad(() => oversightApi.evaluation(undefined, pub), [pub]);
  return (
    <div className="yw-page" data-testid="ov-evaluation">
      <h1 className="yw-page-title">{t('nav.oversight.evaluation')}</h1>
      <ErrorBox error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <Tag color="orange" className="yw-tag-wrap" data-testid="self-assessment">{l(data.label)}</Tag>
          <p className="ov-meta">{t('ov.eval.meta', { region: data.regionName, from: data.period.from, to: data.period.to, version: data.version })}</p>
          {data.unavailable.length ? <p className="ov-meta">{t('ov.eval.unavailable', { list: data.unavailable.map((u) => l(u.name)).join('、') })}</p> : null}
          <EvaluationTable data={data} linkBase={pub ? '/evaluation' : '/oversight/evaluation'} />
          <p className="yw-block-sm">
            <Link to="/evaluation/methodology">{t('ov.eval.methodology')}</Link>
          </p>
        </>
      ) : null}
    </div>
  );
}

export function RegionEvaluationPage({ pub = false }: { pub?: boolean }) {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const l = useL10n();
  const { data, error, loading } = useLoad(() => oversightApi.regionEvaluation(code, pub), [code, pub]);
  usePageTitle(data?.regionName ?? t('nav.oversight.evaluation'));
  return (
    <div className="yw-page" data-testid="ov-region-evaluation">
      <Breadcrumb className="yw-block-sm" items={[{ title: <Link to={pub ? '/evaluation' : '/oversight/evaluation'}>{t('nav.oversight.evaluation')}</Link> }, { title: data?.regionName }]} />
      <h1 className="yw-page-title">{data?.regionName ?? code}</h1>
      <ErrorBox error={error} />
      {loading && !data ? <Loading /> : null}
      {data ? (
        <>
          <Tag color="orange" className="yw-tag-wrap">{l(data.label)}</Tag>
          <p className="ov-meta">{t('ov.eval.meta', { region: data.regionName, from: data.period.from, to: data.period.to, version: data.version })}</p>
          <RegionScore data={data} />
        </>
      ) : null}
    </div>
  );
}

export function MethodologyPage() {
  const { t } = useTranslation();
  const l = useL10n();
  usePageTitle(t('ov.eval.methodology'));
  const { data, error } = useLoad(() => oversightApi.methodology(), []);
  return (
    <div className="yw-page" data-testid="ov-methodology">
      <h1 className="yw-page-title">{t('ov.eval.methodology')}</h1>
      <ErrorBox error={error} />
      {data ? (
        <>
          <Tag color="orange" className="yw-tag-wrap">{t('ov.eval.selfAssessment')}</Tag>
          <p>{l(data.name)}（{t('ov.eval.version', { version: data.version, at: new Date(data.versionCreatedAt).toLocaleString() })}）</p>
          <p>{l(data.scoring)}</p>
          <h2 className="yw-section-title">{t('ov.eval.grades')}</h2>
          <ul>
            {data.grades.map((g: { label: L10n; min: number | null; strict: boolean }, i: number) => (
              <li key={i}>
                {l(g.label)}：{g.min === null ? t('ov.eval.below', { min: data.grades[i - 1]?.min ?? 0 }) : `${g.strict ? '>' : '≥'} ${g.min}`}
              </li>
            ))}
          </ul>
          <h2 className="yw-section-title">{t('ov.eval.indicators')}</h2>
          <DataTable label={t('ov.eval.indicators')}
            size="small"
            rowKey="id"
            pagination={false}
            data-testid="ov-methodology-table"
            dataSource={data.indicators as { id: string; name: L10n; formula: L10n; dimension: string }[]}
            columns={[
              { title: t('ov.eval.dimension'), dataIndex: 'dimension', render: (d: string) => l(data.dimensions.find((x: { id: string }) => x.id === d)?.name) },
              { title: t('ov.eval.indicator'), key: 'n', render: (_: unknown, i: { name: L10n; formula: L10n }) => l(i.name) },
              { title: t('ov.formula'), key: 'f', render: (_: unknown, i: { name: L10n; formula: L10n }) => l(i.formula) },
              { title: t('ov.eval.floorCol'), dataIndex: 'floor', align: 'right' as const },
              { title: t('ov.eval.targetCol'), dataIndex: 'target', align: 'right' as const },
              { title: t('ov.eval.weight'), dataIndex: 'weight', align: 'right' as const },
              { title: t('ov.status'), dataIndex: 'available', render: (a: boolean) => (a ? t('ov.available') : <Tag>{t('ov.unavailable')}</Tag>) },
            ]}
          />
          <h2 className="yw-section-title">{t('ov.eval.dataTimes')}</h2>
          <ul>
            {data.freshness.sources.map((s: { source: string; refreshedAt: string }) => (
              <li key={s.source}>
                {s.source}：{new Date(s.refreshedAt).toLocaleString()}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

export function ServiceBoard({ focus }: { focus: 'reviews' | 'inquiries' }) {
  const { t } = useTranslation();
  return <BoardPage board="service" heading={t(`nav.oversight.${focus}`)} testId={`ov-${focus}`} tabs={false} />;
}
