import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { EvaluationPage, RegionEvaluationPage } from '../../../features/oversight/pages';

/** 评估指数 (/oversight/evaluation): regions ranked by the evaluation index (self-assessment), a region's page. */
export default function OversightEvaluation() {
  return (
    <Routes>
      <Route index element={<EvaluationPage />} />
      <Route path="regions/:code" element={<RegionEvaluationPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
