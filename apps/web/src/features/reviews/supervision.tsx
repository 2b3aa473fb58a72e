/**
 * Supervision pages of 好差评 and 12345 (oversight area): appeals (申诉) decided with the evidence
 * shown, gaming flags (刷评) confirmed or dismissed, follow-up calls (回访) sampled and recorded,
 * manual dispatch (派单) of inquiries including returned ones (退单); and the department's side in
 * the workbench: an appeal with evidence files on a bad review.
 */
import { useState } from 'react';
import { Alert, Button, Card, Input, Space } from 'antd';
import { Link, NavLink, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { get, post } from '../../api';
import { usePrefs } from '../../prefs';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { DataTable } from '../../components/DataTable';
import { ErrorAlert, useLoad } from '../applications/common';
import { InquiryDetail, LevelTag, NativeSelect, RvTag } from './components';
import { CaseEvents, CaseSummary } from './CaseSummary';
import { fmtTime, inquiriesApi, type CaseRow, type CaseView, type InquiryView } from './model';

export interface FlagRow {
  id: string;
  kind: 'burst_device' | 'burst_address' | 'fast_after_conclusion';
  key: string;
  bucket: string;
  department: string | null;
  count: number;
  state: 'open' | 'confirmed' | 'dismissed';
  resolutionNote: string | null;
  createdAt: string;
  reviews: { id: string; level: number; title: string; number: string | null; channel: string; status: string; createdAt: string; secondsAfterConclusion: number }[];
}

export interface FollowUpRow {
  id: string;
  source: 'rectification' | 'inquiry';
  number: string | null;
  title: string | null;
  department: string | null;
  state: 'pending' | 'done';
  reached: boolean | null;
  satisfied: boolean | null;
  note: string | null;
  createdAt: string;
}

type AppealCase = CaseView;

export const supervisionApi = {
  appeals: () => get<CaseRow[]>('/api/rectification/cases?state=appealed&limit=200'),
  case: (id: string) => get<AppealCase>(`/api/rectification/cases/${id}`),
  decide: (id: string, uphold: boolean, note: string) => post<CaseView>(`/api/rectification/cases/${id}/appeal-decision`, { uphold, note }),
  appeal: (id: string, reason: string, evidenceFileIds: string[]) => post<CaseView>(`/api/rectification/cases/${id}/appeal`, { reason, evidenceFileIds }),
  evidence: (filename: string, contentType: string, dataBase64: string) => post<{ id: string; originalName?: string }>('/api/rectification/evidence', { filename, contentType, dataBase64 }),
  flags: () => get<FlagRow[]>('/api/rectification/flags'),
  resolveFlag: (id: string, decision: 'confirmed' | 'dismissed', note: string) => post<{ state: string; annulled: number }>(`/api/rectification/flags/${id}/resolve`, { decision, note }),
  followUps: () => get<FollowUpRow[]>('/api/follow-ups'),
  sample: (source: string, count: number) => post<{ pool: number; sampled: number }>('/api/follow-ups/sample', { source, count }),
  recordFollowUp: (id: string, body: { reached: boolean; satisfied?: boolean; note: string }) => post(`/api/follow-ups/${id}`, body),
  pendingDispatch: () => get<InquiryView[]>('/api/inquiries?state=pending_dispatch&limit=200'),
  departments: () => get<{ id: string; name: string; regionCode: string }[]>('/api/departments'),
  dispatch: (id: string, departmentId: string, note?: string) => post<InquiryView>(`/api/inquiries/${id}/dispatch`, { departmentId, ...(note ? { note } : {}) }),
};

/** Links between the pages of one oversight section (a labelled nav, the current page marked). */
export function SubNav({ label, items }: { label: string; items: { to: string; text: string; end?: boolean }[] }) {
  return (
    <nav aria-label={label} className="rv-subnav yw-block-sm">
      <Space wrap>
        {items.map((i) => (
          <NavLink key={i.to} to={i.to} end={i.end} className={({ isActive }) => (isActive ? 'rv-subnav-on' : undefined)}>
            {i.text}
          </NavLink>
        ))}
      </Space>
    </nav>
  );
}

export function ReviewsSubNav() {
  const { t } = useTranslation();
  return (
    <SubNav
      label={t('sv.subnav')}
      items={[
        { to: '/oversight/reviews', text: t('sv.board'), end: true },
        { to: '/oversight/reviews/appeals', text: t('sv.appeals.title') },
        { to: '/oversight/reviews/flags', text: t('sv.flags.title') },
        { to: '/oversight/reviews/follow-ups', text: t('sv.followUps.title') },
      ]}
    />
  );
}

export function InquiriesSubNav() {
  const { t } = useTranslation();
  return (
    <SubNav
      label={t('sv.subnav')}
      items={[
        { to: '/oversight/inquiries', text: t('sv.board'), end: true },
        { to: '/oversight/inquiries/dispatch', text: t('sv.dispatch.title') },
      ]}
    />
  );
}

// ---- appeals (申诉) ----------------------------------------------------------------------------

export function AppealsPage() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('sv.appeals.title'));
  const { data, error, loading } = useLoad(() => supervisionApi.appeals(), []);
  return (
    <div className="yw-page" data-testid="appeals-page">
      <h1 className="yw-page-title">{t('sv.appeals.title')}</h1>
      <ReviewsSubNav />
      <p className="yw-lead">{t('sv.appeals.lead')}</p>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <DataTable<CaseRow>
          label={t('sv.appeals.title')}
          rowKey="id"
          dataSource={data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <span className="sv-empty">{t('sv.appeals.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': 'appeal-row', 'data-number': r.number }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('rv.rect.number'), dataIndex: 'number', render: (v: string, r) => <Link to={r.id}>{v}</Link> },
            { title: t('sv.department'), dataIndex: 'department' },
            { title: t('rv.rect.subject'), dataIndex: 'subject' },
            { title: t('rv.rect.review'), render: (_: unknown, r) => <LevelTag level={r.firstLevel} /> },
            { title: t('sv.opened'), render: (_: unknown, r) => fmtTime(r.createdAt, lang) },
          ]}
        />
      )}
    </div>
  );
}

