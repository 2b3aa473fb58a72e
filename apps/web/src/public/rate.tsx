import { useState } from 'react';
import { Alert } from 'antd';
import { Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { AreaLayout } from '../components/AreaLayout';
import { Loading, NotFound } from '../components/States';
import { usePageTitle } from '../components/usePageTitle';
import { ErrorAlert, useLoad } from '../features/applications/common';
import { RatingForm, ReviewSummary } from '../features/reviews/components';
import { INDICATORS, reviewsApi } from '../features/reviews/model';

/** /rate/a/:token: rating a concluded application from the one-time link of its invitation SMS. */
function RateInvitation() {
  const { token } = useParams();
  const { t } = useTranslation();
  usePageTitle(t('sv.invite.title'));
  const { data, error, loading, reload } = useLoad(() => reviewsApi.invitation(token!), [token]);
  const [done, setDone] = useState(false);
  if (loading && !data) return <Loading />;
  if (!data) return <div className="yw-page"><h1 className="yw-page-title">{t('sv.invite.title')}</h1><ErrorAlert error={error} /></div>;
  return (
    <div className="yw-page" data-testid="rate-invitation">
      <h1 className="yw-page-title">{t('sv.invite.title')}</h1>
      <p className="yw-lead">{t('sv.invite.lead', { title: data.title, number: data.number ?? '', department: data.department ?? '' })}</p>
      {done && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('rv.form.done')} description={data.review?.bad ? t('rv.form.badNote') : undefined} data-testid="rate-done" />}
      {!data.review && !data.used && (
        <>
          <p>{t('sv.invite.expires', { at: data.expiresAt.slice(0, 10) })}</p>
          <RatingForm
            indicators={INDICATORS.online}
            title={t('sv.invite.title')}
            onSubmit={async (r) => {
              await reviewsApi.rateInvitation(token!, r);
              setDone(true);
              await reload();
            }}
          />
        </>
      )}
      {data.review && <ReviewSummary review={data.review} />}
    </div>
  );
}

/** /rate/:token: rating a window visit (一次一评) on the window device or from the SMS link (?via=sms). */
export default function PublicRate() {
  return (
    <AreaLayout area="public">
      <Routes>
        <Route path="a/:token" element={<RateInvitation />} />
        <Route path=":token" element={<RateVisit />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </AreaLayout>
  );
}

function RateVisit() {
  const { token } = useParams();
  const [params] = useSearchParams();
  const channel = params.get('via') === 'sms' ? 'sms' : 'window_device';
  const { t } = useTranslation();
  usePageTitle(t('rv.visit.title'));
  const { data, error, loading, reload } = useLoad(() => reviewsApi.visit(token!), [token]);
  const [done, setDone] = useState(false);
  if (loading && !data) return <Loading />;
  if (!data) return <div className="yw-page"><h1 className="yw-page-title">{t('rv.visit.title')}</h1><ErrorAlert error={error} /></div>;
  const review = data.review;
  const canRerate = review?.case?.state === 'awaiting_rerate' && !review.rerated;
  return (
    <div className="yw-page" data-testid="rate-visit">
      <h1 className="yw-page-title">{t('rv.visit.title')}</h1>
      <p className="yw-lead">
        {t('rv.visit.lead', { department: data.department, clerk: data.clerk })}
        {data.itemName ? ` · ${data.itemName}` : ''}
      </p>
      {done && <Alert className="yw-block-sm" type="success" showIcon role="status" title={t('rv.form.done')} description={review?.bad && !review.rerated ? t('rv.form.badNote') : undefined} data-testid="rate-done" />}
      {!review && (
        <RatingForm
          indicators={INDICATORS.onsite}
          title={t('rv.visit.title')}
          onSubmit={async (r) => {
            await reviewsApi.rateVisit(token!, r, channel);
            setDone(true);
            await reload();
          }}
        />
      )}
      {canRerate && (
        <RatingForm
          indicators={INDICATORS.onsite}
          title={t('rv.form.rerateTitle')}
          testid="rerate-form"
          onSubmit={async (r) => {
            await reviewsApi.rerateVisit(token!, r, channel);
            setDone(true);
            await reload();
          }}
        />
      )}
      {review && <ReviewSummary review={review} />}
    </div>
  );
}
