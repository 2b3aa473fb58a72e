import { DeptApplicationsPage } from '../../../features/applications/WorkbenchBoards';

/** 办件查询 (/workbench/applications): applications the department holds or held. */
export default function WorkbenchApplications() {
  return <DeptApplicationsPage />;
}