export function AppealDecisionPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('sv.appeals.title'));
  const { data, error, loading, setData } = useLoad(() => supervisionApi.case(id!), [id]);
  const [note, setNote] = useState('');
  const [actError, setActError] = useState<unknown>(null);
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const c = data;
  const decide = async (uphold: boolean) => {
    try {
      setData((await supervisionApi.decide(c.id, uphold, note)) as AppealCase);
      setActError(null);
    } catch (e) {
      setActError(e);
    }
  };
  return (
    <div className="yw-page" data-testid="appeal-detail" data-state={c.state}>
      <h1 className="yw-page-title">{t('sv.appeals.one', { number: c.number })}</h1>
      <CaseSummary
        c={c}
        showDepartment
        extra={[
          { key: 'reason', label: t('sv.appeals.reason'), children: c.appeal?.reason ?? '—' },
          {
            key: 'evidence',
            label: t('sv.appeals.evidence'),
            children: (
              <ul className="rv-list" data-testid="appeal-evidence">
                {(c.appeal?.evidenceFileIds ?? []).map((f, i) => (
                  <li key={f}>
                    <a href={`/api/rectification/cases/${c.id}/evidence/${f}`} target="_blank" rel="noreferrer">
                      {t('sv.appeals.file', { n: i + 1 })}
                    </a>
                  </li>
                ))}
              </ul>
            ),
          },
          ...(c.appeal?.decision
            ? [{ key: 'decision', label: t('sv.appeals.decision'), children: <><span data-testid="appeal-decision">{t(`sv.appeals.decided.${c.appeal.decision}`)}</span> · {c.appeal.note}</> }]
            : []),
        ]}
      />
      {c.state === 'appealed' && (
        <Card className="yw-block-sm" title={<h2 className="rv-card-title">{t('sv.appeals.decide')}</h2>}>
          <label className="rv-field">
            <span>{t('sv.note')}</span>
            <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={2000} data-testid="appeal-note" />
          </label>
          <ErrorAlert error={actError} />
          <Space wrap>
            <Button className="sv-btn" type="primary" onClick={() => void decide(true)} data-testid="appeal-uphold">
              {t('sv.appeals.uphold')}
            </Button>
            <Button className="sv-btn" danger onClick={() => void decide(false)} data-testid="appeal-reject">
              {t('sv.appeals.reject')}
            </Button>
          </Space>
          <p className="yw-block-sm">{t('sv.appeals.effect')}</p>
        </Card>
      )}
      <CaseEvents c={c} />
      <Link to="/oversight/reviews/appeals">{t('rv.back')}</Link>
    </div>
  );
}

// ---- gaming flags (刷评预警) --------------------------------------------------------------------

