import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { OverduePage, WorkOrderPage } from '../../../features/oversight/pages';

/** 超期预警 (/oversight/overdue): overdue and escalation board, alerts and the work orders they dispatched. */
export default function OversightOverdue() {
  return (
    <Routes>
      <Route index element={<OverduePage />} />
      <Route path="work-orders/:id" element={<WorkOrderPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
