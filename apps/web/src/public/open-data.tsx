import { AreaLayout } from '../components/AreaLayout';
import { OpenDataPortal } from '../features/opendata/Portal';

/** /open-data/*: the public open data portal (no sign-in needed to search, preview open datasets and download). */
export default function PublicOpenData() {
  return (
    <AreaLayout area="public">
      <OpenDataPortal base="/open-data" />
    </AreaLayout>
  );
}