function FlagCard({ f, onDone }: { f: FlagRow; onDone: () => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const resolve = async (d: 'confirmed' | 'dismissed') => {
    try {
      await supervisionApi.resolveFlag(f.id, d, note);
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card size="small" className="yw-block-sm" data-testid="flag-card" data-id={f.id} data-kind={f.kind} data-state={f.state} title={<h2 className="rv-card-title">{t(`sv.flags.kinds.${f.kind}`)} · {f.key}</h2>}>
      <p>
        {t('sv.flags.summary', { count: f.count, department: f.department ?? '—', at: fmtTime(f.createdAt, lang) })}{' '}
        <RvTag tone={f.state === 'open' ? 'warn' : f.state === 'confirmed' ? 'bad' : 'good'}>{t(`sv.flags.states.${f.state}`)}</RvTag>
      </p>
      <ul className="rv-list">
        {f.reviews.map((r) => (
          <li key={r.id}>
            <LevelTag level={r.level} /> {r.title} {r.number ?? ''} · {t('sv.flags.after', { s: r.secondsAfterConclusion })} · {fmtTime(r.createdAt, lang)}
            {r.status === 'annulled' ? ` · ${t('sv.flags.annulled')}` : ''}
          </li>
        ))}
      </ul>
      {f.state === 'open' ? (
        <>
          <label className="rv-field">
            <span>{t('sv.note')}</span>
            <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={2000} data-testid="flag-note" />
          </label>
          <ErrorAlert error={error} />
          <Space wrap>
            <Button className="sv-btn" danger onClick={() => void resolve('confirmed')} data-testid="flag-confirm">
              {t('sv.flags.confirm')}
            </Button>
            <Button className="sv-btn" onClick={() => void resolve('dismissed')} data-testid="flag-dismiss">
              {t('sv.flags.dismiss')}
            </Button>
          </Space>
        </>
      ) : (
        f.resolutionNote && <p>{f.resolutionNote}</p>
      )}
    </Card>
  );
}

export function FlagsPage() {
  const { t } = useTranslation();
  usePageTitle(t('sv.flags.title'));
  const { data, error, loading, reload } = useLoad(() => supervisionApi.flags(), []);
  return (
    <div className="yw-page" data-testid="flags-page">
      <h1 className="yw-page-title">{t('sv.flags.title')}</h1>
      <ReviewsSubNav />
      <p className="yw-lead">{t('sv.flags.lead')}</p>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : !data?.length ? <p>{t('sv.flags.empty')}</p> : data.map((f) => <FlagCard key={f.id} f={f} onDone={() => void reload()} />)}
    </div>
  );
}

// ---- follow-up calls (回访) ---------------------------------------------------------------------

function FollowUpForm({ f, onDone }: { f: FollowUpRow; onDone: () => void }) {
  const { t } = useTranslation();
  const [reached, setReached] = useState('yes');
  const [satisfied, setSatisfied] = useState('yes');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    try {
      await supervisionApi.recordFollowUp(f.id, { reached: reached === 'yes', ...(reached === 'yes' ? { satisfied: satisfied === 'yes' } : {}), note });
      setError(null);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  const yesNo = [
    { value: 'yes', label: t('sv.yes') },
    { value: 'no', label: t('sv.no') },
  ];
  return (
    <div className="rv-grid" data-testid="follow-up-form">
      <NativeSelect label={t('sv.followUps.reached')} value={reached} onChange={setReached} options={yesNo} testid="fu-reached" />
      {reached === 'yes' && <NativeSelect label={t('sv.followUps.satisfied')} value={satisfied} onChange={setSatisfied} options={yesNo} testid="fu-satisfied" />}
      <label className="rv-field">
        <span>{t('sv.followUps.note')}</span>
        <Input value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} data-testid="fu-note" />
      </label>
      <ErrorAlert error={error} />
      <Button className="sv-btn" type="primary" onClick={() => void save()} data-testid="fu-save">
        {t('sv.followUps.record')}
      </Button>
    </div>
  );
}

export function FollowUpsPage() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('sv.followUps.title'));
  const { data, error, loading, reload } = useLoad(() => supervisionApi.followUps(), []);
  const [source, setSource] = useState('rectification');
  const [count, setCount] = useState('5');
  const [result, setResult] = useState<{ pool: number; sampled: number } | null>(null);
  const [sampleError, setSampleError] = useState<unknown>(null);
  const sample = async () => {
    try {
      setResult(await supervisionApi.sample(source, Number(count)));
      setSampleError(null);
      await reload();
    } catch (e) {
      setSampleError(e);
    }
  };
  const pending = (data ?? []).filter((f) => f.state === 'pending');
  const done = (data ?? []).filter((f) => f.state === 'done');
  return (
    <div className="yw-page" data-testid="follow-ups-page">
      <h1 className="yw-page-title">{t('sv.followUps.title')}</h1>
      <ReviewsSubNav />
      <p className="yw-lead">{t('sv.followUps.lead')}</p>
      <Card size="small" className="yw-block-sm" title={<h2 className="rv-card-title">{t('sv.followUps.sample')}</h2>}>
        <div className="rv-grid">
          <NativeSelect label={t('sv.followUps.source')} value={source} onChange={setSource} options={['rectification', 'inquiry'].map((s) => ({ value: s, label: t(`sv.followUps.sources.${s}`) }))} testid="fu-source" />
          <label className="rv-field">
            <span>{t('sv.followUps.count')}</span>
            <Input type="number" min={1} max={500} value={count} onChange={(e) => setCount(e.target.value)} data-testid="fu-count" />
          </label>
        </div>
        <ErrorAlert error={sampleError} />
        <Button className="sv-btn" onClick={() => void sample()} data-testid="fu-sample">
          {t('sv.followUps.draw')}
        </Button>
        {result && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('sv.followUps.drawn', result)} data-testid="fu-drawn" />}
      </Card>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <>
          <h2 className="rv-h3">{t('sv.followUps.pending', { n: pending.length })}</h2>
          {!pending.length && <p>{t('sv.followUps.none')}</p>}
          {pending.map((f) => (
            <Card size="small" key={f.id} className="yw-block-sm" data-testid="follow-up-row" title={<h3 className="rv-card-title">{`${t(`sv.followUps.sources.${f.source}`)} ${f.number ?? ''} · ${f.title ?? ''}`}</h3>}>
              <p>
                {f.department ?? '—'} · {fmtTime(f.createdAt, lang)}
              </p>
              <FollowUpForm f={f} onDone={() => void reload()} />
            </Card>
          ))}
          {done.length > 0 && (
            <>
              <h2 className="rv-h3">{t('sv.followUps.done')}</h2>
              <ul className="rv-list" data-testid="follow-ups-done">
                {done.map((f) => (
                  <li key={f.id}>
                    {f.number} · {f.title} · {f.reached ? (f.satisfied === null ? t('sv.followUps.reachedShort') : f.satisfied ? t('sv.followUps.satisfiedShort') : t('sv.followUps.unsatisfiedShort')) : t('sv.followUps.unreached')} · {f.note}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </div>
  );
}

// ---- dispatch (派单) ----------------------------------------------------------------------------

export function DispatchPage() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('sv.dispatch.title'));
  const { data, error, loading } = useLoad(() => supervisionApi.pendingDispatch(), []);
  return (
    <div className="yw-page" data-testid="dispatch-page">
      <h1 className="yw-page-title">{t('sv.dispatch.title')}</h1>
      <InquiriesSubNav />
      <p className="yw-lead">{t('sv.dispatch.lead')}</p>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <DataTable<InquiryView>
          label={t('sv.dispatch.title')}
          rowKey="id"
          dataSource={data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: <span className="sv-empty">{t('sv.dispatch.empty')}</span> }}
          onRow={(r) => ({ 'data-testid': 'dispatch-row', 'data-number': r.number }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('sv.dispatch.number'), dataIndex: 'number', render: (v: string, r) => <Link to={r.id}>{v}</Link> },
            { title: t('rv.inq.title'), dataIndex: 'title' },
            { title: t('rv.inq.kind'), render: (_: unknown, r) => t(`rv.inq.kinds.${r.kind}`) },
            { title: t('rv.inq.region'), dataIndex: 'regionName' },
            { title: t('sv.dispatch.returns'), render: (_: unknown, r) => (r.returns ? <RvTag tone="warn">{t('sv.dispatch.returned', { n: r.returns })}</RvTag> : '—') },
            { title: t('sv.opened'), render: (_: unknown, r) => fmtTime(r.createdAt, lang) },
          ]}
        />
      )}
    </div>
  );
}

