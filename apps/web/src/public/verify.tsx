import { useState } from 'react';
import { Alert, Button, Descriptions, Form, Input, Result, Space, Tag } from 'antd';
import { CheckCircleFilled, CloseCircleFilled, MinusCircleFilled } from '@ant-design/icons';
import { Route, Routes, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { Loading, NotFound } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { ErrorAlert, formatTime, useLoad } from '../features/applications/common';
import { licencesApi, pick, type SignedVerification } from '../features/licences/model';

/** /verify: the public licence verification page — scanned QR codes land on /verify/p/:id; a presentation can be pasted at /verify. */
export default function PublicVerify() {
  return (
    <AreaLayout area="public">
      <Routes>
        <Route index element={<Paste />} />
        <Route path="p/:id" element={<Scanned />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </AreaLayout>
  );
}

function Scanned() {
  const { id } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('lic.verify.title'));
  const { data, error, loading } = useLoad(() => licencesApi.presentation(id!), [id]);
  return (
    <div className="yw-page" data-testid="verify-page">
      <h1 className="yw-page-title">{t('lic.verify.title')}</h1>
      {loading && !data ? <Loading /> : data ? <Outcome v={data} /> : <ErrorAlert error={error} />}
    </div>
  );
}

function Paste() {
  const { t } = useTranslation();
  usePageTitle(t('lic.verify.title'));
  const [v, setV] = useState<SignedVerification | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="yw-page" data-testid="verify-page">
      <h1 className="yw-page-title">{t('lic.verify.title')}</h1>
      <p className="yw-lead">{t('lic.verify.lead')}</p>
      <Form
        layout="vertical"
        onFinish={async (values: { presentation: string }) => {
          setBusy(true);
          setErr(null);
          try {
            setV(await licencesApi.verify(values.presentation.trim()));
          } catch (e) {
            setErr(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item name="presentation" label={t('lic.verify.paste')} rules={[{ required: true, message: t('lic.verify.paste') }]}>
          <Input.TextArea rows={4} data-testid="verify-input" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="verify-submit">
          {t('lic.verify.submit')}
        </Button>
      </Form>
      <ErrorAlert error={err} />
      {v && <Outcome v={v} />}
    </div>
  );
}

function Check({ ok, label }: { ok: boolean | null; label: string }) {
  const { t } = useTranslation();
  const icon = ok === true ? <CheckCircleFilled style={{ color: '#2e7d32' }} aria-hidden="true" /> : ok === false ? <CloseCircleFilled style={{ color: '#b71c1c' }} aria-hidden="true" /> : <MinusCircleFilled style={{ color: '#8c8c8c' }} aria-hidden="true" />;
  return (
    <li>
      {icon} {label}：{ok === true ? t('lic.verify.pass') : ok === false ? t('lic.verify.fail') : t('lic.verify.notChecked')}
    </li>
  );
}

function Outcome({ v }: { v: SignedVerification }) {
  const { t, i18n } = useTranslation();
  const r = v.result;
  const zh = i18n.language.startsWith('zh');
  const l = r.licence;
  return (
    <div data-testid="verify-result" data-status={r.status} className="yw-block-sm">
      <Result
        status={r.valid ? 'success' : 'error'}
        title={<span data-testid="verify-status">{t(`lic.verify.status.${r.status}`)}</span>}
        subTitle={r.reason ? pick(r.reason, i18n.language) : l ? `${pick(l.typeName, i18n.language)} · ${zh ? l.issuer.name : l.issuer.nameEn}` : undefined}
      />
      <ul aria-label={t('lic.verify.checks')} className="yw-block-sm" style={{ listStyle: 'none', paddingLeft: 0 }}>
        <Check ok={r.checks.signature} label={t('lic.verify.check.signature')} />
        <Check ok={r.checks.issuerTrusted} label={t('lic.verify.check.issuer')} />
        <Check ok={r.checks.notExpired} label={t('lic.verify.check.validity')} />
        <Check ok={r.checks.status === null || r.checks.status === 'unchecked' ? null : r.checks.status === 'valid' || r.checks.status === 'none'} label={t('lic.verify.check.status')} />
        <Check ok={r.checks.keyBinding} label={t('lic.verify.check.holder')} />
      </ul>
      {l && (
        <>
          <Descriptions bordered column={1} size="small" title={t('lic.verify.disclosed')} data-testid="verify-fields">
            {Object.entries(l.disclosed).map(([k, val]) => (
              <Descriptions.Item key={k} label={pick(l.fieldLabels[k], i18n.language) || k}>
                <span data-testid={`verify-field-${k}`}>{String(val)}</span>
              </Descriptions.Item>
            ))}
          </Descriptions>
          <Space wrap className="yw-block-sm">
            <Tag>{t('lic.issuer')}：{zh ? l.issuer.name : l.issuer.nameEn}</Tag>
            {!l.issuer.local && <Tag style={{ color: '#0a3670', background: '#eaf1fb', borderColor: '#9dbbe6' }}>{t('lic.verify.otherRegion')}</Tag>}
            <Tag>{l.alg}</Tag>
            {l.validUntil && <Tag>{t('lic.validity')}：{l.validUntil.slice(0, 10)}</Tag>}
          </Space>
          <Alert className="yw-block-sm" type="info" showIcon title={t('lic.verify.onlyDisclosed')} />
        </>
      )}
      <p className="yw-muted">
        {t('lic.verify.receipt', { id: v.receipt.id, time: formatTime(v.receipt.at, i18n.language) })}
      </p>
    </div>
  );
}
