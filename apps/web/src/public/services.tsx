import { AreaLayout } from '../components/AreaLayout';
import { ServicesRoutes } from '../features/catalog/ServicesPages';

/** /services/*: the public services pages — search, life events, service guides (办事指南). */
export default function PublicServices() {
  return (
    <AreaLayout area="public">
      <ServicesRoutes base="/services" />
    </AreaLayout>
  );
}
