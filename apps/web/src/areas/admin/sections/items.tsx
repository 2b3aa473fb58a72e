import { CatalogAdminRoutes } from '../../../features/catalog/AdminPages';

/** 事项管理 (/admin/items): the department's service items, the draft editor with the linter's findings, publish, retire, packages. */
export default function AdminItems() {
  return <CatalogAdminRoutes kind="items" />;
}
