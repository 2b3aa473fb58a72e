/**
 * 经验复用 (good practices) and the department's side of alert work orders.
 * - Supervisors pick a measure and a period, see the departments ranked by the live figure, and
 *   publish what a top-three department did; the figure shown is the server's, with its formula,
 *   data time and counts. Everyone on staff reads the published practices.
 * - The responsible department lists its work orders with their deadlines, accepts (签收) one,
 *   reports its handling; the supervisor closes it (oversight area).
 */
import { useState } from 'react';
import { Alert, Button, Card, Descriptions, Input, Space } from 'antd';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../api';
import { useSession } from '../../auth';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { DataTable } from '../../components/DataTable';
import { ErrorBox, formatValue, lastMonths, useL10n, useLoad } from './common';
import type { L10n, Provenance, WorkOrder } from './model';
import '../reviews/reviews.css';

export interface Practice {
  id: string;
  title: string;
  summary: string;
  body?: string;
  department: string | null;
  measure: string;
  measureName: L10n | null;
  period: { from: string; to: string };
  figure: { value: number; unit: string; rank: number; of: number; regionValue: number | null; counts: Record<string, number>; provenance: Provenance; top: { key: string; label: string; value: number }[] };
  status: 'published' | 'withdrawn';
  publishedBy: string;
  publishedAt: string;
  withdrawNote: string | null;
  views: number;
}

interface MeasureInfo {
  id: string;
  name: L10n;
  unit: string;
  available: boolean;
  higherIsBetter: boolean;
}

export const practicesApi = {
  list: () => get<Practice[]>('/api/oversight/practices'),
  one: (id: string) => get<Practice>(`/api/oversight/practices/${id}`),
  publish: (body: Record<string, string>) => post<Practice>('/api/oversight/practices', body),
  withdraw: (id: string, note: string) => post<Practice>(`/api/oversight/practices/${id}/withdraw`, { note }),
  measures: () => get<MeasureInfo[]>('/api/oversight/measures'),
  ranking: (measure: string, from: string, to: string) => get<{ unit: string; groups: { key: string; label: string; value: number | null }[]; provenance: Provenance }>(`/api/oversight/measures/${measure}?breakdown=department&from=${from}&to=${to}`),
  workOrders: () => get<WorkOrder[]>('/api/oversight/work-orders'),
  workOrder: (id: string) => get<WorkOrder & { acceptedAt: string | null; escalatedAt: string | null }>(`/api/oversight/work-orders/${id}`),
  accept: (id: string) => post<WorkOrder>(`/api/oversight/work-orders/${id}/accept`, {}),
  respond: (id: string, response: string) => post<WorkOrder>(`/api/oversight/work-orders/${id}/respond`, { response }),
};

function FigureLine({ p }: { p: Practice }) {
  const { t } = useTranslation();
  const l = useL10n();
  return (
    <p className="ov-meta" data-testid="practice-figure">
      {l(p.measureName)} {formatValue(p.figure.value, p.figure.unit)} · {t('pr.rank', { rank: p.figure.rank, of: p.figure.of })} · {p.period.from}–{p.period.to}
    </p>
  );
}

/** The list (base: where the pages live — /oversight/practices or /workbench/work-orders/practices). */
export function PracticesList({ base }: { base: string }) {
  const { t } = useTranslation();
  const { me } = useSession();
  usePageTitle(t('nav.oversight.practices'));
  const { data, error, loading } = useLoad(() => practicesApi.list(), []);
  const supervisor = !!me?.account.roles.some((r) => r === 'supervisor' || r === 'platform_admin');
  return (
    <div className="yw-page" data-testid="practices-page">
      <h1 className="yw-page-title">{t('nav.oversight.practices')}</h1>
      <p className="yw-lead">{t('pr.lead')}</p>
      {supervisor && base.startsWith('/oversight') && (
        <Link to={`${base}/new`} data-testid="practice-new">
          {t('pr.new')}
        </Link>
      )}
      <ErrorBox error={error} />
      {loading && !data ? <Loading /> : !data?.length ? <p>{t('pr.empty')}</p> : null}
      {(data ?? []).map((p) => (
        <Card key={p.id} size="small" className="yw-block-sm" data-testid="practice-card" data-status={p.status} title={<h2 className="rv-card-title"><Link to={`${base}/${p.id}`}>{p.title}</Link></h2>}>
          <p>
            {p.department} · {p.publishedBy} · {p.publishedAt.slice(0, 10)} {p.status === 'withdrawn' ? `· ${t('pr.withdrawn')}` : ''}
          </p>
          <p>{p.summary}</p>
          <FigureLine p={p} />
        </Card>
      ))}
    </div>
  );
}

