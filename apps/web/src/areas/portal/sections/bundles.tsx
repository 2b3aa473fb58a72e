import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { BundleGuidePage, BundlesList } from '../../../features/catalog/ServicesPages';

/** 一件事一次办 (/portal/bundles): the bundles and the guide of each. */
export default function PortalBundles() {
  return (
    <Routes>
      <Route index element={<BundlesList base="/portal/bundles" />} />
      <Route path=":id" element={<BundleGuidePage base="/portal/bundles" />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
