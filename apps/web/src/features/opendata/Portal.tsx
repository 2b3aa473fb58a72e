/**
 * The open data portal (数据开放): search with facets, a dataset page (metadata, quality, preview
 * table, chart, downloads, API docs, rating, conditional-access application), data requests and
 * statistics. Mounted publicly at /open-data/* and in the citizen portal at /portal/open-data/*.
 */
import { useMemo, useState } from 'react';
import { Alert, Button, Card, Checkbox, Col, Descriptions, Form, Input, List, Pagination, Rate, Row, Space, Statistic, Tag } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession, oidcLoginUrl } from '../../auth';
import { usePrefs } from '../../prefs';
import { Loading, NotFound } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { ErrorAlert, useLoad } from '../applications/common';
import { fmtDate, odApi, type Pkg, type Rows } from './model';
import { DataTable } from '../../components/DataTable';

const FACETS = ['organization', 'groups', 'res_format', 'access_level', 'tags'] as const;
const PAGE = 10;

export function OpenDataPortal({ base }: { base: string }) {
  return (
    <Routes>
      <Route index element={<SearchPage base={base} />} />
      <Route path="datasets/:name" element={<DatasetPage base={base} />} />
      <Route path="requests" element={<RequestsPage base={base} />} />
      <Route path="statistics" element={<StatsPage base={base} />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function SubNav({ base }: { base: string }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('od.title')} className="yw-block-sm">
      <Space wrap>
        <Link to={base}>{t('od.nav.catalog')}</Link>
        <Link to={`${base}/requests`}>{t('od.nav.requests')}</Link>
        <Link to={`${base}/statistics`}>{t('od.nav.statistics')}</Link>
      </Space>
    </nav>
  );
}

/** Links inside running text are underlined (WCAG 1.4.1: not by colour alone). */
const UNDERLINE = { textDecoration: 'underline' } as const;

/** Tag colours dark enough on their tint for WCAG AA (antd's preset tags are not). */
export const TONES = {
  green: { color: '#135200', background: '#f6ffed', borderColor: '#b7eb8f' },
  blue: { color: '#003a8c', background: '#e6f4ff', borderColor: '#91caff' },
  orange: { color: '#873800', background: '#fff7e6', borderColor: '#ffd591' },
  red: { color: '#820014', background: '#fff1f0', borderColor: '#ffa39e' },
} as const;

function AccessTag({ level }: { level: Pkg['access_level'] }) {
  const { t } = useTranslation();
  return <Tag style={TONES[level === 'open' ? 'green' : level === 'account' ? 'blue' : 'orange']}>{t(`od.access.${level}`)}</Tag>;
}

function SearchPage({ base }: { base: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('od.title'));
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1');
  const chosen = FACETS.flatMap((f) => params.getAll(f).map((v) => [f, v] as const));
  const query = useMemo(() => {
    const u = new URLSearchParams({ rows: String(PAGE), start: String((page - 1) * PAGE), facets: FACETS.join(',') });
    if (q) u.set('q', q);
    const fq = chosen.map(([f, v]) => `${f}:"${v.replace(/"/g, '')}"`).join(' ');
    if (fq) u.set('fq', fq);
    return u;
  }, [q, page, params.toString()]); // eslint-disable-line react-hooks/exhaustive-deps
  const { data, error } = useLoad(() => odApi.search(query), [query.toString()]);
  const set = (mut: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(params);
    mut(p);
    p.delete('page');
    setParams(p);
  };
  return (
    <div className="yw-page" data-testid="od-search">
      <h1 className="yw-page-title">{t('od.title')}</h1>
      <p className="yw-lead">{t('od.lead')}</p>
      <SubNav base={base} />
      <Input.Search
        className="yw-block-sm"
        defaultValue={q}
        aria-label={t('od.searchPlaceholder')}
        placeholder={t('od.searchPlaceholder')}
        enterButton={t('od.search')}
        allowClear
        data-testid="od-search-input"
        onSearch={(v) => set((p) => (v ? p.set('q', v) : p.delete('q')))}
      />
      <ErrorAlert error={error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} md={7}>
          {data &&
            FACETS.map((f) => {
              const items = data.search_facets[f]?.items ?? [];
              if (!items.length) return null;
              return (
                <Card key={f} size="small" title={<h2 className="od-facet-title">{t(`od.facets.${f}`)}</h2>} className="yw-block-sm" data-testid={`od-facet-${f}`}>
                  {items.slice(0, 10).map((i) => {
                    const on = params.getAll(f).includes(i.name);
                    return (
                      <div key={i.name} data-testid="od-facet-item" data-value={i.name}>
                        <Checkbox
                          checked={on}
                          onChange={() => set((p) => {
                            const rest = p.getAll(f).filter((x) => x !== i.name);
                            p.delete(f);
                            for (const x of on ? rest : [...rest, i.name]) p.append(f, x);
                          })}
                        >
                          {f === 'access_level' ? t(`od.access.${i.name}`) : i.display_name} ({data.facets_were_estimated ? '≈' : ''}{i.count})
                        </Checkbox>
                      </div>
                    );
                  })}
                </Card>
              );
            })}
          {chosen.length > 0 && <Button onClick={() => setParams(q ? { q } : {})}>{t('od.clear')}</Button>}
        </Col>
        <Col xs={24} md={17}>
          {!data ? (
            <Loading />
          ) : (
            <>
              <p data-testid="od-count" aria-live="polite">{t(data.count_was_estimated ? 'od.foundAbout' : 'od.found', { count: data.count })}</p>
              <List
                dataSource={data.results}
                renderItem={(d) => (
                  <List.Item data-testid="od-result" data-name={d.name}>
                    <List.Item.Meta
                      title={
                        <Link to={`${base}/datasets/${d.name}`} data-testid="od-result-link">
                          {d.title}
                        </Link>
                      }
                      description={
                        <>
                          <div className="od-notes">{d.notes}</div>
                          <Space wrap size={4}>
                            <AccessTag level={d.access_level} />
                            <span>{d.organization.title}</span>
                            <span>·</span>
                            <span>{d.resources.map((r) => r.format).join(' / ')}</span>
                            <span>·</span>
                            <span>{t('od.quality')} {d.quality.score}</span>
                            <span>·</span>
                            <span>{d.rating.average === null ? t('od.ratingNone') : `★ ${d.rating.average}`}</span>
                            <span>·</span>
                            <span>{t('od.updated', { date: fmtDate(d.metadata_modified, lang) })}</span>
                          </Space>
                        </>
                      }
                    />
                  </List.Item>
                )}
              />
              {data.count > PAGE && <Pagination current={page} pageSize={PAGE} total={data.count} showSizeChanger={false} onChange={(n) => setParams((p) => (p.set('page', String(n)), p))} />}
              <p className="yw-block-sm">
                {t('od.catalogFeeds')} <a style={UNDERLINE} href="/api/opendata/dcat/catalog?format=ttl">Turtle</a> · <a style={UNDERLINE} href="/api/opendata/dcat/catalog?format=rdf">RDF/XML</a> · <a style={UNDERLINE} href="/api/opendata/dcat/catalog?format=jsonld">JSON-LD</a> · <a style={UNDERLINE} href="/api/3/action/package_list">CKAN API</a>
              </p>
            </>
          )}
        </Col>
      </Row>
    </div>
  );
}

/** A bar chart (SVG) of the first numeric field summed by the first text field of the preview rows. */
function PreviewChart({ rows, pkg }: { rows: Rows; pkg: Pkg }) {
  const { t } = useTranslation();
  const num = pkg.columns.find((c) => c.type === 'number' || c.type === 'integer');
  const cat = pkg.columns.find((c) => c.type === 'string' && rows.records.some((r) => typeof r[c.name] === 'string') && new Set(rows.records.map((r) => r[c.name])).size < rows.records.length);
  if (!num || !cat) return <p>{t('od.chartNone')}</p>;
  const sums = new Map<string, number>();
  for (const r of rows.records) sums.set(String(r[cat.name] ?? '—'), (sums.get(String(r[cat.name] ?? '—')) ?? 0) + Number(r[num.name] ?? 0));
  const bars = [...sums].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const max = Math.max(...bars.map((b) => b[1]), 1);
  const title = t('od.chartOf', { value: num.label ?? num.name, group: cat.label ?? cat.name });
  const rowH = 26;
  return (
    <figure data-testid="od-chart">
      <svg role="img" aria-labelledby="od-chart-title od-chart-desc" width="100%" height={bars.length * rowH + 10} viewBox={`0 0 600 ${bars.length * rowH + 10}`} preserveAspectRatio="xMinYMin meet">
        <title id="od-chart-title">{title}</title>
        <desc id="od-chart-desc">{bars.map(([k, v]) => `${k}: ${v}`).join('; ')}</desc>
        {bars.map(([k, v], i) => (
          <g key={k} transform={`translate(0, ${i * rowH + 4})`}>
            <text x="150" y="15" textAnchor="end" fontSize="13" fill="#1f1f1f">{k.length > 12 ? `${k.slice(0, 12)}…` : k}</text>
            <rect x="158" y="2" height="18" width={Math.max(2, (v / max) * 360)} fill="#1358b5" />
            <text x={164 + (v / max) * 360} y="15" fontSize="12" fill="#1f1f1f">{Math.round(v * 100) / 100}</text>
          </g>
        ))}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

function DatasetPage({ base }: { base: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  const { name = '' } = useParams();
  const ds = useLoad(() => odApi.dataset(name), [name, !!me]);
  const d = ds.data;
  usePageTitle(d?.title ?? t('od.title'));
  const rows = useLoad(async () => (d?.access?.allowed ? odApi.rows(d.name) : null), [d?.id, d?.access?.allowed]);
  const ratings = useLoad(() => odApi.ratings(name), [name]);
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [purpose, setPurpose] = useState('');
  const [accept, setAccept] = useState(false);
  if (ds.error) return <div className="yw-page"><ErrorAlert error={ds.error} /></div>;
  if (!d) return <Loading />;
  const api = d.resources.find((r) => r.format === 'API');
  const dims = Object.entries(d.quality.dimensions);
  const returnTo = typeof window !== 'undefined' ? window.location.pathname : base;
  return (
    <div className="yw-page" data-testid="od-dataset" data-name={d.name}>
      <p><Link to={base} style={UNDERLINE}>← {t('od.back')}</Link></p>
      <h1 className="yw-page-title">{d.title}</h1>
      <Space wrap className="yw-block-sm">
        <AccessTag level={d.access_level} />
        {d.groups.map((g) => <Tag key={g.name}>{g.display_name}</Tag>)}
      </Space>
      <p className="yw-lead">{d.notes}</p>
      <ErrorAlert error={actionError} onClose={() => setActionError(null)} />
      {done && <Alert type="success" showIcon title={done} className="yw-block-sm" role="status" data-testid="od-done" />}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <Descriptions bordered size="small" column={1} className="yw-block-sm" data-testid="od-meta">
            <Descriptions.Item label={t('od.publisher')}>{d.organization.title}</Descriptions.Item>
            <Descriptions.Item label={t('od.licence')}><a href={d.license_url} style={UNDERLINE}>{d.license_title}</a></Descriptions.Item>
            <Descriptions.Item label={t('od.frequency')}>{lang.startsWith('zh') ? d.frequency_label.zh : d.frequency_label.en}</Descriptions.Item>
            <Descriptions.Item label={t('od.tags')}>{d.tags.map((x) => x.name).join('、') || '—'}</Descriptions.Item>
            <Descriptions.Item label={t('od.spatial')}>{d.spatial ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('od.temporal')}>{d.temporal.start || d.temporal.end ? `${d.temporal.start ?? '…'} – ${d.temporal.end ?? '…'}` : '—'}</Descriptions.Item>
            <Descriptions.Item label={t('od.rows')}>{d.row_count === null ? '—' : t('od.rowsValue', { count: d.row_count })}</Descriptions.Item>
            <Descriptions.Item label={t('od.modified')}>{fmtDate(d.metadata_modified, lang)}</Descriptions.Item>
          </Descriptions>
          {d.documentation && (
            <>
              <h2>{t('od.documentation')}</h2>
              <p>{d.documentation}</p>
            </>
          )}
        </Col>
        <Col xs={24} lg={8}>
          <Card size="small" className="yw-block-sm">
            <Statistic title={t('od.quality')} value={d.quality.score} suffix="/ 100" />
            <ul className="od-dims" data-testid="od-quality">
              {dims.map(([k, v]) => <li key={k}>{t(`od.qualityDims.${k}`)}：{Math.round(v * 100)}%</li>)}
            </ul>
            <Statistic title={t('od.rating')} value={d.rating.average ?? '—'} suffix={d.rating.count ? `(${t('od.ratingCount', { count: d.rating.count })})` : ''} />
          </Card>
        </Col>
      </Row>

      <h2>{t('od.download')}</h2>
      {d.access?.allowed ? (
        <Space wrap className="yw-block-sm" data-testid="od-downloads">
          {(['csv', 'json', 'xlsx'] as const).map((f) => (
            <Button key={f} icon={<DownloadOutlined aria-hidden="true" />} href={`/api/opendata/datasets/${d.name}/download/${f}`} data-testid={`od-download-${f}`}>
              {f.toUpperCase()}
            </Button>
          ))}
        </Space>
      ) : d.access_level === 'account' || !me ? (
        <Alert type="info" showIcon className="yw-block-sm" title={t('od.signInToUse')} action={<a href={oidcLoginUrl('person', returnTo)}>{t('od.signIn')}</a>} />
      ) : (
        <Card size="small" className="yw-block-sm" data-testid="od-apply">
          <p>{t('od.conditionalLead')}</p>
          {d.terms && <p><strong>{t('od.terms')}：</strong>{d.terms}</p>}
          <Form layout="vertical" onFinish={async () => {
            try {
              await odApi.apply(d.name, purpose);
              setDone(t('od.applied'));
            } catch (e) {
              setActionError(e);
            }
          }}>
            <Form.Item label={t('od.purpose')} required>
              <Input.TextArea value={purpose} onChange={(e) => setPurpose(e.target.value)} rows={2} maxLength={2000} />
            </Form.Item>
            <Form.Item>
              <Checkbox checked={accept} onChange={(e) => setAccept(e.target.checked)}>{t('od.acceptTerms')}</Checkbox>
            </Form.Item>
            <Button type="primary" htmlType="submit" disabled={!accept || purpose.trim().length < 5}>{t('od.apply')}</Button>
          </Form>
        </Card>
      )}

      {d.access?.allowed && (
        <>
          <h2>{t('od.preview')}</h2>
          <ErrorAlert error={rows.error} />
          {rows.data && (
            <>
              <p>{t('od.previewLead', { count: rows.data.records.length, total: rows.data.total ?? '—', estimated: rows.data.total_was_estimated ? t('od.estimated') : '' })}</p>
              <DataTable label={t('od.preview')}
                size="small"
                pagination={false}
                rowKey={(r) => String(r._id)}
                dataSource={rows.data.records}
                data-testid="od-preview"
                columns={d.columns.map((c) => ({ title: c.label ?? c.name, dataIndex: c.name, key: c.name, render: (v: unknown) => (v === null || v === undefined ? '' : String(v)) }))}
              />
              <h2>{t('od.chart')}</h2>
              <PreviewChart rows={rows.data} pkg={d} />
            </>
          )}
        </>
      )}

      <h2>{t('od.api')}</h2>
      <p>{t('od.apiLead', { anon: 120, token: 600 })}</p>
      <pre className="od-code" data-testid="od-api-docs">{`# CKAN Action API
GET /api/3/action/package_show?id=${d.name}
GET /api/3/action/datastore_search?resource_id=${api?.id ?? '…'}&limit=100
GET /api/3/action/datastore_search?resource_id=${api?.id ?? '…'}&filters={"${d.columns[0]?.name ?? 'field'}":"…"}&sort=${d.columns[0]?.name ?? '_id'} asc
  → result.records, result.total (total_was_estimated), result._links.next (keyset cursor)

# REST
GET /api/opendata/datasets/${d.name}/rows?limit=100&fields=${d.columns.slice(0, 2).map((c) => c.name).join(',')}
GET /api/opendata/datasets/${d.name}/download/csv | json | xlsx
GET /api/opendata/datasets/${d.name}/dcat?format=ttl | rdf | jsonld`}</pre>
      <DataTable label={t('od.apiFields')}
        size="small"
        pagination={false}
        rowKey="name"
        className="yw-block-sm"
        caption={t('od.apiFields')}
        dataSource={d.columns}
        columns={[
          { title: t('od.field'), dataIndex: 'name', key: 'name', render: (v: string) => <code>{v}</code> },
          { title: t('od.fieldLabel'), dataIndex: 'label', key: 'label' },
          { title: t('od.fieldType'), dataIndex: 'type', key: 'type' },
        ]}
      />

      <h2>{t('od.rate')}</h2>
      {me ? (
        <Form layout="vertical" className="yw-block-sm" data-testid="od-rate" onFinish={async () => {
          try {
            await odApi.rate(d.name, stars, comment);
            setDone(t('od.rated'));
            await Promise.all([ds.reload(), ratings.reload()]);
          } catch (e) {
            setActionError(e);
          }
        }}>
          <Form.Item label={t('od.stars')}>
            <Rate value={stars} onChange={setStars} aria-label={t('od.stars')} />
          </Form.Item>
          <Form.Item label={t('od.comment')}>
            <Input.TextArea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} maxLength={1000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" disabled={!stars}>{t('od.submitRating')}</Button>
        </Form>
      ) : (
        <p>{t('od.signInToRate')} <a href={oidcLoginUrl('person', returnTo)} style={UNDERLINE}>{t('od.signIn')}</a></p>
      )}
      {ratings.data && ratings.data.items.length > 0 && (
        <>
          <h3>{t('od.feedback')}</h3>
          <List size="small" dataSource={ratings.data.items} renderItem={(r) => <List.Item>{'★'.repeat(r.stars)} {r.comment} — {r.by}, {fmtDate(r.at, lang)}</List.Item>} />
        </>
      )}
    </div>
  );
}

function RequestsPage({ base }: { base: string }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  usePageTitle(t('od.requests'));
  const list = useLoad(() => odApi.requests(), []);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [form] = Form.useForm();
  return (
    <div className="yw-page" data-testid="od-requests">
      <h1 className="yw-page-title">{t('od.requests')}</h1>
      <p className="yw-lead">{t('od.requestsLead')}</p>
      <SubNav base={base} />
      <ErrorAlert error={error ?? list.error} onClose={() => setError(null)} />
      {sent && <Alert type="success" showIcon role="status" title={sent} className="yw-block-sm" />}
      {me ? (
        <Card size="small" title={<h2 className="od-facet-title">{t('od.newRequest')}</h2>} className="yw-block-sm">
          <Form form={form} layout="vertical" onFinish={async (v: { title: string; description: string; purpose?: string }) => {
            try {
              const r = await odApi.createRequest(v);
              setSent(t('od.requestSent', { dept: r.department?.name ?? '—', due: fmtDate(r.dueAt, lang) }));
              form.resetFields();
              await list.reload();
            } catch (e) {
              setError(e);
            }
          }}>
            <Form.Item name="title" label={t('od.reqTitle')} rules={[{ required: true, min: 2, max: 200 }]}><Input /></Form.Item>
            <Form.Item name="description" label={t('od.reqDescription')} rules={[{ required: true, min: 5, max: 2000 }]}><Input.TextArea rows={3} /></Form.Item>
            <Form.Item name="purpose" label={t('od.reqPurpose')}><Input /></Form.Item>
            <Button type="primary" htmlType="submit">{t('od.submit')}</Button>
          </Form>
        </Card>
      ) : (
        <p>{t('od.signInToRequest')} <a href={oidcLoginUrl('person', `${base}/requests`)} style={UNDERLINE}>{t('od.signIn')}</a></p>
      )}
      {list.data && (
        <List
          dataSource={list.data.items}
          renderItem={(r) => (
            <List.Item data-testid="od-request">
              <List.Item.Meta
                title={<>{r.title} <Tag>{t(`od.status.${r.status}`)}</Tag>{r.overdue && <Tag style={TONES.red}>{t('od.overdue')}</Tag>}</>}
                description={
                  <>
                    <div>{r.description}</div>
                    <div>{r.department?.name} · {t('od.due', { date: fmtDate(r.dueAt, lang) })}</div>
                    {r.matches.length > 0 && <div>{t('od.matches')}：{r.matches.map((m) => `${m.title}${m.open ? '' : `（${t('od.notOpenYet')}）`}`).join('、')}</div>}
                    {r.answer && <div>{t('od.answer')}：{r.answer}</div>}
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
    </div>
  );
}

function StatsPage({ base }: { base: string }) {
  const { t } = useTranslation();
  usePageTitle(t('od.statistics'));
  const { data, error } = useLoad(() => odApi.stats(), []);
  return (
    <div className="yw-page" data-testid="od-stats">
      <h1 className="yw-page-title">{t('od.statistics')}</h1>
      <p className="yw-lead">{t('od.statsLead')}</p>
      <SubNav base={base} />
      <ErrorAlert error={error} />
      {!data ? (
        <Loading />
      ) : (
        <>
          <Space size="large" wrap className="yw-block-sm">
            <Statistic title={t('od.views')} value={data.totals.views} />
            <Statistic title={t('od.downloads')} value={data.totals.downloads} />
            <Statistic title={t('od.apiCalls')} value={data.totals.apiCalls} />
          </Space>
          <DataTable label={t('od.department')}
            size="small"
            rowKey="departmentId"
            pagination={false}
            className="yw-block-sm"
            caption={t('od.department')}
            dataSource={data.departments}
            columns={[
              { title: t('od.department'), dataIndex: 'department', key: 'd' },
              { title: t('od.datasets'), dataIndex: 'datasets', key: 'n' },
              { title: t('od.views'), dataIndex: 'views', key: 'v' },
              { title: t('od.downloads'), dataIndex: 'downloads', key: 'dl' },
              { title: t('od.apiCalls'), dataIndex: 'apiCalls', key: 'a' },
            ]}
          />
          <DataTable label={t('od.dataset')}
            size="small"
            rowKey="datasetId"
            pagination={false}
            caption={t('od.dataset')}
            dataSource={data.datasets}
            columns={[
              { title: t('od.dataset'), key: 't', render: (_: unknown, r) => (r.name ? <Link to={`${base}/datasets/${r.name}`}>{r.title}</Link> : r.datasetId) },
              { title: t('od.views'), dataIndex: 'views', key: 'v' },
              { title: t('od.downloads'), dataIndex: 'downloads', key: 'dl' },
              { title: t('od.apiCalls'), dataIndex: 'apiCalls', key: 'a' },
            ]}
          />
        </>
      )}
    </div>
  );
}
