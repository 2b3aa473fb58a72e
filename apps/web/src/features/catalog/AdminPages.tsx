/**
 * 事项管理 / 一件事管理 (admin sections `items` and `bundles`): the department's entries with their
 * state; the draft editor (a structured form for the main fields and the materials, JSON for the
 * rest) with the linter's findings next to the fields they concern; save, publish (blocked while
 * errors remain), retire; export a signed package, import one after a dry-run preview.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Checkbox, Form, Input, InputNumber, Modal, Segmented, Select, Space, Switch } from 'antd';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useSession } from '../../auth';
import { Loading, NotFound } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { usePrefs } from '../../prefs';
import { ErrorAlert, loc } from './common';
import { catalogApi, useLoad, type AdminEntry, type Finding } from './model';
import { DataTable } from '../../components/DataTable';

type Kind = 'items' | 'bundles';
type Content = Record<string, unknown>;
type View = 'form' | 'json' | 'versions';

export function CatalogAdminRoutes({ kind }: { kind: Kind }) {
  return (
    <Routes>
      <Route index element={<AdminList kind={kind} />} />
      <Route path="import" element={<ImportPage kind={kind} />} />
      <Route path=":id" element={<Editor kind={kind} />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const cls = status === 'published' ? 'yc-badge-exempt' : status === 'retired' ? 'yc-badge-muted' : 'yc-badge-info';
  return <span className={`yc-badge ${cls}`}>{t(`cat.admin.status.${status}`)}</span>;
}

function AdminList({ kind }: { kind: Kind }) {
  const { t } = useTranslation();
  const { elder } = usePrefs();
  const { me } = useSession();
  const [status, setStatus] = useState<string>('all');
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [exportError, setExportError] = useState<unknown>(null);
  const title = t(kind === 'items' ? 'cat.admin.itemsTitle' : 'cat.admin.bundlesTitle');
  usePageTitle(title);
  // A department admin sees the department's own entries; a platform admin sees all.
  const deptId = me?.account.roles.includes('platform_admin') ? undefined : (me?.account.department?.id ?? undefined);
  const { data, error, loading } = useLoad(() => catalogApi.admin.list(kind, { status: status === 'all' ? undefined : status, q: q || undefined, department: deptId, limit: 200 }), [kind, status, q, deptId]);
  const exportSelected = async () => {
    setExportError(null);
    try {
      const pkg = await catalogApi.admin.exportPackage({
        name: t('cat.admin.packageName'),
        version: '1.0.0',
        items: kind === 'items' ? selected : [],
        bundles: kind === 'bundles' ? selected : [],
      } as never);
      const blob = new Blob([JSON.stringify(pkg, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `catalog-package-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setExportError(e);
    }
  };
  return (
    <div className="yw-page" data-testid={`admin-${kind}`}>
      <h1 className="yw-page-title">{title}</h1>
      <p className="yw-lead">{t('cat.admin.lead')}</p>
      <div className="yc-row yw-block-sm">
        <Segmented
          value={status}
          onChange={(v) => setStatus(String(v))}
          options={['all', 'draft', 'published', 'retired'].map((s) => ({ value: s, label: t(`cat.admin.status.${s}`) }))}
          aria-label={t('cat.admin.filterStatus')}
        />
        <Input.Search allowClear placeholder={t('cat.admin.filterName')} aria-label={t('cat.admin.filterName')} onSearch={setQ} style={{ maxWidth: 280 }} />
        {!elder ? (
          <>
            <Button disabled={!selected.length} onClick={() => void exportSelected()} data-testid="export-package">
              {t('cat.admin.export', { count: selected.length })}
            </Button>
            <Link to="import" className="yw-link-button">
              {t('cat.admin.import')}
            </Link>
          </>
        ) : null}
      </div>
      <ErrorAlert error={error ?? exportError} />
      {loading && !data ? <Loading /> : null}
      <ul className="yc-list" data-testid="admin-list">
        {(data ?? []).map((r) => (
          <li key={r.id} data-testid="admin-row" data-name={r.name}>
            <div className="yc-row">
              {!elder ? (
                <Checkbox
                  checked={selected.includes(r.id)}
                  disabled={r.latestVersion === null}
                  onChange={(e) => setSelected((s) => (e.target.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))}
                  aria-label={t('cat.admin.select', { name: r.name })}
                />
              ) : null}
              <h2 className="yc-list-title yc-grow">
                <Link to={r.id}>{r.name}</Link>
              </h2>
              <StatusBadge status={r.status} />
              {r.hasDraft ? <span className="yc-badge yc-badge-info">{t('cat.admin.hasDraft')}</span> : null}
              {r.lintErrors ? <span className="yc-badge yc-badge-error">{t('cat.admin.errors', { count: r.lintErrors })}</span> : null}
              {r.lintWarnings ? <span className="yc-badge yc-badge-warn">{t('cat.admin.warnings', { count: r.lintWarnings })}</span> : null}
            </div>
            <div className="yc-row yc-meta">
              <span style={{ wordBreak: 'break-all' }}>{r.code}</span>
              {r.latestVersion ? <span>{t('cat.guide.version', { version: r.latestVersion })}</span> : null}
              <span>{t('cat.admin.updated', { time: r.updatedAt.slice(0, 16).replace('T', ' ') })}</span>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Findings whose field is this path or below it (materials/2 shows materials/2/format). */
