import { OpenDataPortal } from '../../../features/opendata/Portal';

/** /portal/open-data/*: the open data portal inside the signed-in portal (same pages as /open-data). */
export default function PortalOpenData() {
  return <OpenDataPortal base="/portal/open-data" />;
}
