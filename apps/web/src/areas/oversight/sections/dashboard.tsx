import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { DepartmentDrillPage, ExchangePage, MarketPage, OverviewPage, RegionDrillPage } from '../../../features/oversight/pages';

/** 运行监测 (/oversight/dashboard): the overview, drill-down into a region or a department, market entities, data exchange. */
export default function OversightDashboard() {
  return (
    <Routes>
      <Route index element={<OverviewPage />} />
      <Route path="region/:code" element={<RegionDrillPage />} />
      <Route path="department/:id" element={<DepartmentDrillPage />} />
      <Route path="market" element={<MarketPage />} />
      <Route path="exchange" element={<ExchangePage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
