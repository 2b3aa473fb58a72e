import { useState } from 'react';
import { Alert, Button, Card, Input, Space } from 'antd';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { usePageTitle } from '../components/usePageTitle';
import { ErrorAlert } from '../features/applications/common';
import { InquiryDetail, InquiryForm } from '../features/reviews/components';
import { inquiriesApi, type InquiryView } from '../features/reviews/model';

/** /ask: anonymous reports (匿名举报) without signing in, with a tracking code; tracking a report. */
export default function PublicAsk() {
  const { t } = useTranslation();
  usePageTitle(t('rv.ask.title'));
  const [filed, setFiled] = useState<{ number: string; code: string } | null>(null);
  const [number, setNumber] = useState('');
  const [code, setCode] = useState('');
  const [found, setFound] = useState<InquiryView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const track = async () => {
    try {
      setFound(await inquiriesApi.track(number.trim(), code.trim()));
      setError(null);
    } catch (e) {
      setFound(null);
      setError(e);
    }
  };
  return (
    <AreaLayout area="public">
      <div className="yw-page" data-testid="public-ask">
        <h1 className="yw-page-title">{t('rv.ask.title')}</h1>
        <p className="yw-lead">{t('rv.ask.lead')}</p>
        <Alert className="yw-block-sm" type="info" showIcon title={t('rv.ask.signedIn')} action={<Link to="/portal/inquiries/new">{t('nav.portal.inquiries')}</Link>} />
        {filed ? (
          <Alert
            className="yw-block-sm"
            type="success"
            showIcon
            role="status"
            data-testid="ask-filed"
            title={t('rv.ask.keep')}
            description={
              <p>
                {t('rv.ask.number')}：<strong data-testid="ask-number">{filed.number}</strong> · {t('rv.ask.code')}：<strong data-testid="ask-code">{filed.code}</strong>
              </p>
            }
          />
        ) : (
          <InquiryForm
            kinds={['report']}
            onSubmit={async (body) => {
              const r = await inquiriesApi.create(body);
              setFiled({ number: r.number, code: r.trackingCode ?? '' });
              setNumber(r.number);
              setCode(r.trackingCode ?? '');
            }}
          />
        )}
        <Card className="yw-block-sm" title={<h2 className="rv-card-title">{t('rv.ask.track')}</h2>}>
          <p>{t('rv.ask.trackLead')}</p>
          <Space wrap>
            <label className="rv-field-inline">
              {t('rv.ask.number')}
              <Input value={number} onChange={(e) => setNumber(e.target.value)} style={{ width: 220 }} data-testid="track-number" />
            </label>
            <label className="rv-field-inline">
              {t('rv.ask.code')}
              <Input value={code} onChange={(e) => setCode(e.target.value)} style={{ width: 240 }} data-testid="track-code" />
            </label>
            <Button type="primary" onClick={() => void track()} data-testid="track-find">
              {t('rv.ask.find')}
            </Button>
          </Space>
          <ErrorAlert error={error} />
        </Card>
        {found && <InquiryDetail i={found} trackingCode={code.trim()} onChanged={setFound} />}
        <p>
          <Link to="/knowledge">{t('rv.kb.title')}</Link>
        </p>
      </div>
    </AreaLayout>
  );
}