export function PracticePage({ base }: { base: string }) {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const l = useL10n();
  const { me } = useSession();
  const { data, error, loading, setData } = useLoad(() => practicesApi.one(id), [id]);
  const [note, setNote] = useState('');
  const [err, setErr] = useState<unknown>(null);
  usePageTitle(data?.title ?? t('nav.oversight.practices'));
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorBox error={error} />;
  const supervisor = !!me?.account.roles.some((r) => r === 'supervisor' || r === 'platform_admin');
  const prov = data.figure.provenance;
  return (
    <div className="yw-page" data-testid="practice-detail" data-status={data.status}>
      <h1 className="yw-page-title">{data.title}</h1>
      <p className="yw-lead">{data.summary}</p>
      <Descriptions bordered size="small" column={1} className="yw-block-sm">
        <Descriptions.Item label={t('pr.department')}>{data.department}</Descriptions.Item>
        <Descriptions.Item label={t('pr.measure')}>{l(data.measureName)}</Descriptions.Item>
        <Descriptions.Item label={t('pr.figure')}>
          <span data-testid="practice-value">{formatValue(data.figure.value, data.figure.unit)}</span> · {t('pr.rank', { rank: data.figure.rank, of: data.figure.of })} · {t('pr.regionValue', { v: formatValue(data.figure.regionValue, data.figure.unit) })}
        </Descriptions.Item>
        <Descriptions.Item label={t('pr.provenance')}>
          {l(prov.formula)} · {t('pr.snapshot', { at: prov.snapshotAt.slice(0, 19).replace('T', ' ') })} · {Object.entries(data.figure.counts).map(([k, v]) => `${k}=${v}`).join('，')}
        </Descriptions.Item>
        <Descriptions.Item label={t('pr.period')}>
          {data.period.from}–{data.period.to}
        </Descriptions.Item>
        <Descriptions.Item label={t('pr.publishedBy')}>
          {data.publishedBy} · {data.publishedAt.slice(0, 10)}
        </Descriptions.Item>
      </Descriptions>
      <Card title={<h2 className="rv-card-title">{t('pr.body')}</h2>} className="yw-block-sm">
        <div className="pr-body">{data.body}</div>
      </Card>
      {data.status === 'withdrawn' && <Alert type="warning" showIcon title={`${t('pr.withdrawn')}：${data.withdrawNote ?? ''}`} />}
      {supervisor && data.status === 'published' && base.startsWith('/oversight') && (
        <Space.Compact className="yw-block-sm" style={{ width: '100%', maxWidth: 600 }}>
          <Input aria-label={t('pr.withdrawNote')} placeholder={t('pr.withdrawNote')} value={note} onChange={(e) => setNote(e.target.value)} />
          <Button className="sv-btn" onClick={() => practicesApi.withdraw(data.id, note).then(setData, setErr)} data-testid="practice-withdraw">
            {t('pr.withdraw')}
          </Button>
        </Space.Compact>
      )}
      <ErrorBox error={err} />
      <Link to={base}>{t('rv.back')}</Link>
    </div>
  );
}

