import { CatalogAdminRoutes } from '../../../features/catalog/AdminPages';

/** 一件事管理 (/admin/bundles): the department's bundles, the draft editor with findings, publish, retire, packages. */
export default function AdminBundles() {
  return <CatalogAdminRoutes kind="bundles" />;
}
