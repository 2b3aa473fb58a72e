import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The portal area (lazy-loaded); its section pages are areas/portal/sections/<key>.tsx (features/registry.ts). */
export default function PortalArea() {
  return (
    <AreaLayout area="portal">
      <AreaRoutes area="portal" home={<AreaHome area="portal" />} pages={{}} />
    </AreaLayout>
  );
}