/** Publish: measure and period → the departments ranked by the live figure → pick one of the top three. */
export function PublishPractice() {
  const { t } = useTranslation();
  const l = useL10n();
  usePageTitle(t('pr.new'));
  const months = lastMonths(12);
  const measures = useLoad(() => practicesApi.measures(), []);
  const [measure, setMeasure] = useState('on_time_rate');
  const [from, setFrom] = useState(months[2]);
  const [to, setTo] = useState(months[0]);
  const [dept, setDept] = useState<string>();
  const [title, setTitle] = useState('');
  const [summary, setSummary] = useState('');
  const [body, setBody] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const [done, setDone] = useState<Practice | null>(null);
  const ranking = useLoad(() => practicesApi.ranking(measure, from, to), [measure, from, to]);
  const m = (measures.data ?? []).find((x) => x.id === measure);
  const ranked = (ranking.data?.groups ?? []).filter((g) => g.value !== null).sort((a, b) => (m?.higherIsBetter === false ? a.value! - b.value! : b.value! - a.value!));
  const sel = (label: string, value: string, onChange: (v: string) => void, options: { value: string; label: string }[], testid: string) => (
    <label className="rv-field">
      <span>{label}</span>
      <select className="rv-select" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testid}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  if (done) {
    return (
      <div className="yw-page">
        <h1 className="yw-page-title">{t('pr.new')}</h1>
        <Alert type="success" showIcon role="status" title={t('pr.published')} data-testid="practice-published" />
        <Link to={`/oversight/practices/${done.id}`}>{done.title}</Link>
      </div>
    );
  }
  return (
    <div className="yw-page" data-testid="practice-publish">
      <h1 className="yw-page-title">{t('pr.new')}</h1>
      <p className="yw-lead">{t('pr.newLead')}</p>
      <div className="rv-grid">
        {sel(t('pr.measure'), measure, setMeasure, (measures.data ?? []).filter((x) => x.available).map((x) => ({ value: x.id, label: l(x.name) })), 'practice-measure')}
        {sel(t('pr.from'), from, setFrom, [...months].reverse().map((x) => ({ value: x, label: x })), 'practice-from')}
        {sel(t('pr.to'), to, setTo, months.map((x) => ({ value: x, label: x })), 'practice-to')}
      </div>
      <ErrorBox error={ranking.error} />
      <DataTable<{ key: string; label: string; value: number | null }>
        label={t('pr.ranking')}
        rowKey="key"
        dataSource={ranked}
        pagination={false}
        locale={{ emptyText: <span className="sv-empty">{t('pr.noRanking')}</span> }}
        onRow={(r) => ({ 'data-testid': 'practice-rank-row', 'data-key': r.key }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('pr.rankCol'), render: (_: unknown, _r, i) => i + 1 },
          { title: t('pr.department'), dataIndex: 'label' },
          { title: t('pr.figure'), render: (_: unknown, r) => formatValue(r.value, ranking.data?.unit ?? '') },
          {
            title: t('pr.choose'),
            render: (_: unknown, r, i) =>
              i < 3 ? (
                <label>
                  <input type="radio" name="practice-dept" checked={dept === r.key} onChange={() => setDept(r.key)} data-testid="practice-pick" /> {t('pr.pick', { name: r.label })}
                </label>
              ) : (
                '—'
              ),
          },
        ]}
      />
      <label className="rv-field">
        <span>{t('pr.title')}</span>
        <Input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={100} data-testid="practice-title" />
      </label>
      <label className="rv-field">
        <span>{t('pr.summary')}</span>
        <Input.TextArea value={summary} onChange={(e) => setSummary(e.target.value)} rows={2} maxLength={500} data-testid="practice-summary" />
      </label>
      <label className="rv-field">
        <span>{t('pr.body')}</span>
        <Input.TextArea value={body} onChange={(e) => setBody(e.target.value)} rows={6} maxLength={10000} data-testid="practice-body" />
      </label>
      <ErrorBox error={err} />
      <Button className="sv-btn" type="primary" onClick={() => practicesApi.publish({ title, summary, body, measure, departmentId: dept ?? '', from, to }).then(setDone, setErr)} data-testid="practice-submit">
        {t('pr.publish')}
      </Button>
    </div>
  );
}

// ---- the department's work orders (workbench) ----------------------------------------------------

