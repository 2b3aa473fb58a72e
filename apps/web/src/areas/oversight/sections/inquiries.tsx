import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { ServiceBoard } from '../../../features/oversight/pages';
import { DispatchOnePage, DispatchPage, InquiriesSubNav } from '../../../features/reviews/supervision';

/** 诉求统计 (/oversight/inquiries): the three rates of 12345 (the same declared board as reviews); manual dispatch (派单) of pending and returned inquiries. */
export default function OversightInquiries() {
  return (
    <Routes>
      <Route
        index
        element={
          <>
            <div className="yw-page-nav"><InquiriesSubNav /></div>
            <ServiceBoard focus="inquiries" />
          </>
        }
      />
      <Route path="dispatch" element={<DispatchPage />} />
      <Route path="dispatch/:id" element={<DispatchOnePage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
