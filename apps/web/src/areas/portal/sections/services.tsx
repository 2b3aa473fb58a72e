import { ServicesRoutes } from '../../../features/catalog/ServicesPages';

/** 办事服务 (/portal/services): search, life events and service guides, signed in. */
export default function PortalServices() {
  return <ServicesRoutes base="/portal/services" />;
}
