// The task lists (工作台待办 / 我的 / 已办) by partial indexes that give them in their order (issue 4, session 12):
//
// - application_tasks_queue (department_id, role, state) found a department's tasks of a state and
//   left the order (due date, then opened) to a sort, and the "done" list read every completed task of
//   the department and role to keep those of one officer — a scan that grows with the department's
//   history. Its plan also depended on the state's value, so PostgreSQL planned the to-do list afresh
//   on every call (a generic plan cannot know that few tasks are open): ~0.4 ms of planning a call.
// - application_tasks_open: the open tasks of a department in the list's order (to-do and "mine"); the
//   list names the state as a constant, so one generic plan serves every call.
// - application_tasks_done: an officer's completed tasks, latest first.
import type { Kysely } from 'kysely';
import { ddl } from './_sql';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await ddl(db, `
CREATE INDEX application_tasks_open ON application_tasks (department_id, due_date, opened_at, id) WHERE state = 'open';
CREATE INDEX application_tasks_done ON application_tasks (completed_by, completed_at DESC) WHERE state = 'completed';
DROP INDEX application_tasks_queue;
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward only');
}
