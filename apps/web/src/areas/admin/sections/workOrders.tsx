import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { DeptWorkOrder, DeptWorkOrders, PracticePage, PracticesList } from '../../../features/oversight/practices';

/** 监管工单 for department admins (/admin/work-orders): the work orders alerts dispatched to the department; good practices to read. */
export default function AdminWorkOrders() {
  return (
    <Routes>
      <Route index element={<DeptWorkOrders />} />
      <Route path="practices" element={<PracticesList base="/admin/work-orders/practices" />} />
      <Route path="practices/:id" element={<PracticePage base="/admin/work-orders/practices" />} />
      <Route path=":id" element={<DeptWorkOrder />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
