/**
 * 在线申请: /portal/applications/new?item=<id> | ?bundle=<id> | ?draft=<applicationId>.
 * Steps: the (merged) form → materials (免提交 ones shown with where they come from; the others
 * uploaded) → review → submit with an Idempotency-Key (kept until the server answers, so a retry
 * after a lost answer never makes a second application) → receipt, and the fee if the item has one.
 * Drafts are saved on the server, so they can be resumed from another device.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Radio, Result, Space, Steps, Tag } from 'antd';
import QRCode from 'qrcode';
import { CheckCircleOutlined, PrinterOutlined, SaveOutlined } from '@ant-design/icons';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError, get } from '../../api';
import { useSession } from '../../auth';
import { usePrefs } from '../../prefs';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { ErrorAlert, formatTime, money } from './common';
import { applicationsApi, loadTarget, loc, newKey, orderedFields, type Application, type ApplyTarget, type FileRef, type MaterialInput } from './model';
import { MaterialUploads } from './Materials';
import { applyServerErrors, cleanValues, fileIdOf, SchemaForm } from './SchemaForm';

const KEY_STORE = 'yiwang.submitKey.';

function storedKey(draftId: string): string {
  try {
    const k = sessionStorage.getItem(KEY_STORE + draftId);
    if (k) return k;
    const fresh = newKey();
    sessionStorage.setItem(KEY_STORE + draftId, fresh);
    return fresh;
  } catch {
    return newKey();
  }
}
function forgetKey(draftId: string) {
  try {
    sessionStorage.removeItem(KEY_STORE + draftId);
  } catch {
    /* ignore */
  }
}