export function DispatchOnePage() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('sv.dispatch.title'));
  const { data, error, loading, setData } = useLoad(() => inquiriesApi.one(id!), [id]);
  const depts = useLoad(() => supervisionApi.departments(), []);
  const [dept, setDept] = useState<string>();
  const [note, setNote] = useState('');
  const [actError, setActError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const returnedBy = new Set((data.timeline ?? []).filter((e) => e.type === 'returned').map((e) => e.actor));
  const dispatch = async () => {
    try {
      setData(await supervisionApi.dispatch(data.id, dept ?? '', note.trim() || undefined));
      setDone(true);
      setActError(null);
    } catch (e) {
      setActError(e);
    }
  };
  return (
    <div className="yw-page" data-testid="dispatch-detail" data-state={data.state}>
      <h1 className="yw-page-title">{t('sv.dispatch.one', { number: data.number })}</h1>
      {done && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('sv.dispatch.done', { department: data.department ?? '' })} data-testid="dispatch-done" />}
      {data.state === 'pending_dispatch' && (
        <Card className="yw-block-sm" title={<h2 className="rv-card-title">{t('sv.dispatch.to')}</h2>}>
          {data.returns > 0 && <p>{t('sv.dispatch.returnedNote', { n: data.returns })}</p>}
          <NativeSelect label={t('sv.department')} value={dept} onChange={setDept} placeholder="—" options={(depts.data ?? []).map((d) => ({ value: d.id, label: d.name }))} testid="dispatch-dept" />
          <label className="rv-field">
            <span>{t('sv.note')}</span>
            <Input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} data-testid="dispatch-note" />
          </label>
          <ErrorAlert error={actError ?? depts.error} />
          <Button className="sv-btn" type="primary" onClick={() => void dispatch()} data-testid="dispatch-submit">
            {t('sv.dispatch.submit')}
          </Button>
          {returnedBy.size > 0 && <p className="yw-block-sm">{t('sv.dispatch.notBack')}</p>}
        </Card>
      )}
      <InquiryDetail i={data} />
      <Link to="/oversight/inquiries/dispatch">{t('rv.back')}</Link>
    </div>
  );
}

