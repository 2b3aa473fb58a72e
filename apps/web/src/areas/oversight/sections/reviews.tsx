import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { ServiceBoard } from '../../../features/oversight/pages';
import { AppealDecisionPage, AppealsPage, FlagsPage, FollowUpsPage, ReviewsSubNav } from '../../../features/reviews/supervision';

/** 好差评统计 (/oversight/reviews): the review and 12345 board; appeals (申诉), gaming flags, follow-up calls (回访). */
export default function OversightReviews() {
  return (
    <Routes>
      <Route
        index
        element={
          <>
            <div className="yw-page-nav"><ReviewsSubNav /></div>
            <ServiceBoard focus="reviews" />
          </>
        }
      />
      <Route path="appeals" element={<AppealsPage />} />
      <Route path="appeals/:id" element={<AppealDecisionPage />} />
      <Route path="cases/:id" element={<AppealDecisionPage />} />
      <Route path="flags" element={<FlagsPage />} />
      <Route path="follow-ups" element={<FollowUpsPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
