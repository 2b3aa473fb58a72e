import { useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Empty, List, Space, Tag } from 'antd';
import { QrcodeOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Loading, NotFound } from '../../../components/States';
import { usePageTitle } from '../../../components/usePageTitle';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { licencesApi, pick, type Presentation, type WalletLicence } from '../../../features/licences/model';
import { DataTable } from '../../../components/DataTable';

/** Status colours with at least 4.5:1 contrast (antd's preset tag colours fall short). */
const TONE: Record<string, { color: string; background: string; borderColor: string }> = {
  valid: { color: '#1e6b34', background: '#eaf5ee', borderColor: '#a8d5b5' },
  resolved: { color: '#1e6b34', background: '#eaf5ee', borderColor: '#a8d5b5' },
  suspended: { color: '#7a4200', background: '#fff3dc', borderColor: '#f0c98a' },
  unavailable: { color: '#7a4200', background: '#fff3dc', borderColor: '#f0c98a' },
  revoked: { color: '#8e1f18', background: '#fdecea', borderColor: '#f1b5ae' },
  expired: { color: '#3d3d3d', background: '#eeeeee', borderColor: '#cccccc' },
};

/** 我的证照 (/portal/licences): the wallet, one licence with field choice and a presentation QR, and the use records. */
export default function PortalLicences() {
  return (
    <Routes>
      <Route index element={<Wallet />} />
      <Route path="uses" element={<Uses />} />
      <Route path=":id" element={<OneLicence />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function StatusTag({ l }: { l: Pick<WalletLicence, 'status' | 'statusLabel'> }) {
  const { i18n } = useTranslation();
  return (
    <Tag style={TONE[l.status]} data-testid="licence-status">
      {pick(l.statusLabel, i18n.language)}
    </Tag>
  );
}

function Wallet() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('lic.wallet.title'));
  const { data, error, loading } = useLoad(() => licencesApi.wallet(), []);
  return (
    <div className="yw-page" data-testid="licence-wallet">
      <h1 className="yw-page-title">{t('lic.wallet.title')}</h1>
      <p className="yw-lead">{t('lic.wallet.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <Link to="uses">{t('lic.uses.title')}</Link>
        <Link to="/verify">{t('lic.verify.title')}</Link>
      </Space>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : !data?.length ? (
        <Empty description={t('lic.wallet.empty')} />
      ) : (
        <List
          grid={{ gutter: 16, xs: 1, sm: 1, md: 2, lg: 3 }}
          dataSource={data}
          renderItem={(l) => (
            <List.Item>
              <Card
                title={
                  <Space>
                    <SafetyCertificateOutlined aria-hidden="true" />
                    <Link to={l.id} data-testid={`licence-link-${l.type}`}>
                      {pick(l.typeName, i18n.language)}
                    </Link>
                  </Space>
                }
                extra={<StatusTag l={l} />}
                data-testid={`licence-card-${l.type}`}
              >
                <Descriptions column={1} size="small">
                  <Descriptions.Item label={t('lic.number')}>{l.number}</Descriptions.Item>
                  <Descriptions.Item label={t('lic.issuer')}>{i18n.language.startsWith('zh') ? l.issuer.name : l.issuer.nameEn}</Descriptions.Item>
                  {l.fields.map((f) => (
                    <Descriptions.Item key={f.key} label={i18n.language.startsWith('zh') ? f.zh : f.en}>
                      {String(f.value)}
                    </Descriptions.Item>
                  ))}
                </Descriptions>
              </Card>
            </List.Item>
          )}
        />
      )}
    </div>
  );
}

function OneLicence() {
  const { id } = useParams();
  const { t, i18n } = useTranslation();
  const { elder } = usePrefs();
  const { data, error, loading } = useLoad(() => licencesApi.one(id!), [id]);
  usePageTitle(data ? pick(data.typeName, i18n.language) : t('lic.wallet.title'));
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [presentation, setPresentation] = useState<Presentation | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  if (loading && !data) return <Loading />;
  if (!data) return <div className="yw-page"><ErrorAlert error={error} /></div>;
  const zh = i18n.language.startsWith('zh');
  const fields = chosen ?? data.defaultFields;
  const present = async () => {
    setBusy(true);
    setErr(null);
    try {
      setPresentation(await licencesApi.present(data.id, fields));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="yw-page" data-testid="licence-detail">
      <h1 className="yw-page-title">
        {pick(data.typeName, i18n.language)} <StatusTag l={data} />
      </h1>
      {data.status !== 'valid' && <Alert className="yw-block-sm" type="warning" showIcon title={t('lic.notPresentable')} description={data.statusReason ?? undefined} />}
      <Descriptions bordered column={1} size={elder ? 'default' : 'small'} className="yw-block-sm">
        <Descriptions.Item label={t('lic.number')}>{data.number}</Descriptions.Item>
        <Descriptions.Item label={t('lic.issuer')}>{zh ? data.issuer.name : data.issuer.nameEn}</Descriptions.Item>
        <Descriptions.Item label={t('lic.validity')}>
          {data.validFrom.slice(0, 10)} — {data.validUntil ? data.validUntil.slice(0, 10) : t('lic.longTerm')}
        </Descriptions.Item>
      </Descriptions>
      <h2>{t('lic.present.title')}</h2>
      <p>{t('lic.present.lead')}</p>
      <fieldset className="yw-block-sm" data-testid="present-fields">
        <legend>{t('lic.present.choose')}</legend>
        <Space direction="vertical">
          {data.fields.map((f) => (
            <Checkbox
              key={f.key}
              checked={fields.includes(f.key)}
              onChange={(e) => setChosen(e.target.checked ? [...fields, f.key] : fields.filter((k) => k !== f.key))}
              data-testid={`field-${f.key}`}
            >
              <strong>{zh ? f.zh : f.en}</strong>：{String(f.value)}
            </Checkbox>
          ))}
        </Space>
      </fieldset>
      <ErrorAlert error={err} />
      <Space wrap className="yw-block-sm">
        <Button type="primary" icon={<QrcodeOutlined aria-hidden="true" />} disabled={!fields.length || data.status !== 'valid'} loading={busy} onClick={() => void present()} data-testid="present-submit">
          {t('lic.present.submit', { n: fields.length })}
        </Button>
        <a href={`/api/licences/wallet/${data.id}/rendition?lang=${zh ? 'zh' : 'en'}`} target="_blank" rel="noreferrer">
          {t('lic.rendition')}
        </a>
      </Space>
      {presentation && (
        <Card className="yw-block-sm" data-testid="presentation">
          <Space align="start" wrap>
            <div role="img" aria-label={t('lic.present.qr')} style={{ width: elder ? 280 : 220 }} dangerouslySetInnerHTML={{ __html: presentation.qrSvg }} />
            <div>
              <p>{t('lic.present.expires', { time: formatTime(presentation.expiresAt, i18n.language) })}</p>
              <p>
                {t('lic.present.disclosed')}：{presentation.fields.map((k) => { const f = data.fields.find((x) => x.key === k); return f ? (zh ? f.zh : f.en) : k; }).join('、')}
              </p>
              <a href={presentation.url} data-testid="presentation-link" target="_blank" rel="noreferrer">
                {presentation.url}
              </a>
            </div>
          </Space>
        </Card>
      )}
      <p>
        <Link to="/portal/licences">{t('lic.back')}</Link>
      </p>
    </div>
  );
}

function Uses() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('lic.uses.title'));
  const { data, error, loading } = useLoad(() => licencesApi.uses(), []);
  const zh = i18n.language.startsWith('zh');
  return (
    <div className="yw-page" data-testid="licence-uses">
      <h1 className="yw-page-title">{t('lic.uses.title')}</h1>
      <p className="yw-lead">{t('lic.uses.lead')}</p>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <DataTable label={t('lic.uses.title')}
          rowKey="id"
          dataSource={data ?? []}
          pagination={{ pageSize: 20 }}
          columns={[
            { title: t('lic.uses.at'), dataIndex: 'at', render: (v: string) => formatTime(v, i18n.language) },
            { title: t('lic.uses.licence'), render: (_, u) => `${pick(u.licence.typeName, i18n.language)} ${u.licence.number}` },
            { title: t('lic.uses.by'), render: (_, u) => `${zh ? u.usedBy.department : u.usedBy.departmentEn}（${u.usedBy.name}）` },
            { title: t('lic.uses.purpose'), render: (_, u) => [u.purpose.itemName, u.purpose.applicationNo, u.purpose.material].filter(Boolean).join(' · ') },
            { title: t('lic.uses.outcome'), dataIndex: 'outcome', render: (v: string) => <Tag style={TONE[v]}>{t(`lic.uses.outcomes.${v}`)}</Tag> },
          ]}
        />
      )}
      <Link to="/portal/licences">{t('lic.back')}</Link>
    </div>
  );
}
