import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { ApplyPage } from '../../../features/applications/ApplyPage';
import { ApplicationDetail, MyApplications } from '../../../features/applications/MyApplications';

/** 我的办件 (/portal/applications): the list, applying (new?item= | bundle= | draft=), one application. */
export default function PortalApplications() {
  return (
    <Routes>
      <Route index element={<MyApplications />} />
      <Route path="new" element={<ApplyPage />} />
      <Route path=":id" element={<ApplicationDetail />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
