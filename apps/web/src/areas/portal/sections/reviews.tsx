import { useState } from 'react';
import { Alert, Button, Card, List, Space } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { Link, Route, Routes, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../../prefs';
import { Loading, NotFound } from '../../../components/States';
import { usePageTitle } from '../../../components/usePageTitle';
import { ErrorAlert, useLoad } from '../../../features/applications/common';
import { LevelTag, RatingForm, ReviewSummary, RvTag } from '../../../features/reviews/components';
import { INDICATORS, fmtTime, reviewsApi, type ReviewView } from '../../../features/reviews/model';

/** 好差评 (/portal/reviews): my concluded applications to rate, and rating one (rate/:applicationId). */
export default function PortalReviews() {
  return (
    <Routes>
      <Route index element={<MyReviews />} />
      <Route path="rate/:applicationId" element={<RatePage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function MyReviews() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  usePageTitle(t('nav.portal.reviews'));
  const { data, error, loading, reload } = useLoad(() => reviewsApi.mine(), []);
  return (
    <div className="yw-page" data-testid="my-reviews">
      <h1 className="yw-page-title">{t('nav.portal.reviews')}</h1>
      <p className="yw-lead">{t('rv.mine.lead')}</p>
      <Space className="yw-block-sm">
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('rv.refresh')}
        </Button>
        <Link to="/ratings">{t('rv.mine.publicLink')}</Link>
      </Space>
      <ErrorAlert error={error} />
      {loading && !data ? (
        <Loading />
      ) : (
        <List
          bordered
          dataSource={data ?? []}
          locale={{ emptyText: t('rv.mine.empty') }}
          renderItem={(a) => (
            <List.Item
              data-testid="review-row"
              data-application={a.applicationId}
              actions={[
                <Link key="go" to={`rate/${a.applicationId}`} data-testid="review-open">
                  {!a.review ? t('rv.mine.rate') : a.review.canRerate ? t('rv.mine.rerate') : a.review.correctable ? t('rv.mine.correct') : t('rv.form.history')}
                </Link>,
              ]}
            >
              <List.Item.Meta
                title={`${a.title}${a.number ? ` · ${a.number}` : ''}`}
                description={
                  <>
                    {a.department} · {t('rv.mine.concludedAt', { time: fmtTime(a.concludedAt, lang) })}{' '}
                    {a.review ? <LevelTag level={a.review.level} /> : <RvTag>{t('rv.mine.unrated')}</RvTag>}
                    {a.review?.caseState && <RvTag tone="warn">{t(`rv.caseState.${a.review.caseState}`)}</RvTag>}
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
    </div>
  );
}

function RatePage() {
  const { applicationId } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('rv.form.title'));
  const { data, error, loading, reload } = useLoad(async () => {
    const mine = await reviewsApi.mine();
    const row = mine.find((m) => m.applicationId === applicationId) ?? null;
    const review = row?.review ? await reviewsApi.one(row.review.id) : null;
    return { row, review };
  }, [applicationId]);
  const [done, setDone] = useState<ReviewView | null>(null);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorAlert error={error} />;
  if (!data?.row) return <NotFound />;
  const { row, review } = data;
  const after = async (r: ReviewView) => {
    setDone(r);
    await reload();
  };
  return (
    <div className="yw-page" data-testid="rate-page">
      <h1 className="yw-page-title">{t('rv.form.title')}</h1>
      <p className="yw-lead">
        {row.title} {row.number ? `· ${row.number}` : ''} · {row.department}
      </p>
      {done && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('rv.form.done')} description={done.bad && !done.rerated ? t('rv.form.badNote') : undefined} data-testid="rate-done" />}
      {!review && <RatingForm indicators={INDICATORS.online} title={t('rv.form.title')} onSubmit={async (r) => after(await reviewsApi.create(row.applicationId, r))} />}
      {review && row.review?.canRerate && <RatingForm indicators={INDICATORS.online} title={t('rv.form.rerateTitle')} onSubmit={async (r) => after(await reviewsApi.rerate(review.id, r))} testid="rerate-form" />}
      {review && !row.review?.canRerate && row.review?.correctable && <RatingForm indicators={INDICATORS.online} title={t('rv.form.correctTitle')} onSubmit={async (r) => after(await reviewsApi.correct(review.id, r))} testid="correct-form" />}
      {review && <ReviewSummary review={review} />}
      <Card size="small">
        <Link to="/portal/reviews">{t('rv.back')}</Link>
      </Card>
    </div>
  );
}