// ---- the department's appeal (workbench) -------------------------------------------------------------

const EVIDENCE_TYPES: Record<string, string> = { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', ofd: 'application/ofd' };
/** The server's request limit for the base64 body (~7 MB of text ≈ 5 MB of file). */
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** 申诉: a department admin appeals a bad review it shows to be malicious, with evidence files. */
export function AppealForm({ caseId, onDone }: { caseId: string; onDone: (c: CaseView) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [files, setFiles] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const add = async (list: FileList | null) => {
    setFileError(null);
    for (const f of Array.from(list ?? [])) {
      const ext = f.name.split('.').pop()?.toLowerCase() ?? '';
      if (!EVIDENCE_TYPES[ext]) return setFileError(t('sv.appeal.badType', { name: f.name }));
      if (f.size > EVIDENCE_MAX_BYTES) return setFileError(t('sv.appeal.tooLarge', { name: f.name, mb: 5 }));
      if (files.length >= 10) return setFileError(t('sv.appeal.tooMany'));
      setBusy(true);
      try {
        const up = await supervisionApi.evidence(f.name, EVIDENCE_TYPES[ext], await toBase64(f));
        setFiles((cur) => [...cur, { id: up.id, name: f.name }]);
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    }
  };
  const submit = async () => {
    try {
      onDone(await supervisionApi.appeal(caseId, reason, files.map((f) => f.id)));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card className="yw-block-sm" data-testid="appeal-form" title={<h2 className="rv-card-title">{t('sv.appeal.title')}</h2>}>
      <p>{t('sv.appeal.lead')}</p>
      <label className="rv-field">
        <span>{t('sv.appeals.reason')}</span>
        <Input.TextArea value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={2000} data-testid="appeal-reason" />
      </label>
      <label className="rv-field">
        <span>{t('sv.appeal.files')}</span>
        <input type="file" accept=".pdf,.jpg,.jpeg,.png,.ofd" multiple onChange={(e) => void add(e.target.files)} data-testid="appeal-file" />
      </label>
      <p className="rv-hint">{t('sv.appeal.limits')}</p>
      {fileError && <Alert type="error" showIcon title={fileError} role="alert" />}
      <ul className="rv-list" data-testid="appeal-files">
        {files.map((f) => (
          <li key={f.id}>{f.name}</li>
        ))}
      </ul>
      <ErrorAlert error={error} />
      <Button className="sv-btn" type="primary" disabled={busy || !files.length} onClick={() => void submit()} data-testid="appeal-submit">
        {t('sv.appeal.submit')}
      </Button>
    </Card>
  );
}
