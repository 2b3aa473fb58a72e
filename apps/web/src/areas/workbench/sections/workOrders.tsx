import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { DeptWorkOrder, DeptWorkOrders, PracticePage, PracticesList } from '../../../features/oversight/practices';

/** 监管工单 (/workbench/work-orders): work orders that alerts dispatched to the department (accept, report handling); good practices to read. */
export default function WorkbenchWorkOrders() {
  return (
    <Routes>
      <Route index element={<DeptWorkOrders />} />
      <Route path="practices" element={<PracticesList base="/workbench/work-orders/practices" />} />
      <Route path="practices/:id" element={<PracticePage base="/workbench/work-orders/practices" />} />
      <Route path=":id" element={<DeptWorkOrder />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
