import { useState } from 'react';
import { Alert, Button, Card, Input } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../../prefs';
import { useSession } from '../../../auth';
import { Loading, NotFound } from '../../../components/States';
import { usePageTitle } from '../../../components/usePageTitle';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { LevelTag, NativeSelect, RvTag } from '../../../features/reviews/components';
import { fmtTime, reviewsApi, type CaseRow, type CaseView } from '../../../features/reviews/model';
import { DataTable } from '../../../components/DataTable';
import { AppealForm } from '../../../features/reviews/supervision';
import { CaseEvents, CaseSummary, SLA_TONE } from '../../../features/reviews/CaseSummary';

/** 差评整改 (/workbench/rectification): the department's cases with their step deadlines; one case (:id). */
export default function WorkbenchRectification() {
  return (
    <Routes>
      <Route index element={<Cases />} />
      <Route path=":id" element={<OneCase />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function VisitRecorder() {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Card size="small" className="yw-block-sm" title={<h2 className="rv-card-title">{t('rv.visit.record')}</h2>}>
      <div className="yw-wrap-row">
        <label className="rv-field-inline">
          {t('rv.visit.personName')}
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={50} style={{ width: 180 }} data-testid="visit-person" />
        </label>
        <Button
          data-testid="visit-create"
          onClick={() =>
            reviewsApi.createVisit(name.trim() || undefined).then(
              (v) => {
                setLink(`${location.origin}${v.link}`);
                setError(null);
              },
              setError,
            )
          }
        >
          {t('rv.visit.record')}
        </Button>
      </div>
      <ErrorAlert error={error} />
      {link && (
        <p className="yw-block-sm">
          {t('rv.visit.link')} <a href={link} data-testid="visit-link">{link}</a>
        </p>
      )}
    </Card>
  );
}

function Cases() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  usePageTitle(t('nav.workbench.rectification'));
  const { data, error, loading, reload } = useLoad(() => reviewsApi.cases(), []);
  const clerk = !!me?.account.roles.includes('window_clerk');
  return (
    <div className="yw-page" data-testid="rectification-page">
      <h1 className="yw-page-title">{t('nav.workbench.rectification')}</h1>
      <p className="yw-lead">{t('rv.rect.lead')}</p>
      {clerk && <VisitRecorder />}
      <Button className="yw-block-sm" icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()} data-testid="cases-refresh">
        {t('rv.refresh')}
      </Button>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <DataTable<CaseRow> label={t('nav.workbench.rectification')}
          rowKey="id"
          dataSource={data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: t('rv.rect.empty') }}
          onRow={(r) => ({ 'data-testid': 'case-row', 'data-number': r.number, 'data-state': r.state }) as React.HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('rv.rect.number'), dataIndex: 'number', render: (v: string, r) => <Link to={r.id}>{v}</Link> },
            { title: t('rv.rect.subject'), dataIndex: 'subject' },
            { title: t('rv.rect.review'), render: (_: unknown, r) => <LevelTag level={r.firstLevel} /> },
            { title: t('rv.rect.state'), render: (_: unknown, r) => t(`rv.caseState.${r.state}`) },
            { title: t('rv.rect.due'), render: (_: unknown, r) => r.stepDue ?? '—' },
            { title: t('rv.rect.sla'), render: (_: unknown, r) => (r.stepDue ? <RvTag tone={SLA_TONE[r.slaState]}>{t(`rv.sla.${r.slaState}`)}</RvTag> : null) },
            { title: '', render: (_: unknown, r) => fmtTime(r.createdAt, lang) },
          ]}
        />
      )}
    </div>
  );
}

function OneCase() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.rectification'));
  const { data, error, loading, setData } = useLoad(() => reviewsApi.case(id!), [id]);
  const { me } = useSession();
  const [finding, setFinding] = useState<string>();
  const [text, setText] = useState('');
  const [actError, setActError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const c: CaseView = data;
  const act = async (action: 'verify' | 'rectify' | 'feedback') => {
    const body: Record<string, string> = action === 'verify' ? { finding: finding ?? '', note: text } : action === 'rectify' ? { measures: text } : { message: text };
    try {
      setData(await reviewsApi.step(c.id, action, body));
      setText('');
      setSaved(true);
      setActError(null);
    } catch (e) {
      setActError(e);
    }
  };
  const step = c.state === 'verifying' ? 'verify' : c.state === 'rectifying' ? 'rectify' : c.state === 'feedback' ? 'feedback' : null;
  const label = step === 'verify' ? t('rv.rect.note') : step === 'rectify' ? t('rv.rect.measures') : t('rv.rect.message');
  return (
    <div className="yw-page" data-testid="case-detail" data-state={c.state}>
      <h1 className="yw-page-title">{t('rv.mine.case', { number: c.number, state: t(`rv.caseState.${c.state}`) })}</h1>
      <CaseSummary c={c} />
      {saved && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('rv.rect.done')} data-testid="case-saved" />}
      {step && (
        <Card className="yw-block-sm" data-testid="case-act">
          {step === 'verify' && (
            <NativeSelect label={t('rv.rect.finding')} value={finding} onChange={setFinding} placeholder="—" testid="case-finding" options={['confirmed', 'partly', 'not_confirmed'].map((f) => ({ value: f, label: t(`rv.rect.findingOpt.${f}`) }))} />
          )}
          <label className="rv-field">
            <span>{label}</span>
            <Input.TextArea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={2000} data-testid="case-text" />
          </label>
          <ErrorAlert error={actError} />
          <Button type="primary" onClick={() => void act(step)} data-testid={`case-${step}`}>
            {step === 'verify' ? t('rv.rect.doVerify') : step === 'rectify' ? t('rv.rect.doRectify') : t('rv.rect.doFeedback')}
          </Button>
          <p className="yw-block-sm">{t('rv.rect.appealNote')}</p>
        </Card>
      )}
      {step && !c.appeal && me?.account.roles.includes('dept_admin') && <AppealForm caseId={c.id} onDone={(v) => setData(v)} />}
      {c.appeal && (
        <Alert className="yw-block-sm" type={c.appeal.decision === 'upheld' ? 'success' : 'info'} showIcon title={t('sv.appeal.status', { state: t(`sv.appeal.states.${c.appeal.decision ?? 'pending'}`) })} description={c.appeal.reason} data-testid="case-appeal" />
      )}
      <CaseEvents c={c} />
      <Link to="..">{t('rv.back')}</Link>
    </div>
  );
}
