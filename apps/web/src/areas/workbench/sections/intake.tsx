import { IntakePage } from '../../../features/applications/WorkbenchBoards';

/** 窗口收件 (/workbench/intake): the acceptance queue of the window clerk. */
export default function WorkbenchIntake() {
  return <IntakePage />;
}