function FindingsFor({ findings, path, exact = false }: { findings: Finding[]; path: string; exact?: boolean }) {
  const { lang } = usePrefs();
  const mine = findings.filter((f) => f.field !== null && (f.field === path || (!exact && f.field.startsWith(`${path}/`))));
  if (!mine.length) return null;
  return (
    <ul className="yc-findings" data-testid="field-findings" data-field={path}>
      {mine.map((f, i) => (
        <li key={i} className={`yc-finding yc-finding-${f.severity}`} data-rule={f.rule}>
          {loc(lang, f.message)}
        </li>
      ))}
    </ul>
  );
}

/** The fields the structured form shows (findings on any other field are listed at the top). */
const FORM_FIELDS = ['name', 'aliases', 'itemType', 'legalLimit', 'promisedLimit', 'handlingKind', 'visits', 'visitsReason', 'onlineDepth', 'expressDelivery', 'onlinePayment', 'conditions', 'materials', 'description', 'items'];

function Editor({ kind }: { kind: Kind }) {
  const { id } = useParams();
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const navigate = useNavigate();
  const { data, error, loading, setData } = useLoad(() => catalogApi.admin.get(kind, id!), [kind, id]);
  const vocab = useLoad(() => catalogApi.vocabulary(), []);
  const [content, setContent] = useState<Content | null>(null);
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [view, setView] = useState<View>('form');
  usePageTitle(data ? t('cat.admin.editTitle', { name: data.name }) : t('cat.admin.itemsTitle'));

  useEffect(() => {
    if (data && !dirty) {
      const c = (data.draft ?? (data as AdminEntry & { published?: Content | null }).published ?? {}) as Content;
      setContent(structuredClone(c));
      setJson(JSON.stringify(c, null, 2));
    }
  }, [data, dirty]);

  const findings: Finding[] = useMemo(() => {
    const list = data ? (data.draft ? data.draftFindings : data.publishedFindings) : [];
    // A refusal on save names one field: show it where it belongs too.
    if (actionError instanceof ApiError && actionError.field) {
      const field = actionError.field.replace(/^body\//, '');
      return [...list, { rule: actionError.code, severity: 'error', field, message: actionError.messages }];
    }
    return list;
  }, [data, actionError]);
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (!data || !content) return <div className="yw-page">{loading ? <Loading /> : <ErrorAlert error={error} />}</div>;

  const errors = data.draftFindings.filter((f) => f.severity === 'error');
  const update = (patch: (c: Content) => void) => {
    const next = structuredClone(content);
    patch(next);
    setContent(next);
    setJson(JSON.stringify(next, null, 2));
    setDirty(true);
    setSaved(null);
  };
  const act = async (fn: () => Promise<AdminEntry>, message: string) => {
    setBusy(true);
    setActionError(null);
    try {
      const r = await fn();
      setDirty(false);
      setData(r);
      setSaved(message);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  const save = () => act(() => catalogApi.admin.saveDraft(kind, id!, content), t('cat.admin.saved'));
  const publish = () => act(() => catalogApi.admin.publish(kind, id!), t('cat.admin.publishedOk'));
  const retire = () => {
    let reason = '';
    Modal.confirm({
      title: t('cat.admin.retireTitle'),
      content: <Input aria-label={t('cat.admin.retireReason')} placeholder={t('cat.admin.retireReason')} onChange={(e) => (reason = e.target.value)} />,
      okText: t('cat.admin.retire'),
      cancelText: t('cat.admin.cancel'),
      onOk: () => act(() => catalogApi.admin.retire(kind, id!, reason || t('cat.admin.retireDefault')), t('cat.admin.retiredOk')),
    });
  };
  const options = (list?: { code: string; zh: string; en: string }[]) => (list ?? []).map((o) => ({ value: /^\d+$/.test(o.code) ? Number(o.code) : o.code, label: loc(lang, o) }));
  const v = vocab.data ?? {};
  const get = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], content);
  const set = (path: string, value: unknown) =>
    update((c) => {
      const keys = path.split('.');
      let o = c as Record<string, unknown>;
      for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
      o[keys[keys.length - 1]] = value;
    });
  const other = findings.filter((f) => f.field === null || !FORM_FIELDS.some((ff) => f.field === ff || f.field!.startsWith(`${ff}/`)));
  const field = (label: string, path: string, input: React.ReactNode, findingPath = path.replace(/\./g, '/')) => (
    <Form.Item label={label} htmlFor={`f-${path}`} style={{ marginBottom: 14 }}>
      {input}
      <FindingsFor findings={findings} path={findingPath} exact={findingPath === 'materials' || findingPath === 'items'} />
    </Form.Item>
  );
  const materials = (content.materials as Content[] | undefined) ?? [];
  const isItem = kind === 'items';

  return (
    <div className="yw-page" data-testid="catalog-editor">
      <nav className="yc-meta yc-crumbs yw-block-sm" aria-label={t('cat.guide.breadcrumb')}>
        <Link to="..">{t(isItem ? 'cat.admin.itemsTitle' : 'cat.admin.bundlesTitle')}</Link> / {data.name}
      </nav>
      <h1 className="yw-page-title">{t('cat.admin.editTitle', { name: data.name })}</h1>
      <div className="yc-row yw-block-sm">
        <StatusBadge status={data.status} />
        {data.latestVersion ? <span className="yc-meta">{t('cat.admin.latest', { version: data.latestVersion })}</span> : null}
        {data.draft ? <span className="yc-badge yc-badge-info">{t('cat.admin.hasDraft')}</span> : null}
        {data.latestVersion && data.status !== 'retired' ? (
          <Link to={`/services/${isItem ? 'items' : 'bundles'}/${data.id}`} target="_blank" rel="noreferrer">
            {t('cat.admin.viewPublic')}
          </Link>
        ) : null}
      </div>
      <div className="yc-row yw-block-sm" data-testid="editor-actions">
        <Button type="primary" onClick={() => void save()} loading={busy} disabled={!dirty} data-testid="save-draft">
          {t('cat.admin.save')}
        </Button>
        <Button onClick={() => void publish()} disabled={busy || dirty || !data.draft || errors.length > 0} data-testid="publish">
          {t('cat.admin.publish')}
        </Button>
        {data.draft && !elder ? (
          <Button onClick={() => void act(() => catalogApi.admin.discardDraft(kind, id!), t('cat.admin.discarded'))} disabled={busy}>
            {t('cat.admin.discard')}
          </Button>
        ) : null}
        {data.status === 'published' ? (
          <Button danger onClick={retire} disabled={busy} data-testid="retire">
            {t('cat.admin.retire')}
          </Button>
        ) : null}
      </div>
      <div role="status" aria-live="polite">
        {saved ? <Alert type="success" showIcon className="yw-block-sm" title={saved} data-testid="editor-saved" /> : null}
        {dirty ? <p className="yc-meta">{t('cat.admin.unsaved')}</p> : null}
        {data.draft && errors.length ? (
          <Alert type="warning" showIcon className="yw-block-sm" title={t('cat.admin.publishBlocked', { count: errors.length })} data-testid="publish-blocked" />
        ) : null}
      </div>
      <ErrorAlert error={actionError} />
      {other.length ? (
        <section aria-labelledby="other-findings" className="yw-block-sm">
          <h2 id="other-findings" className="yw-card-title">{t('cat.admin.otherFindings')}</h2>
          <ul className="yc-findings">
            {other.map((f, i) => (
              <li key={i} className={`yc-finding yc-finding-${f.severity}`} data-rule={f.rule}>
                {f.field ? <code>{f.field}</code> : null} {loc(lang, f.message)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <Segmented
        className="yw-block-sm"
        value={view}
        onChange={(x) => setView(x as View)}
        options={[
          { value: 'form', label: t('cat.admin.tabForm') },
          { value: 'json', label: t('cat.admin.tabJson') },
          { value: 'versions', label: t('cat.admin.tabVersions') },
        ]}
        aria-label={t('cat.admin.view')}
      />
      {view === 'form' ? (
              <Form layout="vertical" component="div">
                <div className="yc-editor-grid">
                  {field(t('cat.admin.f.name'), 'name', <Input id="f-name" value={String(get('name') ?? '')} onChange={(e) => set('name', e.target.value)} data-testid="field-name" />)}
                  {field(
                    t('cat.admin.f.aliases'),
                    'aliases',
                    <Input id="f-aliases" value={((get('aliases') as string[]) ?? []).join('，')} onChange={(e) => set('aliases', e.target.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean))} />,
                  )}
                  {isItem ? (
                    <>
                      {field(t('cat.admin.f.itemType'), 'itemType', <Select id="f-itemType" value={get('itemType') as string} options={options(v.itemTypes)} onChange={(x) => set('itemType', x)} />)}
                      {field(t('cat.admin.f.handlingKind'), 'handlingKind', <Select id="f-handlingKind" value={get('handlingKind') as string} options={options(v.handlingKinds)} onChange={(x) => set('handlingKind', x)} />)}
                      {field(t('cat.guide.legal'), 'legalLimit.days', <InputNumber id="f-legalLimit.days" min={0} max={3650} value={get('legalLimit.days') as number} onChange={(x) => set('legalLimit.days', x ?? 0)} />)}
                      {field(t('cat.admin.f.legalNote'), 'legalLimit.note', <Input id="f-legalLimit.note" value={String(get('legalLimit.note') ?? '')} onChange={(e) => set('legalLimit.note', e.target.value)} />)}
                      {field(t('cat.guide.promised'), 'promisedLimit.days', <InputNumber id="f-promisedLimit.days" min={0} max={3650} value={get('promisedLimit.days') as number} onChange={(x) => set('promisedLimit.days', x ?? 0)} data-testid="field-promised" />)}
                      {field(t('cat.admin.f.promisedNote'), 'promisedLimit.note', <Input id="f-promisedLimit.note" value={String(get('promisedLimit.note') ?? '')} onChange={(e) => set('promisedLimit.note', e.target.value)} data-testid="field-promised-note" />)}
                      {field(t('cat.guide.visits'), 'visits', <InputNumber id="f-visits" min={0} max={5} value={get('visits') as number} onChange={(x) => set('visits', x ?? 0)} data-testid="field-visits" />)}
                      {field(t('cat.admin.f.visitsReason'), 'visitsReason', <Input id="f-visitsReason" value={String(get('visitsReason') ?? '')} onChange={(e) => set('visitsReason', e.target.value || undefined)} />)}
                      {field(t('cat.admin.f.depth'), 'onlineDepth', <Select id="f-onlineDepth" value={get('onlineDepth') as number} options={options(v.onlineDepths)} onChange={(x) => set('onlineDepth', x)} data-testid="field-depth" />)}
                      {field(t('cat.guide.express'), 'expressDelivery', <Switch id="f-expressDelivery" checked={Boolean(get('expressDelivery'))} onChange={(x) => set('expressDelivery', x)} />)}
                      {field(t('cat.admin.f.onlinePayment'), 'onlinePayment', <Switch id="f-onlinePayment" checked={Boolean(get('onlinePayment'))} onChange={(x) => set('onlinePayment', x)} />)}
                    </>
                  ) : (
                    field(t('cat.admin.f.description'), 'description', <Input.TextArea id="f-description" rows={3} value={String(get('description') ?? '')} onChange={(e) => set('description', e.target.value)} />)
                  )}
                </div>
                {isItem ? (
                  <>
                    {field(
                      t('cat.guide.conditions'),
                      'conditions',
                      <Input.TextArea id="f-conditions" rows={3} value={((get('conditions') as string[]) ?? []).join('\n')} onChange={(e) => set('conditions', e.target.value.split('\n').filter((s) => s.trim()))} />,
                    )}
                    <h2 className="yw-card-title yw-block">{t('cat.guide.materials')}</h2>
                    <FindingsFor findings={findings} path="materials" exact />
                    <ol className="yc-materials" data-testid="editor-materials">
                      {materials.map((m, i) => {
                        const src = (m.source as { kind: string; licenceType?: string; resource?: string }) ?? { kind: 'applicant' };
                        const setM = (k: string, value: unknown) => update((c) => ((c.materials as Content[])[i][k] = value));
                        return (
                          <li key={i}>
                            <div className="yc-editor-grid">
                              <Form.Item label={t('cat.admin.f.materialName')} htmlFor={`m-${i}-name`} style={{ marginBottom: 8 }}>
                                <Input id={`m-${i}-name`} value={String(m.name ?? '')} onChange={(e) => setM('name', e.target.value)} />
                              </Form.Item>
                              <Form.Item label={t('cat.admin.f.requirement')} htmlFor={`m-${i}-req`} style={{ marginBottom: 8 }}>
                                <Select id={`m-${i}-req`} value={m.requirement as string} onChange={(x) => setM('requirement', x)} options={[{ value: 'required', label: t('cat.admin.required') }, { value: 'conditional', label: t('cat.guide.conditional') }]} />
                              </Form.Item>
                              <Form.Item label={t('cat.admin.f.format')} htmlFor={`m-${i}-format`} style={{ marginBottom: 8 }}>
                                <Select id={`m-${i}-format`} value={m.format as string} onChange={(x) => setM('format', x)} options={options(v.materialFormats)} />
                              </Form.Item>
                              <Form.Item label={t('cat.admin.f.source')} htmlFor={`m-${i}-source`} style={{ marginBottom: 8 }}>
                                <Select
                                  id={`m-${i}-source`}
                                  value={src.kind}
                                  onChange={(x) => setM('source', x === 'elicence' ? { kind: x, licenceType: src.licenceType ?? 'business_licence' } : x === 'shared_data' ? { kind: x, resource: src.resource ?? '' } : { kind: x })}
                                  options={options(v.materialSources)}
                                />
                              </Form.Item>
                              {src.kind === 'elicence' ? (
                                <Form.Item label={t('cat.admin.f.licenceType')} htmlFor={`m-${i}-lt`} style={{ marginBottom: 8 }}>
                                  <Input id={`m-${i}-lt`} value={src.licenceType} onChange={(e) => setM('source', { kind: 'elicence', licenceType: e.target.value })} />
                                </Form.Item>
                              ) : src.kind === 'shared_data' ? (
                                <Form.Item label={t('cat.admin.f.resource')} htmlFor={`m-${i}-res`} style={{ marginBottom: 8 }}>
                                  <Input id={`m-${i}-res`} value={src.resource} onChange={(e) => setM('source', { kind: 'shared_data', resource: e.target.value })} />
                                </Form.Item>
                              ) : null}
                              <Form.Item label={t('cat.admin.f.grade')} htmlFor={`m-${i}-grade`} style={{ marginBottom: 8 }}>
                                <Select id={`m-${i}-grade`} value={m.reuseGrade as string} onChange={(x) => setM('reuseGrade', x)} options={options(v.reuseGrades)} />
                              </Form.Item>
                              <Form.Item label={t('cat.admin.f.copies')} htmlFor={`m-${i}-copies`} style={{ marginBottom: 8 }}>
                                <InputNumber id={`m-${i}-copies`} min={0} max={20} value={m.copies as number} onChange={(x) => setM('copies', x ?? 0)} />
                              </Form.Item>
                            </div>
                            <FindingsFor findings={findings} path={`materials/${i}`} />
                          </li>
                        );
                      })}
                    </ol>
                  </>
                ) : (
                  <FindingsFor findings={findings} path="items" />
                )}
              </Form>
      ) : view === 'json' ? (
              <div>
                <p className="yc-meta">{t('cat.admin.jsonHelp')}</p>
                <Input.TextArea
                  className="yc-json"
                  rows={24}
                  value={json}
                  aria-label={t('cat.admin.tabJson')}
                  data-testid="json-editor"
                  onChange={(e) => {
                    setJson(e.target.value);
                    try {
                      setContent(JSON.parse(e.target.value) as Content);
                      setJsonError(null);
                      setDirty(true);
                      setSaved(null);
                    } catch (err) {
                      setJsonError((err as Error).message);
                    }
                  }}
                />
                {jsonError ? <Alert type="error" title={t('cat.admin.jsonInvalid', { message: jsonError })} /> : null}
              </div>
      ) : (
              <DataTable label={t('cat.admin.tabVersions')}
                rowKey="version"
                size="small"
                pagination={false}
                dataSource={data.versions}
                columns={[
                  { title: t('cat.admin.version'), dataIndex: 'version' },
                  { title: t('cat.admin.publishedAt'), dataIndex: 'publishedAt', render: (x: string) => x.slice(0, 16).replace('T', ' ') },
                ]}
              />
      )}
      <Space className="yw-block">
        <Button onClick={() => navigate('..')}>{t('cat.admin.back')}</Button>
      </Space>
    </div>
  );
}

/** Import a signed package: choose the file, map departments and regions, preview, then import. */
function ImportPage({ kind }: { kind: Kind }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('cat.admin.import'));
  const [pkg, setPkg] = useState<Record<string, unknown> | null>(null);
  const [maps, setMaps] = useState('{\n  "departmentMap": {},\n  "regionMap": {}\n}');
  const [preview, setPreview] = useState<Record<string, unknown> | null>(null);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const body = () => ({ package: pkg, ...(JSON.parse(maps) as object) });
  const run = async (dry: boolean) => {
    setErr(null);
    try {
      if (dry) {
        setPreview(await catalogApi.admin.preview(body()));
        setResult(null);
      } else setResult(await catalogApi.admin.importPackage(body()));
    } catch (e) {
      setErr(e instanceof SyntaxError ? new ApiError(400, 'JSON', { zh: `映射不是有效的 JSON：${e.message}`, en: `The mapping is not valid JSON: ${e.message}` }) : e);
    }
  };
  const rows = (r: Record<string, unknown> | null) => [
    ...(((r?.items as { ref: string; action: string; name: string; changes: string[]; findings: Finding[] }[]) ?? []).map((x) => ({ ...x, type: 'item' }))),
    ...(((r?.bundles as { ref: string; action: string; name: string; changes: string[]; findings?: Finding[] }[]) ?? []).map((x) => ({ ...x, findings: x.findings ?? [], type: 'bundle' }))),
  ];
  return (
    <div className="yw-page" data-testid="catalog-import">
      <nav className="yc-meta yc-crumbs yw-block-sm" aria-label={t('cat.guide.breadcrumb')}>
        <Link to="..">{t(kind === 'items' ? 'cat.admin.itemsTitle' : 'cat.admin.bundlesTitle')}</Link> / {t('cat.admin.import')}
      </nav>
      <h1 className="yw-page-title">{t('cat.admin.import')}</h1>
      <p className="yw-lead">{t('cat.admin.importLead')}</p>
      <Form layout="vertical" component="div">
        <Form.Item label={t('cat.admin.packageFile')} htmlFor="pkg-file">
          <input
            id="pkg-file"
            type="file"
            accept="application/json,.json"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              try {
                setPkg(JSON.parse(await f.text()) as Record<string, unknown>);
                setErr(null);
              } catch {
                setErr(new ApiError(400, 'PACKAGE_NOT_JSON', { zh: '文件不是 JSON 格式的目录包', en: 'The file is not a JSON catalog package' }));
              }
            }}
          />
        </Form.Item>
        <Form.Item label={t('cat.admin.mappings')} htmlFor="pkg-maps" extra={t('cat.admin.mappingsHelp')}>
          <Input.TextArea id="pkg-maps" className="yc-json" rows={6} value={maps} onChange={(e) => setMaps(e.target.value)} />
        </Form.Item>
      </Form>
      <div className="yc-row yw-block-sm">
        <Button disabled={!pkg} onClick={() => void run(true)} data-testid="import-preview">
          {t('cat.admin.preview')}
        </Button>
        <Button type="primary" disabled={!pkg || !preview} onClick={() => void run(false)} data-testid="import-run">
          {t('cat.admin.importRun')}
        </Button>
      </div>
      <ErrorAlert error={err} />
      {(result ?? preview) ? (
        <section aria-labelledby="import-out">
          <h2 id="import-out" className="yw-section-title">{result ? t('cat.admin.imported') : t('cat.admin.previewTitle')}</h2>
          <ul className="yc-list">
            {rows(result ?? preview).map((r) => (
              <li key={r.ref}>
                <div className="yc-row">
                  <strong className="yc-grow">{r.name}</strong>
                  <span className="yc-badge yc-badge-info">{t(`cat.admin.action.${r.action}`)}</span>
                </div>
                {r.changes.length ? <p className="yc-meta">{t('cat.admin.changes', { fields: r.changes.join('、') })}</p> : null}
                <ul className="yc-findings">
                  {r.findings.filter((f) => f.severity !== 'info').map((f, i) => (
                    <li key={i} className={`yc-finding yc-finding-${f.severity}`}>
                      {loc(lang, f.message)}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
