import { AreaLayout } from '../../components/AreaLayout';
import { AreaHome, AreaRoutes } from '../../components/AreaPages';

/** The oversight area (lazy-loaded). Later releases add its pages to `pages` by section key. */
export default function OversightArea() {
  return (
    <AreaLayout area="oversight">
      <AreaRoutes area="oversight" home={<AreaHome area="oversight" />} pages={{}} />
    </AreaLayout>
  );
}
