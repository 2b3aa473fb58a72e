import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { PracticePage, PracticesList, PublishPractice } from '../../../features/oversight/practices';

/** 经验复用 (/oversight/practices): good practices of top-ranked departments; publish one; read one. */
export default function OversightPractices() {
  return (
    <Routes>
      <Route index element={<PracticesList base="/oversight/practices" />} />
      <Route path="new" element={<PublishPractice />} />
      <Route path=":id" element={<PracticePage base="/oversight/practices" />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
