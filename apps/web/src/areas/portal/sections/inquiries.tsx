import { Alert, Button, Space } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Loading, NotFound } from '../../../components/States';
import { usePageTitle } from '../../../components/usePageTitle';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { InquiryDetail, InquiryForm, InquiryTable } from '../../../features/reviews/components';
import { inquiriesApi } from '../../../features/reviews/model';

/** 咨询投诉 (/portal/inquiries): my requests (12345), a new one (new), one request (:id). */
export default function PortalInquiries() {
  return (
    <Routes>
      <Route index element={<MyInquiries />} />
      <Route path="new" element={<NewInquiry />} />
      <Route path=":id" element={<OneInquiry />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function MyInquiries() {
  const { t } = useTranslation();
  usePageTitle(t('nav.portal.inquiries'));
  const { data, error, loading, reload } = useLoad(() => inquiriesApi.mine(), []);
  return (
    <div className="yw-page" data-testid="my-inquiries">
      <h1 className="yw-page-title">{t('nav.portal.inquiries')}</h1>
      <p className="yw-lead">{t('rv.inq.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Link to="new">
          <Button type="primary" icon={<PlusOutlined aria-hidden="true" />} data-testid="inq-new">
            {t('rv.inq.new')}
          </Button>
        </Link>
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('rv.refresh')}
        </Button>
        <Link to="/knowledge">{t('rv.kb.title')}</Link>
        <Link to="/ask">{t('rv.ask.title')}</Link>
      </Space>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : <InquiryTable rows={data ?? []} base="/portal/inquiries" testid="my-inquiry-table" />}
    </div>
  );
}

function NewInquiry() {
  const { t } = useTranslation();
  const nav = useNavigate();
  usePageTitle(t('rv.inq.new'));
  return (
    <div className="yw-page" data-testid="new-inquiry">
      <h1 className="yw-page-title">{t('rv.inq.new')}</h1>
      <p className="yw-lead">{t('rv.inq.lead')}</p>
      <InquiryForm
        attachments
        kinds={['consultation', 'complaint', 'suggestion', 'help', 'report']}
        onSubmit={async (body) => {
          const r = await inquiriesApi.create(body);
          nav(`/portal/inquiries/${r.id}`);
        }}
      />
    </div>
  );
}

function OneInquiry() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('nav.portal.inquiries'));
  const { data, error, loading, setData } = useLoad(() => inquiriesApi.one(id!), [id]);
  if (loading && !data) return <Loading />;
  return (
    <div className="yw-page">
      <h1 className="yw-page-title">{data?.title ?? t('nav.portal.inquiries')}</h1>
      <ErrorAlert error={error} />
      {data && (
        <>
          {data.state === 'closed' && <Alert className="yw-block-sm" type="success" showIcon title={t('rv.inq.states.closed')} />}
          <InquiryDetail i={data} onChanged={setData} />
        </>
      )}
      <Link to="/portal/inquiries">{t('rv.back')}</Link>
    </div>
  );
}
