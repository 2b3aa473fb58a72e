import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The admin area (lazy-loaded); its section pages are areas/admin/sections/<key>.tsx (features/registry.ts). */
export default function AdminArea() {
  return (
    <AreaLayout area="admin">
      <AreaRoutes area="admin" home={<AreaHome area="admin" />} pages={{}} />
    </AreaLayout>
  );
}
