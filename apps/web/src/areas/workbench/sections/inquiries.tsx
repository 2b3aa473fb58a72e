import { useState } from 'react';
import { Alert, Button, Card, Input, Space } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Loading, NotFound } from '../../../components/States';
import { usePageTitle } from '../../../components/usePageTitle';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { InquiryDetail, InquiryTable } from '../../../features/reviews/components';
import { inquiriesApi, type InquiryView } from '../../../features/reviews/model';

/** 诉求办理 (/workbench/inquiries): requests dispatched to the department, with their deadlines; one request (:id). */
export default function WorkbenchInquiries() {
  return (
    <Routes>
      <Route index element={<DeptInquiries />} />
      <Route path=":id" element={<HandleInquiry />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function DeptInquiries() {
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.inquiries'));
  const { data, error, loading, reload } = useLoad(() => inquiriesApi.list(), []);
  const open = (data ?? []).filter((i) => i.state !== 'closed');
  const closed = (data ?? []).filter((i) => i.state === 'closed');
  return (
    <div className="yw-page" data-testid="dept-inquiries">
      <h1 className="yw-page-title">{t('nav.workbench.inquiries')}</h1>
      <p className="yw-lead">{t('rv.inq.deptLead')}</p>
      <Button className="yw-block-sm" icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
        {t('rv.refresh')}
      </Button>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <>
          <InquiryTable rows={open} base="/workbench/inquiries" testid="dept-inquiry-table" />
          {closed.length > 0 && (
            <>
              <h2 className="rv-h3">{t('rv.inq.states.closed')}</h2>
              <InquiryTable rows={closed} base="/workbench/inquiries" testid="dept-inquiry-closed" />
            </>
          )}
        </>
      )}
    </div>
  );
}

function HandleInquiry() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.inquiries'));
  const { data, error, loading, setData } = useLoad(() => inquiriesApi.one(id!), [id]);
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const [actError, setActError] = useState<unknown>(null);
  const [curated, setCurated] = useState(false);
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const i: InquiryView = data;
  const act = async (action: 'respond' | 'reply' | 'return', body: Record<string, string>) => {
    try {
      setData(await inquiriesApi.act(i.id, action, body));
      setActError(null);
    } catch (e) {
      setActError(e);
    }
  };
  const curate = async () => {
    try {
      await inquiriesApi.curate({ inquiryId: i.id, question: i.content ?? i.title, answer: i.reply ?? '', ...(i.itemId ? { itemId: i.itemId } : {}) });
      setCurated(true);
    } catch (e) {
      setActError(e);
    }
  };
  const open = i.state === 'dispatched' || i.state === 'responded';
  const actions = (
    <>
      <ErrorAlert error={actError} />
      {open && (
        <Card className="yw-block-sm" data-testid="inquiry-act">
          {i.state === 'dispatched' && (
            <Button className="yw-block-sm" onClick={() => void act('respond', {})} data-testid="inq-respond">
              {t('rv.inq.respond')}
            </Button>
          )}
          <label className="rv-field">
            <span>{t('rv.inq.reply')}</span>
            <Input.TextArea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={4000} data-testid="inq-reply-text" />
          </label>
          <Button type="primary" onClick={() => void act('reply', { reply: text })} data-testid="inq-reply">
            {t('rv.inq.doReply')}
          </Button>
          <Space className="yw-block-sm" wrap>
            <label className="rv-field-inline">
              {t('rv.inq.returnReason')}
              <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} style={{ width: 280 }} data-testid="inq-return-reason" />
            </label>
            <Button danger onClick={() => void act('return', { reason })} data-testid="inq-return">
              {t('rv.inq.return')}
            </Button>
          </Space>
        </Card>
      )}
      {i.kind === 'consultation' && (i.state === 'replied' || i.state === 'closed') && (
        <Card className="yw-block-sm">
          {curated ? (
            <Alert type="success" showIcon role="status" title={t('rv.inq.curated')} />
          ) : (
            <Button onClick={() => void curate()} data-testid="inq-curate">
              {t('rv.inq.curate')}
            </Button>
          )}
        </Card>
      )}
    </>
  );
  return (
    <div className="yw-page">
      <h1 className="yw-page-title">{i.title}</h1>
      <InquiryDetail i={i} actions={actions} />
      <Link to="/workbench/inquiries">{t('rv.back')}</Link>
    </div>
  );
}
