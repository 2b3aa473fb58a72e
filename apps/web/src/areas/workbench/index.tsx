import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The workbench area (lazy-loaded). Later releases add its pages to `pages` by section key. */
export default function WorkbenchArea() {
  return (
    <AreaLayout area="workbench">
      <AreaRoutes area="workbench" home={<AreaHome area="workbench" />} pages={{}} />
    </AreaLayout>
  );
}