export function ApplyPage() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const [form] = Form.useForm();
  const [matForm] = Form.useForm();
  const itemId = params.get('item');
  const bundleId = params.get('bundle');
  const draftId = params.get('draft');

  const [target, setTarget] = useState<ApplyTarget | null>(null);
  const [draft, setDraft] = useState<Application | null>(null);
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState(0);
  const [saving, setSaving] = useState(false);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitted, setSubmitted] = useState<Application | null>(null);
  // Files handed in per material, and 免提交 materials the source could not provide (upload them after all).
  const [mats, setMats] = useState<Record<string, FileRef[]>>({});
  const [mustUpload, setMustUpload] = useState<string[]>([]);
  // 免提交 from an e-licence: when the holder has several of the type, which one they authorise.
  const [wallet, setWallet] = useState<WalletLicence[]>([]);
  const [licenceChoice, setLicenceChoice] = useState<Record<string, string>>({});
  const loadedFor = useRef<string | null>(null);

  const needsWallet = !!target?.materials.some((m) => m.exempt && m.source.kind === 'elicence');
  useEffect(() => {
    if (!needsWallet) return;
    let cancelled = false;
    get<WalletLicence[]>('/api/licences/wallet')
      .then((list) => !cancelled && setWallet(list.filter((l) => l.status === 'valid')))
      .catch(() => undefined); // without the wallet the server picks the holder's licence itself
    return () => {
      cancelled = true;
    };
  }, [needsWallet]);

  usePageTitle(target ? t('appl.apply.titleOf', { name: target.name }) : t('appl.apply.title'));

  // Load the draft (if resuming) and the item or bundle it applies for.
  useEffect(() => {
    const key = `${itemId}|${bundleId}|${draftId}`;
    if (loadedFor.current === key) return;
    // Saving a new draft puts its id in the URL; nothing to reload then.
    if (draftId && draft?.id === draftId && target) {
      loadedFor.current = key;
      return;
    }
    loadedFor.current = key;
    let cancelled = false;
    (async () => {
      try {
        setLoadError(null);
        if (draftId) {
          const d = await applicationsApi.get(draftId);
          if (d.state !== 'draft') {
            navigate(`/portal/applications/${d.id}`, { replace: true });
            return;
          }
          const tg = d.bundle ? await loadTarget('bundle', d.bundle.id, d.bundle.version) : await loadTarget('item', d.item!.id, d.item!.version);
          if (cancelled) return;
          setDraft(d);
          setTarget(tg);
          setValues(d.formData ?? {});
          form.setFieldsValue(d.formData ?? {});
          matForm.setFieldsValue(d.formData ?? {});
          setMats(matsOfDraft(d, t('appl.materials.fileN')));
          setSavedAt(d.draftSavedAt ?? d.createdAt);
        } else if (itemId || bundleId) {
          const tg = await loadTarget(bundleId ? 'bundle' : 'item', (bundleId ?? itemId)!);
          if (cancelled) return;
          setTarget(tg);
        }
      } catch (e) {
        if (!cancelled) setLoadError(e);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [itemId, bundleId, draftId, draft, target, form, matForm, navigate]);

  const materialFields = useMemo(() => (target ? orderedFields(target.schema).filter(([, s]) => s['x-material']).map(([k]) => k) : []), [target]);

  if (!itemId && !bundleId && !draftId) {
    return (
      <div className="yw-page" data-testid="apply-page">
        <h1 className="yw-page-title">{t('appl.apply.title')}</h1>
        <Alert type="info" showIcon title={t('appl.apply.chooseFirst')} />
        <p className="yw-block">
          <Link to="/portal/services">{t('appl.apply.toServices')}</Link> · <Link to="/portal/bundles">{t('appl.apply.toBundles')}</Link>
        </p>
      </div>
    );
  }
  if (loadError) {
    return (
      <div className="yw-page" data-testid="apply-page">
        <h1 className="yw-page-title">{t('appl.apply.title')}</h1>
        <ErrorAlert error={loadError} />
        <Link to="/portal/applications">{t('appl.detail.back')}</Link>
      </div>
    );
  }
  if (!target) return <Loading />;

  const all = () => ({ ...values, ...cleanValues(form.getFieldsValue(true)), ...cleanValues(matForm.getFieldsValue(true)) });

  function materialInput(): MaterialInput[] {
    const uploaded = Object.entries(mats)
      .filter(([, files]) => files.length)
      .map(([key, files]) => ({ key, fileIds: files.map((f) => f.id) }));
    const chosen = Object.entries(licenceChoice)
      .filter(([key]) => !uploaded.some((u) => u.key === key) && !mustUpload.includes(key))
      .map(([key, licenceId]) => ({ key, licenceId }));
    return [...uploaded, ...chosen];
  }

  async function save(): Promise<Application | null> {
    setSaving(true);
    setError(null);
    try {
      const formData = cleanValues(all());
      let d: Application;
      if (!draft) {
        d = await applicationsApi.createDraft({ ...(target!.kind === 'bundle' ? { bundleId: target!.id } : { itemId: target!.id }), version: target!.version, formData, materials: materialInput() });
        setDraft(d);
        loadedFor.current = `null|null|${d.id}`;
        setParams({ draft: d.id }, { replace: true });
      } else {
        d = await applicationsApi.saveDraft(draft.id, formData, draft.version, materialInput());
        setDraft(d);
      }
      setSavedAt(d.draftSavedAt ?? new Date().toISOString());
      setStale(false);
      return d;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && draft) {
        // Saved meanwhile on another device (or already submitted there).
        setStale(true);
      }
      setError(e);
      return null;
    } finally {
      setSaving(false);
    }
  }

  async function reloadDraft() {
    if (!draft) return;
    const d = await applicationsApi.get(draft.id);
    if (d.state !== 'draft') {
      navigate(`/portal/applications/${d.id}`);
      return;
    }
    setDraft(d);
    setValues(d.formData ?? {});
    form.resetFields();
    form.setFieldsValue(d.formData ?? {});
    matForm.resetFields();
    matForm.setFieldsValue(d.formData ?? {});
    setMats(matsOfDraft(d, t('appl.materials.fileN')));
    setStale(false);
    setError(null);
  }

  async function next() {
    try {
      if (step === 0) await form.validateFields();
      if (step === 1 && materialFields.length) await matForm.validateFields(materialFields);
    } catch {
      return;
    }
    setValues(all());
    await save();
    setStep(step + 1);
    window.scrollTo({ top: 0 });
  }

  async function submit() {
    setSubmitting(true);
    setError(null);
    try {
      const d = draft ?? (await save());
      if (!d) return;
      const key = storedKey(d.id);
      const out = await applicationsApi.submit(d.id, key);
      forgetKey(d.id);
      setSubmitted(out);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'FORM_INVALID') {
        setStep(0);
        setTimeout(() => applyServerErrors(form, e, lang), 0);
      }
      if (e instanceof ApiError && e.code === 'MATERIAL_UPLOAD_REQUIRED') {
        const key = (e.body as { material?: string })?.material;
        if (key) setMustUpload((p) => [...new Set([...p, key])]);
        setStep(1);
      }
      setError(e);
    } finally {
      setSubmitting(false);
    }
  }

  if (submitted) return <Receipt app={submitted} target={target} />;

  const exempt = target.materials.filter((m) => m.exempt && !mustUpload.includes(m.key));
  // Answers an earlier item's result fills in and the form therefore does not ask.
  const notAsked = new Set(target.filledByResults.map((f) => f.field).filter((f) => !target.schema.properties?.[f])).size;
  // Materials handed in as files here (those with an x-material form field are uploaded in the form).
  const uploadable = target.materials.filter(
    (m) => (!m.exempt || mustUpload.includes(m.key)) && !materialFields.some((f) => target.schema.properties?.[f]?.['x-material'] === m.key),
  );
  const missingRequired = uploadable.filter((m) => m.requirement === 'required' && !(mats[m.key] ?? []).length);
  const stepItems = [{ title: t('appl.apply.stepForm') }, { title: t('appl.apply.stepMaterials') }, { title: t('appl.apply.stepReview') }];
  const answers = orderedFields(target.schema).filter(([k, s]) => !s['x-material'] && values[k] !== undefined && values[k] !== '');

  return (
    <div className="yw-page" data-testid="apply-page">
      <h1 className="yw-page-title">{t('appl.apply.titleOf', { name: target.name })}</h1>
      <p className="yw-lead">
        {target.kind === 'bundle' ? t('appl.apply.bundleLead', { count: target.items.length, days: target.promisedDays }) : t('appl.apply.itemLead', { dept: target.department, days: target.promisedDays })}
      </p>
      {me?.actingFor ? <Alert className="yw-block-sm" type="warning" showIcon title={t('appl.apply.actingFor', { principal: me.actingFor.displayName, agent: me.account.displayName })} data-testid="acting-for" /> : null}
      {me?.actingAs ? <Alert className="yw-block-sm" type="info" showIcon title={t('appl.apply.actingAs', { name: me.actingAs.displayName })} /> : null}
      <Steps current={step} items={stepItems} className="yw-block-sm" orientation={elder ? 'vertical' : 'horizontal'} responsive size={elder ? 'default' : 'small'} />
      {stale ? (
        <Alert
          className="yw-block-sm"
          type="warning"
          showIcon
          title={t('appl.apply.stale')}
          action={
            <Button onClick={() => void reloadDraft()} data-testid="reload-draft">
              {t('appl.apply.reloadDraft')}
            </Button>
          }
        />
      ) : (
        <ErrorAlert error={error} onClose={() => setError(null)} />
      )}

      <Card className="yw-card" style={{ display: step === 0 ? undefined : 'none' }}>
        <h2 className="yw-section-title">{t('appl.apply.stepForm')}</h2>
        {target.kind === 'bundle' ? <p className="ya-meta">{t('appl.apply.mergedNote')}</p> : null}
        {notAsked ? <p className="ya-meta">{t('appl.apply.filledByResults', { count: notAsked })}</p> : null}
        <SchemaForm schema={target.schema} form={form} initialValues={values} hideMaterials onValuesChange={(_, v) => setValues((p) => ({ ...p, ...v }))} />
      </Card>

      <Card className="yw-card" style={{ display: step === 1 ? undefined : 'none' }}>
        <h2 className="yw-section-title">{t('appl.apply.stepMaterials')}</h2>
        {exempt.length ? (
          <section aria-labelledby="exempt-h">
            <h3 id="exempt-h" className="yw-card-title">
              {t('appl.materials.exemptTitle')}
            </h3>
            <p className="ya-meta">{t('appl.materials.exemptLead')}</p>
            <ul className="ya-list" data-testid="exempt-materials">
              {exempt.map((m) => (
                <li key={m.key}>
                  <div className="ya-row">
                    <CheckCircleOutlined aria-hidden="true" style={{ color: '#1e6b34' }} />
                    <strong className="ya-grow">{m.name}</strong>
                    <Tag>{t('appl.materials.exempt')}</Tag>
                  </div>
                  <div className="ya-meta">
                    {t('appl.materials.from', { source: loc(m.sourceLabel, lang) || loc(m.licenceTypeLabel, lang) || m.source.kind })}
                    {m.condition ? ` · ${t('appl.materials.condition', { condition: m.condition })}` : ''}
                  </div>
                  <LicenceChoice
                    material={m.key}
                    name={m.name}
                    options={wallet.filter((l) => m.source.kind === 'elicence' && l.type === m.source.licenceType)}
                    value={licenceChoice[m.key]}
                    onChange={(id) => setLicenceChoice((p) => ({ ...p, [m.key]: id }))}
                  />
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <section aria-labelledby="upload-h" className="yw-block">
          <h3 id="upload-h" className="yw-card-title">
            {t('appl.materials.uploadTitle')}
          </h3>
          {materialFields.length ? (
            <SchemaForm schema={target.schema} form={matForm} only={materialFields} initialValues={values} onValuesChange={(_, v) => setValues((p) => ({ ...p, ...v }))} />
          ) : null}
          {uploadable.length ? (
            <MaterialUploads materials={uploadable} files={mats} onChange={(key, files) => setMats((p) => ({ ...p, [key]: files }))} mustUpload={mustUpload} testId="upload-materials" />
          ) : !materialFields.length ? (
            <p className="ya-meta">{t('appl.materials.noneToUpload')}</p>
          ) : null}
          {missingRequired.length ? <Alert className="yw-block-sm" type="warning" showIcon title={t('appl.materials.missingWarning', { names: missingRequired.map((m) => m.name).join('、') })} data-testid="materials-missing" /> : null}
        </section>
      </Card>

      {step === 2 ? (
        <Card className="yw-card" data-testid="review">
          <h2 className="yw-section-title">{t('appl.apply.stepReview')}</h2>
          <p className="ya-meta">{t('appl.apply.reviewLead')}</p>
          <dl className="ya-kv">
            {answers.map(([k, s]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{s.title ?? k}</dt>
                <dd data-testid={`review-${k}`}>{String(values[k])}</dd>
              </div>
            ))}
            {materialFields
              .filter((k) => values[k])
              .map((k) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{target.schema.properties?.[k]?.title ?? k}</dt>
                  <dd>{fileIdOf(values[k]) ? t('appl.form.uploaded') : String(values[k])}</dd>
                </div>
              ))}
          </dl>
          <h3 className="yw-card-title yw-block">{t('appl.apply.stepMaterials')}</h3>
          <ul data-testid="review-materials">
            {target.materials.map((m) => (
              <li key={m.key}>
                {m.name}：
                {(mats[m.key] ?? []).length
                  ? t('appl.materials.filesCount', { count: mats[m.key].length })
                  : m.exempt
                    ? t('appl.materials.exempt')
                    : t('appl.materials.notHandedIn')}
              </li>
            ))}
          </ul>
          {target.kind === 'bundle' ? (
            <>
              <h3 className="yw-card-title yw-block">{t('appl.apply.itemsIncluded')}</h3>
              <ol>
                {target.items.map((i) => (
                  <li key={i.id}>
                    {i.name}
                    {i.department ? <span className="ya-meta">（{i.department}）</span> : null}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
          <h3 className="yw-card-title yw-block">{t('appl.apply.fees')}</h3>
          {target.fees.length ? (
            <ul>
              {target.fees.map((f, i) => (
                <li key={i}>
                  {f.name}：{f.amount !== undefined ? money(Math.round(f.amount * 100), lang) : ''} {f.standard ? <span className="ya-meta">（{f.standard}）</span> : null}
                </li>
              ))}
              <li className="ya-meta">{t('appl.apply.feesWhen')}</li>
            </ul>
          ) : (
            <p>{t('appl.apply.free')}</p>
          )}
          <Alert type="info" showIcon title={t('appl.apply.declaration')} />
        </Card>
      ) : null}

      <div className="ya-actions">
        {step > 0 ? <Button onClick={() => setStep(step - 1)}>{t('appl.apply.back')}</Button> : null}
        {!elder || step < 2 ? (
          <Button icon={<SaveOutlined aria-hidden="true" />} loading={saving && !submitting} onClick={() => void save()} data-testid="save-draft">
            {t('appl.apply.saveDraft')}
          </Button>
        ) : null}
        {step < 2 ? (
          <Button type="primary" onClick={() => void next()} loading={saving} data-testid="apply-next">
            {t('appl.apply.next')}
          </Button>
        ) : (
          <Button type="primary" onClick={() => void submit()} loading={submitting} data-testid="apply-submit">
            {t('appl.apply.submit')}
          </Button>
        )}
      </div>
      {savedAt ? (
        <p className="ya-meta" role="status" data-testid="draft-saved">
          {t('appl.apply.savedAt', { time: formatTime(savedAt, lang) })}
        </p>
      ) : null}
    </div>
  );
}

/** 收件回执: number, items, tracking link; printable. */
function Receipt({ app, target }: { app: Application; target: ApplyTarget }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('appl.receipt.title'));
  const r = app.receipt;
  const track = `/portal/applications/${app.id}`;
  return (
    <div className="yw-page" data-testid="apply-receipt">
      <Result
        status="success"
        title={<h1 className="yw-result-title">{t('appl.receipt.title')}</h1>}
        subTitle={t('appl.receipt.lead')}
        extra={
          <Space wrap className="ya-no-print">
            <Link to={track} className="yw-link-button yw-link-button-primary" data-testid="receipt-track">
              {t('appl.receipt.track')}
            </Link>
            <Button icon={<PrinterOutlined aria-hidden="true" />} onClick={() => window.print()}>
              {t('appl.receipt.print')}
            </Button>
          </Space>
        }
      />
      <div className="ya-receipt">
        <dl className="ya-kv">
          <dt>{t('appl.receipt.number')}</dt>
          <dd data-testid="receipt-number">{app.number}</dd>
          <dt>{t('appl.receipt.what')}</dt>
          <dd>{app.title}</dd>
          <dt>{t('appl.receipt.applicant')}</dt>
          <dd>{app.applicant.name}</dd>
          <dt>{t('appl.receipt.submittedAt')}</dt>
          <dd>{formatTime(app.submittedAt, lang)}</dd>
          <dt>{t('appl.receipt.state')}</dt>
          <dd>{loc(app.stateLabel, lang)}</dd>
          {target.promisedDays !== null ? (
            <>
              <dt>{t('appl.receipt.promised')}</dt>
              <dd>{t('appl.clock.days', { count: target.promisedDays })}</dd>
            </>
          ) : null}
          <dt>{t('appl.receipt.trackUrl')}</dt>
          <dd>{r?.trackUrl ?? `${window.location.origin}${track}`}</dd>
        </dl>
        <TrackQr url={r?.trackUrl ?? `${window.location.origin}${track}`} />
        {r?.items?.length ? (
          <>
            <h2 className="yw-card-title yw-block">{t('appl.apply.itemsIncluded')}</h2>
            <ol>
              {r.items.map((i) => (
                <li key={i.number}>
                  {i.number} {i.name} <span className="ya-meta">{i.department}</span>
                </li>
              ))}
            </ol>
          </>
        ) : null}
        {target.fees.length ? <Alert className="yw-block" type="info" showIcon title={t('appl.receipt.feeLater')} /> : null}
      </div>
    </div>
  );
}

/** The tracking address as a QR code (scan with a phone to follow the progress); an image with a text alternative. */
export function TrackQr({ url }: { url: string }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(url, { margin: 1, width: 144, errorCorrectionLevel: 'M' })
      .then((d) => live && setSrc(d))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [url]);
  if (!src) return null;
  return (
    <figure className="yw-block-sm" style={{ margin: '16px 0 0' }} data-testid="receipt-qr">
      <img src={src} width={144} height={144} alt={t('appl.receipt.qrAlt', { url })} />
      <figcaption className="ya-meta">{t('appl.receipt.qr')}</figcaption>
    </figure>
  );
}

/** The files a draft cites per material (names are not kept with the draft: numbered). */
function matsOfDraft(d: Application, label: string): Record<string, FileRef[]> {
  const out: Record<string, FileRef[]> = {};
  for (const m of (d.materials ?? []) as MaterialInput[]) {
    if (m && typeof m.key === 'string' && Array.isArray(m.fileIds)) out[m.key] = m.fileIds.map((id, i) => ({ id, name: `${label} ${i + 1}` }));
  }
  return out;
}

/** A licence of the holder's wallet (GET /api/licences/wallet), as far as choosing one needs. */
interface WalletLicence {
  id: string;
  type: string;
  typeName: { zh: string; en: string };
  number: string;
  issuer: { name: string; nameEn: string };
  status: string;
  validUntil: string | null;
}

/** Several valid e-licences of the type a material accepts: the holder picks the one to authorise. */
function LicenceChoice({ material, name, options, value, onChange }: { material: string; name: string; options: WalletLicence[]; value?: string; onChange: (id: string) => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  if (options.length < 2) return null;
  const labelId = `lic-${material}`;
  return (
    <div className="yw-block-sm" data-testid={`licence-choice-${material}`}>
      <div id={labelId} className="ya-meta">
        {t('appl.materials.chooseLicence', { name })}
      </div>
      <Radio.Group aria-labelledby={labelId} value={value} onChange={(e) => onChange(String(e.target.value))}>
        <Space direction="vertical">
          {options.map((l) => (
            <Radio key={l.id} value={l.id} data-testid={`licence-option-${l.id}`}>
              {loc(l.typeName, lang)} {l.number} · {lang.startsWith('zh') ? l.issuer.name : l.issuer.nameEn || l.issuer.name}
              {l.validUntil ? ` · ${t('appl.materials.validUntil', { date: l.validUntil.slice(0, 10) })}` : ''}
            </Radio>
          ))}
        </Space>
      </Radio.Group>
    </div>
  );
}
