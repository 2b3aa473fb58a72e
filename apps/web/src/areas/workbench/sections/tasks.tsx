import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../../components/States';
import { TaskDetailPage, TaskListPage } from '../../../features/applications/Workbench';

/** 待办任务 (/workbench/tasks): the task list (待办 / 我的 / 已办) and one task. */
export default function WorkbenchTasks() {
  return (
    <Routes>
      <Route index element={<TaskListPage />} />
      <Route path=":id" element={<TaskDetailPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
