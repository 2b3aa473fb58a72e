import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The admin area (lazy-loaded). Later releases add its pages to `pages` by section key. */
export default function AdminArea() {
  return (
    <AreaLayout area="admin">
      <AreaRoutes area="admin" home={<AreaHome area="admin" />} pages={{}} />
    </AreaLayout>
  );
}
