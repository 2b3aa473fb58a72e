import { useState } from 'react';
import { Card, DatePicker, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { get } from '../../../api';
import { usePageTitle } from '../../../components/usePageTitle';
import { Loading } from '../../../components/States';
import { usePrefs } from '../../../prefs';
import { ErrorAlert, formatTime, useLoad } from '../../../features/applications/common';
import { DataTable } from '../../../components/DataTable';

interface Row {
  resource: { code: string; name: string | null };
  consumer: { id: string | null; name: string | null; nameEn: string | null };
  calls: number; answered: number; refused: number; verifications: number; queries: number; lastAt: string | null;
}

/** /admin/exchange: call statistics per resource and consumer, and the exchange's signing key. */
export default function AdminExchange() {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const zh = lang.startsWith('zh');
  usePageTitle(t('ex.stats.title'));
  const [range, setRange] = useState<[string, string] | null>(null);
  const stats = useLoad(() => get<{ from: string; to: string; rows: Row[] }>(`/api/exchange/stats${range ? `?from=${encodeURIComponent(range[0])}&to=${encodeURIComponent(range[1])}` : ''}`), [range?.[0], range?.[1]]);
  const keys = useLoad(() => get<{ keys: { kid: string; crv: string; x: string }[] }>('/api/exchange/keys'), []);
  const rows = stats.data?.rows ?? [];
  const sum = (k: 'calls' | 'answered' | 'refused' | 'verifications') => rows.reduce((s, r) => s + r[k], 0);
  return (
    <div className="yw-page" data-testid="ex-stats">
      <h1 className="yw-page-title">{t('ex.stats.title')}</h1>
      <p>{t('ex.stats.lead')}</p>
      <Space className="yw-block-sm" wrap>
        <span id="ex-range">{t('ex.stats.range')}</span>
        <DatePicker.RangePicker aria-labelledby="ex-range" onChange={(v) => setRange(v && v[0] && v[1] ? [v[0].startOf('day').toISOString(), v[1].endOf('day').toISOString()] : null)} />
      </Space>
      <ErrorAlert error={stats.error} />
      {!stats.data ? (
        <Loading />
      ) : (
        <>
          <Space wrap size="large" className="yw-block-sm">
            <Card size="small"><Statistic title={t('ex.stats.calls')} value={sum('calls')} /></Card>
            <Card size="small"><Statistic title={t('ex.stats.answered')} value={sum('answered')} /></Card>
            <Card size="small"><Statistic title={t('ex.stats.refused')} value={sum('refused')} /></Card>
            <Card size="small"><Statistic title={t('ex.stats.verifications')} value={sum('verifications')} /></Card>
          </Space>
          <DataTable<Row> label={t('ex.stats.title')}
            size={elder ? 'large' : 'small'}
            rowKey={(r) => `${r.resource.code}|${r.consumer.id}`}
            dataSource={rows}
            data-testid="ex-stats-table"
            columns={[
              { title: t('ex.resource'), key: 'r', render: (_: unknown, r) => <>{r.resource.name ?? r.resource.code}<div className="yw-muted">{r.resource.code}</div></> },
              { title: t('ex.consumer'), key: 'c', render: (_: unknown, r) => (zh ? r.consumer.name : r.consumer.nameEn) ?? '—' },
              { title: t('ex.stats.calls'), dataIndex: 'calls', sorter: (a, b) => a.calls - b.calls },
              { title: t('ex.stats.answered'), dataIndex: 'answered' },
              { title: t('ex.stats.refused'), dataIndex: 'refused' },
              { title: t('ex.stats.verifications'), dataIndex: 'verifications' },
              { title: t('ex.stats.queries'), dataIndex: 'queries' },
              { title: t('ex.stats.last'), key: 'l', render: (_: unknown, r) => formatTime(r.lastAt, lang) },
            ]}
          />
        </>
      )}
      <Card size="small" title={t('ex.stats.key')} className="yw-block-sm">
        {keys.data?.keys.map((k) => (
          <div key={k.kid}>
            <Typography.Text>Ed25519 · kid </Typography.Text>
            <Typography.Text code copyable>{k.kid}</Typography.Text>
          </div>
        ))}
        <p className="yw-muted">{t('ex.stats.keyNote')}</p>
      </Card>
    </div>
  );
}
