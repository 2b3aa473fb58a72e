import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The portal area (lazy-loaded). Later releases add its pages to `pages` by section key. */
export default function PortalArea() {
  return (
    <AreaLayout area="portal">
      <AreaRoutes area="portal" home={<AreaHome area="portal" />} pages={{}} />
    </AreaLayout>
  );
}
