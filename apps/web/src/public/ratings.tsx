import { useState } from 'react';
import { Card, Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { Loading } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { usePrefs } from '../prefs';
import { ErrorAlert, useLoad } from '../features/applications/common';
import { LevelTag, RvTag } from '../features/reviews/components';
import { fmtTime, inquiriesApi, pct, reviewsApi, type LedgerRow, type StatsRow } from '../features/reviews/model';
import { DataTable } from '../components/DataTable';

/** /ratings: 好差评公示 — statistics by department, service, region, channel or month; the rectification ledger; the 12345 rates. */
export default function PublicRatings() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('rv.pub.title'));
  const [group, setGroup] = useState('department');
  const stats = useLoad(async () => {
    const [all, grouped, ledger, rates] = await Promise.all([reviewsApi.stats('none'), reviewsApi.stats(group), reviewsApi.ledger(), inquiriesApi.rates('department')]);
    return { all: all.rows[0] as StatsRow | undefined, grouped: grouped.rows, ledger, rates: rates.rows };
  }, [group]);
  const d = stats.data;
  const label = (r: StatsRow) => (group === 'channel' && r.key ? t(`rv.channel.${r.key}`) : (r.name ?? r.key ?? '—'));
  return (
    <AreaLayout area="public">
      <div className="yw-page" data-testid="public-ratings">
        <h1 className="yw-page-title">{t('rv.pub.title')}</h1>
        <p className="yw-lead">{t('rv.pub.lead')}</p>
        <ErrorAlert error={stats.error} />
        {!d ? (
          <Loading />
        ) : (
          <>
            <Card className="yw-block-sm" data-testid="ratings-summary" data-total={d.all?.total ?? 0} data-good-rate={d.all?.goodRate ?? ''} data-bad={d.all?.bad ?? 0}>
              <p>{t('rv.pub.summary', { total: d.all?.total ?? 0, good: pct(d.all?.goodRate), bad: d.all?.bad ?? 0, rect: pct(d.all?.rectificationRate) })}</p>
            </Card>
            <div className="yw-block-sm">
              <span id="rv-group-label">{t('rv.pub.groupBy')}</span>{' '}
              <Segmented aria-labelledby="rv-group-label" value={group} onChange={(v) => setGroup(String(v))} options={['department', 'item', 'region', 'channel', 'month'].map((g) => ({ value: g, label: t(`rv.pub.groups.${g}`) }))} />
            </div>
            <DataTable<StatsRow> label={t('rv.pub.title')}
              rowKey={(r) => String(r.key)}
              dataSource={d.grouped}
              pagination={false}
              size="small"
              className="yw-block-sm"
              data-testid="ratings-table"
              onRow={(r) => ({ 'data-testid': 'ratings-row', 'data-name': label(r), 'data-good-rate': r.goodRate ?? '' }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t(`rv.pub.groups.${group}`), render: (_: unknown, r) => label(r) },
                { title: t('rv.pub.total'), dataIndex: 'total' },
                { title: t('rv.pub.goodRate'), render: (_: unknown, r) => pct(r.goodRate) },
                { title: t('rv.pub.bad'), dataIndex: 'bad' },
                { title: t('rv.pub.rectRate'), render: (_: unknown, r) => pct(r.rectificationRate) },
                { title: t('rv.pub.onTimeRate'), render: (_: unknown, r) => pct(r.onTimeRate) },
              ]}
            />
            <h2 className="rv-h2">{t('rv.pub.ledger')}</h2>
            <DataTable<LedgerRow> label={t('rv.pub.ledger')}
              rowKey="number"
              dataSource={d.ledger.items}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              size="small"
              className="yw-block-sm"
              data-testid="ledger-table"
              onRow={(r) => ({ 'data-testid': 'ledger-row', 'data-state': r.state }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                { title: t('rv.pub.case'), dataIndex: 'number' },
                { title: t('rv.pub.department'), dataIndex: 'department' },
                { title: t('rv.rect.reviewer'), dataIndex: 'reviewer' },
                { title: t('rv.pub.first'), render: (_: unknown, r) => <LevelTag level={r.firstLevel} /> },
                { title: t('rv.pub.now'), render: (_: unknown, r) => (r.rerated ? <LevelTag level={r.level} /> : '—') },
                { title: t('rv.pub.comment'), dataIndex: 'comment' },
                { title: t('rv.pub.measures'), dataIndex: 'measures' },
                { title: t('rv.rect.state'), render: (_: unknown, r) => (r.appealUpheld ? <RvTag>{t('rv.pub.appealUpheld')}</RvTag> : t(`rv.caseState.${r.state}`)) },
                { title: t('rv.pub.onTime'), render: (_: unknown, r) => (r.onTime === null ? '—' : r.onTime ? <RvTag tone="good">{t('rv.pub.onTime')}</RvTag> : <RvTag tone="bad">{t('rv.pub.late')}</RvTag>) },
                { title: '', render: (_: unknown, r) => fmtTime(r.openedAt, lang) },
              ]}
            />
            <h2 className="rv-h2">{t('rv.pub.rates')}</h2>
            <DataTable label={t('rv.pub.rates')}
              rowKey={(r) => String(r.key)}
              dataSource={d.rates}
              pagination={false}
              size="small"
              data-testid="rates-table"
              columns={[
                { title: t('rv.pub.department'), render: (_: unknown, r: (typeof d.rates)[number]) => r.name ?? '—' },
                { title: t('rv.pub.requests'), dataIndex: 'total' },
                { title: t('rv.pub.responseRate'), render: (_: unknown, r: (typeof d.rates)[number]) => pct(r.responseRate) },
                { title: t('rv.pub.resolutionRate'), render: (_: unknown, r: (typeof d.rates)[number]) => pct(r.resolutionRate) },
                { title: t('rv.pub.satisfactionRate'), render: (_: unknown, r: (typeof d.rates)[number]) => pct(r.satisfactionRate) },
              ]}
            />
          </>
        )}
      </div>
    </AreaLayout>
  );
}
