/**
 * 我的办件: the list (state, working days left, what to do next) and one application's page
 * (clock, receipt, public timeline; for a bundle its items and the merged timeline), with the
 * applicant's acts: answer a supplement request (exactly what was asked), pay a fee, withdraw.
 */
import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Segmented, Space } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../api';
import { usePrefs } from '../../prefs';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { ClockSummary, DaysLeft, ErrorAlert, formatTime, money, SlaBadge, StateBadge, Timeline, useLoad } from './common';
import { applicationsApi, FINAL_STATES, loadTarget, loc, WITHDRAWABLE, type Application, type ApplyTarget, type ChildApplication, type MaterialRecord, type SupplementRequest } from './model';
import { MaterialsList } from './Materials';
import { applyServerErrors, cleanValues, FileField, fileIdOf, SchemaForm } from './SchemaForm';
import { TrackQr } from './ApplyPage';

type Filter = 'active' | 'drafts' | 'done' | 'all';

export function MyApplications() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const [filter, setFilter] = useState<Filter>('active');
  usePageTitle(t('nav.portal.applications'));
  const { data, error, loading, reload } = useLoad(() => applicationsApi.list({ limit: 100 }), []);
  const list = (data ?? []).filter((a) =>
    filter === 'all' ? true : filter === 'drafts' ? a.state === 'draft' : filter === 'done' ? FINAL_STATES.includes(a.state) : a.state !== 'draft' && !FINAL_STATES.includes(a.state),
  );
  const todo = (data ?? []).filter((a) => a.state === 'supplement_requested' || a.awaiting === 'payment');
  return (
    <div className="yw-page" data-testid="my-applications">
      <h1 className="yw-page-title">{t('nav.portal.applications')}</h1>
      <p className="yw-lead">{t('appl.mine.lead')}</p>
      <div className="ya-row yw-block-sm">
        <Segmented<Filter>
          value={filter}
          onChange={setFilter}
          options={(elder ? (['active', 'done'] as Filter[]) : (['active', 'drafts', 'done', 'all'] as Filter[])).map((f) => ({ value: f, label: t(`appl.mine.filter.${f}`) }))}
          aria-label={t('appl.mine.filterLabel')}
        />
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('appl.refresh')}
        </Button>
        <Link to="/portal/services" className="yw-link-button">
          <PlusOutlined aria-hidden="true" /> {t('appl.mine.new')}
        </Link>
      </div>
      {todo.length ? <Alert className="yw-block-sm" type="warning" showIcon title={t('appl.mine.todo', { count: todo.length })} /> : null}
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      {data && !list.length ? <p className="ya-meta">{t('appl.mine.empty')}</p> : null}
      <ul className="ya-list" data-testid="application-list">
        {list.map((a) => (
          <li key={a.id} data-testid="application-row" data-id={a.id}>
            <div className="ya-row">
              <h2 className="ya-list-title ya-grow">
                <Link to={a.state === 'draft' ? `/portal/applications/new?draft=${a.id}` : `/portal/applications/${a.id}`}>{a.title}</Link>
              </h2>
              <StateBadge state={a.state} label={a.stateLabel} />
              {a.awaiting === 'payment' ? <span className="ya-badge ya-badge-warning">{t('appl.pay.awaiting')}</span> : null}
            </div>
            <div className="ya-row ya-meta">
              {a.number ? <span>{t('appl.number', { number: a.number })}</span> : <span>{t('appl.mine.draftSaved', { time: formatTime(a.draftSavedAt ?? a.createdAt, lang) })}</span>}
              {a.department ? <span>{a.department.name}</span> : null}
              {a.submittedAt ? <span>{t('appl.submittedAt', { time: formatTime(a.submittedAt, lang) })}</span> : null}
              {a.clock && !a.clock.stopped ? (
                <span>
                  <DaysLeft days={a.clock.daysLeft} due={a.clock.promisedDue} provisional={a.clock.promisedDueProvisional} /> <SlaBadge sla={a.clock.sla} paused={a.clock.paused} />
                </span>
              ) : null}
              {a.currentStep && !FINAL_STATES.includes(a.state) ? <span>{t('appl.mine.atStep', { step: a.currentStep.name })}</span> : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ApplicationDetail() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { id = '' } = useParams();
  const { data: app, error, loading, reload, setData } = useLoad(() => applicationsApi.get(id), [id]);
  usePageTitle(app ? app.title : t('nav.portal.applications'));
  if (loading && !app) return <Loading />;
  if (!app) {
    return (
      <div className="yw-page" data-testid="application-detail">
        <h1 className="yw-page-title">{t('nav.portal.applications')}</h1>
        <ErrorAlert error={error} />
        <Link to="/portal/applications">{t('appl.detail.back')}</Link>
      </div>
    );
  }
  const children = app.children ?? [];
  const supplements: { who: Application | ChildApplication; s: SupplementRequest }[] = [];
  if (app.supplement) supplements.push({ who: app, s: app.supplement });
  for (const c of children) if (c.supplement) supplements.push({ who: c, s: c.supplement });
  const awaitingPay = [app, ...children].filter((a) => a.awaiting === 'payment');
  // One list for the applicant: a bundle's items share materials (the same key once).
  const materials: MaterialRecord[] = [];
  for (const m of [...((app.state !== 'draft' ? app.materials : []) ?? []), ...children.flatMap((c) => c.materials ?? [])] as MaterialRecord[])
    if (m && 'status' in m && !materials.some((x) => x.key === m.key)) materials.push(m);
  return (
    <div className="yw-page" data-testid="application-detail" data-state={app.state} data-awaiting={[app, ...children].some((a) => a.awaiting === 'payment') ? 'payment' : ''}>
      <p className="ya-no-print">
        <Link to="/portal/applications">{t('appl.detail.back')}</Link>
      </p>
      <div className="ya-row">
        <h1 className="yw-page-title ya-grow">{app.title}</h1>
        <StateBadge state={app.state} label={app.stateLabel} />
      </div>
      <p className="yw-lead">
        {app.number ? t('appl.number', { number: app.number }) : null}
        {app.applicant.onBehalf ? ` · ${t('appl.detail.onBehalf', { name: app.applicant.name })}` : ''}
      </p>
      <ErrorAlert error={error} />

      {supplements.map(({ who, s }) => (
        <SupplementForm key={who.id} root={app} target={who} request={s} onDone={(a) => setData(a)} />
      ))}
      {awaitingPay.map((a) => (
        <PayCard key={a.id} app={a} onRenewed={() => void reload()} />
      ))}
      <OutcomeCard app={app} />

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{t('appl.detail.clock')}</h2>
        {app.currentStep && !FINAL_STATES.includes(app.state) ? (
          <p>
            {t('appl.detail.currentStep', { step: app.currentStep.name, dept: app.currentStep.departments.map((d) => d.name).join('、') })}
          </p>
        ) : null}
        {app.kind === 'bundle' && app.promisedDays ? <p className="ya-meta">{t('appl.detail.bundlePromise', { days: app.promisedDays })}</p> : null}
        <ClockSummary clock={app.clock} />
      </Card>

      {children.length ? (
        <Card className="yw-card yw-block" data-testid="bundle-children">
          <h2 className="yw-section-title">{t('appl.detail.items', { count: children.length })}</h2>
          <ul className="ya-list">
            {children.map((c) => (
              <li key={c.id} data-testid="child-row" data-state={c.state}>
                <div className="ya-row">
                  <h3 className="ya-list-title ya-grow">{c.title}</h3>
                  <StateBadge state={c.state} label={c.stateLabel} />
                </div>
                <div className="ya-row ya-meta">
                  {c.number ? <span>{c.number}</span> : null}
                  {c.department ? <span>{c.department.name}</span> : null}
                  {c.state === 'waiting' ? <span>{t('appl.detail.waiting')}</span> : null}
                  {!c.clock.stopped && c.clock.promisedDue ? (
                    <span>
                      <DaysLeft days={c.clock.daysLeft} due={c.clock.promisedDue} provisional={c.clock.promisedDueProvisional} /> <SlaBadge sla={c.clock.sla} paused={c.clock.paused} />
                    </span>
                  ) : null}
                  {c.result ? <span data-testid="child-result">{t('appl.detail.result', { name: c.result.name })}</span> : null}
                  {c.outcome?.kind === 'denied' || c.outcome?.kind === 'not_accepted' ? <span>{(c.outcome.reasons ?? [c.outcome.reason]).filter(Boolean).join('；')}</span> : null}
                </div>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      {materials.length ? (
        <Card className="yw-card yw-block">
          <h2 className="yw-section-title">{t('appl.wb.materials')}</h2>
          <MaterialsList materials={materials} />
        </Card>
      ) : null}

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{app.kind === 'bundle' ? t('appl.detail.mergedTimeline') : t('appl.detail.timeline')}</h2>
        <Timeline events={app.timeline ?? []} />
      </Card>

      {app.receipt ? (
        <Card className="yw-card yw-block">
          <h2 className="yw-section-title">{app.receipt.title}</h2>
          <dl className="ya-kv">
            <dt>{t('appl.receipt.number')}</dt>
            <dd>{app.receipt.number}</dd>
            {app.receipt.trackUrl ? (
              <>
                <dt>{t('appl.receipt.trackUrl')}</dt>
                <dd>{app.receipt.trackUrl}</dd>
              </>
            ) : null}
            {app.submittedAt ? (
              <>
                <dt>{t('appl.receipt.submittedAt')}</dt>
                <dd>{formatTime(app.submittedAt, lang)}</dd>
              </>
            ) : null}
          </dl>
          {app.receipt.trackUrl ? <TrackQr url={app.receipt.trackUrl} /> : null}
          <Button className="yw-block ya-no-print" onClick={() => window.print()}>
            {t('appl.receipt.print')}
          </Button>
        </Card>
      ) : null}

      <div className="ya-actions ya-no-print">
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()} data-testid="detail-refresh">
          {t('appl.refresh')}
        </Button>
        {WITHDRAWABLE.includes(app.state) ? <WithdrawButton app={app} onDone={(a) => setData(a)} /> : null}
      </div>
    </div>
  );
}

function OutcomeCard({ app }: { app: Application }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const o = app.outcome;
  if (!o) return null;
  const type = o.kind === 'approved' ? 'success' : o.kind === 'partially_approved' ? 'warning' : o.kind === 'withdrawn' ? 'info' : 'error';
  return (
    <Alert
      className="yw-block"
      type={type}
      showIcon
      data-testid="outcome"
      data-outcome={o.kind}
      title={t(`appl.outcome.${o.kind}`, { defaultValue: o.kind })}
      description={
        <div>
          {app.result ? <p>{t('appl.detail.resultIssued', { name: app.result.name, number: app.result.number ?? '', by: app.result.issuedBy ?? '' })}</p> : null}
          {o.reasonLabel ? <p>{loc(o.reasonLabel, lang)}</p> : null}
          {o.reasons?.length ? <p>{t('appl.outcome.reasons', { reasons: o.reasons.join('；') })}</p> : null}
          {o.reason && !o.reasons ? <p>{o.reason}</p> : null}
          {o.appeal ? <p data-testid="appeal">{loc(o.appeal.text, lang)}</p> : null}
        </div>
      }
    />
  );
}

/** 补正: the fields asked for (pre-filled) and the materials asked for, nothing else. */
function SupplementForm({ root, target, request, onDone }: { root: Application; target: Application | ChildApplication; request: SupplementRequest; onDone: (a: Application) => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [form] = Form.useForm();
  const [note, setNote] = useState('');
  const [files, setFiles] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = request.items.filter((i) => i.kind === 'field');
  const materials = request.items.filter((i) => i.kind === 'material');
  // The schema of the application (the bundle's merged form answers for its items).
  const { data: tg } = useLoad<ApplyTarget | null>(
    async () => (root.bundle ? loadTarget('bundle', root.bundle.id, root.bundle.version) : root.item ? loadTarget('item', root.item.id, root.item.version) : null),
    [root.id],
  );
  const reasons = Object.fromEntries(fields.map((f) => [f.key, f.reason]));
  async function send() {
    setError(null);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const missing = materials.filter((m) => !files[m.key]);
    if (missing.length) {
      setError(new Error(t('appl.supplement.materialMissing', { names: missing.map((m) => m.label ?? m.key).join('、') })));
      return;
    }
    setBusy(true);
    try {
      const formData = cleanValues(form.getFieldsValue(true));
      const out = await applicationsApi.supplement(root.id, {
        ...(Object.keys(formData).length ? { formData } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(materials.length ? { materials: materials.map((m) => ({ key: m.key, fileId: fileIdOf(files[m.key]) ?? undefined })) } : {}),
      });
      onDone(out);
    } catch (e) {
      applyServerErrors(form, e, lang);
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const schemaFields = tg?.schema.properties ?? {};
  return (
    <Card className="yw-card yw-block" data-testid="supplement-form" style={{ borderColor: '#8a4b00' }}>
      <h2 className="yw-section-title">{t('appl.supplement.title')}</h2>
      <p>
        {t('appl.supplement.lead', { dept: request.department, what: target.title })}
        {request.replyBy ? ` ${t('appl.supplement.replyBy', { date: request.replyBy })}` : ''}
      </p>
      {request.note ? <Alert className="yw-block-sm" type="info" title={request.note} /> : null}
      <ul>
        {request.items.map((i) => (
          <li key={`${i.kind}:${i.key}`}>
            {i.label ?? i.key}
          </li>
        ))}
      </ul>
      {error ? error instanceof Error && !('code' in error) ? <Alert type="error" showIcon role="alert" title={error.message} className="yw-block-sm" /> : <ErrorAlert error={error} /> : null}
      {fields.length && tg ? (
        <SchemaForm
          schema={{ ...tg.schema, properties: Object.fromEntries(fields.filter((f) => schemaFields[f.key]).map((f) => [f.key, schemaFields[f.key]])) }}
          form={form}
          only={fields.map((f) => f.key)}
          requireOnly
          reasons={reasons}
          initialValues={Object.fromEntries(fields.map((f) => [f.key, root.formData?.[f.key] ?? (target as Application).formData?.[f.key]]))}
        />
      ) : null}
      {materials.map((m) => (
        <div key={m.key} className="yw-block-sm">
          <div>
            <strong>{m.label ?? m.key}</strong>
          </div>
          <FileField id={`supp-${m.key}`} label={m.label ?? m.key} value={files[m.key]} onChange={(v) => setFiles((p) => ({ ...p, [m.key]: v }))} />
        </div>
      ))}
      <label htmlFor="supp-note" className="ya-meta">
        {t('appl.supplement.note')}
      </label>
      <Input.TextArea id="supp-note" rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
      <div className="ya-actions">
        <Button type="primary" loading={busy} onClick={() => void send()} data-testid="supplement-submit">
          {t('appl.supplement.submit')}
        </Button>
      </div>
    </Card>
  );
}

interface Order {
  id: string;
  orderNo: string;
  state: string;
  amountFen: number;
  expiresAt?: string | null;
}

/**
 * 缴费: the order the department's payment step opened for this application (统一支付); paid on
 * the provider's hosted page, which returns here. An expired, cancelled or failed order can be
 * renewed (POST /api/applications/:id/payment).
 */
function PayCard({ app, onRenewed }: { app: Application | ChildApplication; onRenewed: () => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ref = app.payment ?? null;
  const { data: order, reload } = useLoad<Order | null>(async () => {
    if (ref?.orderId) return get<Order>(`/api/payments/orders/${ref.orderId}`);
    const list = await get<Order[]>(`/api/payments/orders?subjectType=application&subjectId=${app.id}`);
    return list[0] ?? null;
  }, [app.id, ref?.orderId]);
  const state = order?.state ?? ref?.state ?? null;
  const open = !!order && ['created', 'pending'].includes(order.state);
  const closed = !!state && ['expired', 'cancelled', 'failed'].includes(state);
  async function pay() {
    if (!order) return;
    setBusy(true);
    setError(null);
    try {
      const r = await post<{ payUrl: string }>(`/api/payments/orders/${order.id}/pay`);
      window.location.assign(r.payUrl);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  async function renew() {
    setBusy(true);
    setError(null);
    try {
      await post(`/api/applications/${app.id}/payment`);
      onRenewed();
      await reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const amount = order?.amountFen ?? ref?.amountFen;
  return (
    <Card className="yw-card yw-block" data-testid="pay-card" data-payment-state={state ?? ''}>
      <h2 className="yw-section-title">{t('appl.pay.title')}</h2>
      <p>{t('appl.pay.lead', { what: app.title })}</p>
      <ErrorAlert error={error} />
      <Space wrap>
        {amount !== undefined ? <strong data-testid="pay-amount">{money(amount, lang)}</strong> : null}
        {order ? <span className="ya-meta">{t('appl.pay.orderNo', { no: order.orderNo })}</span> : null}
        {order?.expiresAt && open ? <span className="ya-meta">{t('appl.pay.expires', { time: formatTime(order.expiresAt, lang) })}</span> : null}
        {open ? (
          <Button type="primary" loading={busy} onClick={() => void pay()} data-testid="pay-button">
            {t('appl.pay.pay')}
          </Button>
        ) : closed ? (
          <>
            <span>{t(`appl.pay.state.${state}`, { defaultValue: state ?? '' })}</span>
            <Button type="primary" loading={busy} onClick={() => void renew()} data-testid="pay-renew">
              {t('appl.pay.renew')}
            </Button>
          </>
        ) : state === 'paid' ? (
          <span role="status">{t('appl.pay.paid')}</span>
        ) : (
          <span className="ya-meta">{t('appl.pay.noOrder')}</span>
        )}
      </Space>
    </Card>
  );
}

function WithdrawButton({ app, onDone }: { app: Application; onDone: (a: Application) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Button danger onClick={() => setOpen(true)} data-testid="withdraw">
        {t('appl.withdraw.button')}
      </Button>
      <Modal
        open={open}
        title={t('appl.withdraw.title')}
        okText={t('appl.withdraw.confirm')}
        cancelText={t('appl.cancel')}
        okButtonProps={{ danger: true, loading: busy, disabled: reason.trim().length < 2 }}
        onCancel={() => setOpen(false)}
        onOk={async () => {
          setBusy(true);
          setError(null);
          try {
            onDone(await applicationsApi.withdraw(app.id, reason.trim()));
            setOpen(false);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <p>{t('appl.withdraw.lead')}</p>
        <ErrorAlert error={error} />
        <label htmlFor="withdraw-reason">{t('appl.withdraw.reason')}</label>
        <Input.TextArea id="withdraw-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}
