import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The workbench area (lazy-loaded); its section pages are areas/workbench/sections/<key>.tsx (features/registry.ts). */
export default function WorkbenchArea() {
  return (
    <AreaLayout area="workbench">
      <AreaRoutes area="workbench" home={<AreaHome area="workbench" />} pages={{}} />
    </AreaLayout>
  );
}
