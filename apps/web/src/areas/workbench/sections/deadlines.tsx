import { DeadlinesPage } from '../../../features/applications/WorkbenchBoards';

/** 时限预警 (/workbench/deadlines): warning and overdue tasks first. */
export default function WorkbenchDeadlines() {
  return <DeadlinesPage />;
}
