import { Card, Tag } from 'antd';
import { Link, Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { NotFound } from '../components/States';
import { ErrorBox, formatValue, useL10n, useLoad } from '../features/oversight/common';
import { EvaluationPage, MethodologyPage, RegionEvaluationPage } from '../features/oversight/pages';
import { oversightApi } from '../features/oversight/model';
import { DataTable } from '../components/DataTable';

/** Public review statistics (好差评、12345 公开): the node's figures, or "not available" plainly. */
function ServiceStatistics() {
  const { t } = useTranslation();
  const l = useL10n();
  const { data, error } = useLoad(() => oversightApi.serviceStats(), []);
  return (
    <Card className="yw-block" title={<h2 className="yw-section-title">{t('ov.publicStats')}</h2>} data-testid="public-service-stats">
      <ErrorBox error={error} />
      {data ? (
        <DataTable label={t('ov.publicStats')}
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={data.widgets.filter((w) => w.chart === 'kpi')}
          columns={[
            { title: t('ov.measure'), key: 'n', render: (_: unknown, w) => l(w.title) },
            { title: t('ov.value'), key: 'v', align: 'right', render: (_: unknown, w) => (w.available ? formatValue(w.value, w.unit) : <Tag>{t('ov.unavailable')}</Tag>) },
            { title: t('ov.formula'), key: 'f', render: (_: unknown, w) => l(w.formula) },
          ]}
        />
      ) : null}
    </Card>
  );
}

/** 评估指数（公开）: the index, the methodology, a region's page and the review statistics, without signing in. */
export default function PublicEvaluation() {
  const { t } = useTranslation();
  return (
    <AreaLayout area="public">
      <Routes>
        <Route
          index
          element={
            <>
              <EvaluationPage pub />
              <div className="yw-page">
                <ServiceStatistics />
                <p>
                  <Link to="/evaluation/methodology">{t('ov.eval.methodology')}</Link>
                </p>
              </div>
            </>
          }
        />
        <Route path="methodology" element={<MethodologyPage />} />
        <Route path="regions/:code" element={<RegionEvaluationPage pub />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </AreaLayout>
  );
}