export function DeptWorkOrders() {
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.workOrders'));
  const { data, error, loading } = useLoad(() => practicesApi.workOrders(), []);
  return (
    <div className="yw-page" data-testid="dept-work-orders">
      <h1 className="yw-page-title">{t('nav.workbench.workOrders')}</h1>
      <p className="yw-lead">{t('pr.wo.lead')}</p>
      <Link to="practices">{t('pr.wo.readPractices')}</Link>
      <ErrorBox error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <DataTable<WorkOrder & { acceptedAt?: string | null }>
          label={t('nav.workbench.workOrders')}
          rowKey="id"
          dataSource={data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <span className="sv-empty">{t('pr.wo.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': 'wo-row', 'data-number': r.number }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('pr.wo.number'), dataIndex: 'number', render: (v: string, r) => <Link to={r.id}>{v}</Link> },
            { title: t('pr.wo.title'), dataIndex: 'title' },
            { title: t('pr.wo.due'), render: (_: unknown, r) => <span className={r.overdue ? 'pr-overdue' : undefined}>{r.dueDate}{r.overdue ? ` · ${t('pr.wo.overdue')}` : ''}</span> },
            { title: t('pr.wo.status'), render: (_: unknown, r) => (r.status === 'open' && r.acceptedAt ? t('pr.wo.accepted') : t(`ov.woStatus.${r.status}`)) },
          ]}
        />
      )}
    </div>
  );
}

export function DeptWorkOrder() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad(() => practicesApi.workOrder(id), [id]);
  const [text, setText] = useState('');
  const [err, setErr] = useState<unknown>(null);
  usePageTitle(data?.number ?? t('nav.workbench.workOrders'));
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorBox error={error} />;
  const act = (p: Promise<unknown>) =>
    p.then(
      () => {
        setErr(null);
        setText('');
        void reload();
      },
      setErr,
    );
  return (
    <div className="yw-page" data-testid="dept-work-order" data-status={data.status} data-accepted={data.acceptedAt ? 'yes' : 'no'}>
      <h1 className="yw-page-title">
        {t('pr.wo.one')} {data.number}
      </h1>
      <Descriptions bordered size="small" column={1} className="yw-block-sm">
        <Descriptions.Item label={t('pr.wo.title')}>{data.title}</Descriptions.Item>
        <Descriptions.Item label={t('pr.wo.due')}>
          {data.dueDate} {data.overdue ? `· ${t('pr.wo.overdue')}` : ''}
        </Descriptions.Item>
        <Descriptions.Item label={t('pr.wo.status')}>
          <span data-testid="dept-wo-status">{data.status === 'open' && data.acceptedAt ? t('pr.wo.accepted') : t(`ov.woStatus.${data.status}`)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('pr.wo.detail')}>
          {Object.entries(data.detail)
            .filter(([k]) => ['rule', 'measure', 'period', 'value'].includes(k))
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join(' · ')}
        </Descriptions.Item>
        {data.response && <Descriptions.Item label={t('ov.response')}>{data.response}</Descriptions.Item>}
        {data.closeNote && <Descriptions.Item label={t('ov.closeNote')}>{data.closeNote}</Descriptions.Item>}
      </Descriptions>
      <ErrorBox error={err} />
      {data.status === 'open' && !data.acceptedAt && (
        <Button className="sv-btn yw-block-sm" type="primary" onClick={() => act(practicesApi.accept(data.id))} data-testid="wo-accept">
          {t('pr.wo.accept')}
        </Button>
      )}
      {data.status !== 'closed' && (data.acceptedAt || data.status === 'responded') && (
        <Card className="yw-block-sm" title={<h2 className="rv-card-title">{t('pr.wo.report')}</h2>}>
          <label className="rv-field">
            <span>{t('pr.wo.handling')}</span>
            <Input.TextArea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={2000} data-testid="wo-response" />
          </label>
          <Button className="sv-btn" type="primary" onClick={() => act(practicesApi.respond(data.id, text))} data-testid="wo-respond">
            {t('pr.wo.submit')}
          </Button>
          <p className="yw-block-sm">{t('pr.wo.closeNote')}</p>
        </Card>
      )}
      <Link to="..">{t('rv.back')}</Link>
    </div>
  );
}
