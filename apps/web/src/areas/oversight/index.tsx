import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The oversight area (lazy-loaded); its section pages are areas/oversight/sections/<key>.tsx (features/registry.ts). */
export default function OversightArea() {
  return (
    <AreaLayout area="oversight">
      <AreaRoutes area="oversight" home={<AreaHome area="oversight" />} pages={{}} />
    </AreaLayout>
  );
}
