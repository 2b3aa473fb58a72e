/**
 * All SQL of the module's own tables (applications, application_tasks, application_events,
 * application_idempotency, application_escalations). No rules. Writes that change a row bump its
 * `version`, so a reader can tell that what it holds is stale.
 */
import { CompiledQuery, sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../../db/database';
import type { ApplicationsTable, ApplicationTasksTable, ApplicationEventsTable, ApplicationEscalationsTable } from '../../db/types';
import { calendarCoverage } from '../../shared/workdays';
import { deferInsert, deferUpdate, flushRows, flushUpdates, patchDeferredRow, pipelinesIn } from '../../db/deferred';
import { executeAll } from '../../db/pg-driver';
import './applications.tables';

export type AppRow = Selectable<ApplicationsTable>;
export type TaskRow = Selectable<ApplicationTasksTable>;
export type EventRow = Selectable<ApplicationEventsTable>;
export type EscalationRow = Selectable<ApplicationEscalationsTable>;

/** A row to insert: JSON columns as objects (stringified here). */
export type NewApp = Omit<Insertable<ApplicationsTable>, 'form_data' | 'context' | 'steps' | 'supplement' | 'outcome' | 'result' | 'receipt' | 'materials'> & {
  form_data: Record<string, unknown>;
  context: Record<string, unknown>;
  steps: unknown[] | null;
  supplement?: Record<string, unknown> | null;
  outcome?: Record<string, unknown> | null;
  result?: Record<string, unknown> | null;
  receipt?: Record<string, unknown> | null;
  materials?: Record<string, unknown>[] | null;
};

/** A patch: JSON columns as objects. */
export type AppPatch = Partial<Omit<Updateable<ApplicationsTable>, 'form_data' | 'context' | 'steps' | 'supplement' | 'outcome' | 'result' | 'receipt' | 'materials'>> & {
  form_data?: Record<string, unknown>;
  context?: Record<string, unknown>;
  steps?: unknown[] | null;
  supplement?: Record<string, unknown> | null;
  outcome?: Record<string, unknown> | null;
  result?: Record<string, unknown> | null;
  receipt?: Record<string, unknown> | null;
  materials?: Record<string, unknown>[] | null;
};

const JSON_COLUMNS = ['form_data', 'context', 'steps', 'supplement', 'outcome', 'result', 'receipt', 'materials'] as const;

function encode<T extends Record<string, unknown>>(row: T): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const c of JSON_COLUMNS) if (out[c] !== undefined) out[c] = out[c] === null ? null : JSON.stringify(out[c]);
  return out;
}

/** A patch that sets a due date records the calendar it was computed on (see applications.recalendar). */
function withBasis(patch: AppPatch): AppPatch {
  if (patch.calendar_basis !== undefined) return patch;
  return patch.legal_due || patch.promised_due || patch.step_due ? { ...patch, calendar_basis: calendarCoverage().to } : patch;
}

export type NewTask = Insertable<ApplicationTasksTable>;

/**
 * Updates of applications and tasks, and new tasks, in a deferring transaction (db/deferred
 * `transact`) are merged per row and written at commit with the timeline and the jobs (an act that
 * moves an application through several states, opens the next step and signs its task writes each
 * row once, in the statement that appends the rest). Every other statement of these repositories
 * on those tables first writes what is pending (`flushRows`, `flushUpdates`), so reads in the
 * transaction see every change.
 */
const pendingFirst = <A extends unknown[], R>(fn: (db: Db, ...a: A) => Promise<R>) => async (db: Db, ...a: A): Promise<R> => {
  await flushRows(db, 'application_tasks');
  await flushUpdates(db);
  return fn(db, ...a);
};

/**
 * Statements of a fixed shape compiled once: the engine runs the same few texts thousands of times
 * a minute, and building and compiling each with Kysely was a few per cent of the server's CPU.
 * The builder is run once per `shape` with a placeholder for each string argument; later calls
 * reuse the text with the arguments in the placeholders' parameter positions. Only for builders
 * whose text depends on nothing but the shape (string arguments only ever bound as values).
 */
class Slot {
  constructor(readonly arg: number) {}
}
function fixedShape<A extends unknown[]>(build: (db: Db, ...args: A) => CompiledQuery, shape: (...args: A) => string = () => '') {
  const texts = new Map<string, { q: CompiledQuery; slots: (number | null)[] }>();
  return (db: Db, ...args: A): CompiledQuery => {
    const key = shape(...args);
    let t = texts.get(key);
    if (!t) {
      const q = build(db, ...(args.map((a, i) => (typeof a === 'string' ? new Slot(i) : a)) as A));
      t = { q, slots: q.parameters.map((p) => (p instanceof Slot ? p.arg : null)) };
      texts.set(key, t);
    }
    const { q, slots } = t;
    return { query: q.query, queryId: q.queryId, sql: q.sql, parameters: slots.map((s, i) => (s === null ? q.parameters[i] : args[s])) };
  };
}

/**
 * A row's UPDATE by id (the merged patch of a deferring transaction, see below), its text built
 * directly and kept per table and column list: what Kysely would compile for
 * `.set({ ...patch, version: sql\`version + ${bumps}\`[, updated_at: now()] }).where('id', '=', id)`.
 */
const updateTexts = new Map<string, string>();
function rowUpdate(table: 'applications' | 'application_tasks', id: string, patch: Record<string, unknown>, bumps: number): CompiledQuery {
  const cols = Object.keys(patch).filter((c) => patch[c] !== undefined);
  const key = `${table}\n${cols.join('\n')}`;
  let text = updateTexts.get(key);
  if (text === undefined) {
    const set = [...cols.map((c, i) => `"${c}" = $${i + 1}`), `"version" = version + $${cols.length + 1}`, ...(table === 'applications' ? ['"updated_at" = now()'] : [])];
    text = `update "${table}" set ${set.join(', ')} where "id" = $${cols.length + 2}`;
    if (updateTexts.size >= 1000) updateTexts.clear();
    updateTexts.set(key, text);
  }
  return CompiledQuery.raw(text, [...cols.map((c) => patch[c]), bumps, id]);
}
const appUpdate = (_db: Db, id: string, patch: Record<string, unknown>, bumps: number) => rowUpdate('applications', id, patch, bumps);
const taskUpdate = (_db: Db, id: string, patch: Record<string, unknown>, bumps: number) => rowUpdate('application_tasks', id, patch, bumps);

/** Every column of application_tasks (the compiler checks that none is missing). */
const TASK_COLUMNS = [
  'id', 'application_id', 'root_id', 'step_index', 'stage_key', 'stage_name', 'action', 'sign_kind', 'seq', 'role', 'department_id', 'state', 'assignee_id',
  'assignee_name', 'claimed_at', 'outcome', 'opinion', 'reason_code', 'due_date', 'budget_days', 'sla_state', 'version', 'opened_at', 'completed_at', 'completed_by', 'created_at',
] as const;
const allTaskColumns: Exclude<keyof ApplicationTasksTable, (typeof TASK_COLUMNS)[number]> extends never ? true : never = true;
void allTaskColumns;

/**
 * An application's row and then one of its tasks' FOR NO KEY UPDATE (OF a, t: rows are locked in
 * that order, as two statements would). With `parentId`, the application's bundle's row FOR SHARE
 * before them, in the same statement (PostgreSQL applies locking clauses in their order: p, then a,
 * t — what the two statements it replaces did, one statement less to start and run).
 */
const lockWithTaskQuery = fixedShape(
  (db: Db, parentId: string | null, id: string | null, taskId: string) => {
    let q = db
      .selectFrom('applications as a')
      .innerJoin('application_tasks as t', 't.application_id', 'a.id')
      .selectAll('a')
      .select(TASK_COLUMNS.map((c) => `t.${c} as t__${c}` as const))
      .where('t.id', '=', taskId);
    if (id !== null) q = q.where('a.id', '=', id);
    if (parentId === null) return q.modifyEnd(sql`FOR NO KEY UPDATE OF a, t`).compile();
    return q
      .innerJoin('applications as p', 'p.id', 'a.parent_id')
      .select('p.state as p__state')
      .where('p.id', '=', parentId)
      .modifyEnd(sql`FOR SHARE OF p FOR NO KEY UPDATE OF a, t`)
      .compile();
  },
  (parentId, id) => `${parentId === null ? 'own' : 'bundle'}:${id === null ? 'any' : 'one'}`,
);
/** A row of lockWithTaskQuery as the application and its task. */
const TASK_ALIASES = TASK_COLUMNS.map((c) => [c, `t__${c}`] as const);
const withTask = (row: unknown): { app?: AppRow; task?: TaskRow } => {
  if (!row) return {};
  const r = row as Record<string, unknown>;
  const task: Record<string, unknown> = {};
  for (const [c, alias] of TASK_ALIASES) task[c] = r[alias];
  const app: Record<string, unknown> = {};
  for (const c of APP_COLUMNS) app[c] = r[c];
  return { app: app as unknown as AppRow, task: task as unknown as TaskRow };
};
/** Every column of applications (the compiler checks that none is missing). */
const APP_COLUMNS = [
  'id', 'number', 'kind', 'parent_id', 'item_id', 'item_version', 'bundle_id', 'bundle_version', 'title', 'department_id', 'region_code', 'applicant_id', 'applicant_kind',
  'applicant_name', 'created_by', 'mandate_id', 'state', 'version', 'form_data', 'context', 'steps', 'step_index', 'step_due', 'awaiting', 'supplement', 'outcome', 'result',
  'receipt', 'legal_days', 'promised_days', 'accepted_at', 'legal_due', 'promised_due', 'paused_at', 'pause_reason', 'paused_days', 'sla_state', 'submitted_at', 'decided_at',
  'concluded_at', 'withdrawn_at', 'draft_saved_at', 'created_at', 'updated_at', 'materials', 'materials_total', 'materials_exempt', 'materials_elicence', 'calendar_basis', 'channel',
] as const;
const allAppColumns: Exclude<keyof ApplicationsTable, (typeof APP_COLUMNS)[number]> extends never ? true : never = true;
void allAppColumns;

/** What a bundle's row from lockFamily lacks (null): what the bundle's progress (Engine.progressBundle) never reads of it. */
const BUNDLE_SKIPS = ['form_data', 'receipt', 'materials', 'steps', 'supplement'] as const;
/**
 * What a sibling's row from lockFamily lacks (null) unless it is `waiting` (a child the bundle's
 * progress may start): its JSON documents and instants. The bundle's progress reads of the others
 * only their state, item, number, title, outcome and result; to stop one it reads the whole row
 * (appsRepo.full).
 */
const SIBLING_SKIPS = [
  ...BUNDLE_SKIPS, 'context', 'accepted_at', 'paused_at', 'submitted_at', 'decided_at', 'concluded_at', 'withdrawn_at', 'draft_saved_at', 'created_at', 'updated_at',
] as const;
/** A bundle's row as lockFamily returns it. */
export type BundleRow = Omit<AppRow, (typeof BUNDLE_SKIPS)[number]>;
/** A sibling's row as lockFamily returns it (the whole row when it is waiting, see SIBLING_SKIPS). */
export type SiblingRow = Omit<AppRow, (typeof SIBLING_SKIPS)[number]>;
/** Sibling rows of lockFamily that lack columns. */
const partialRows = new WeakSet<object>();

/**
 * The family lock ($1 the bundle, $2 the child acted on): the rows in the lock order, each with the
 * columns its reader needs — parsing five whole rows (JSON documents, a dozen instants) per act was
 * a visible share of the server's CPU. Which columns a row lacks is decided on the row locked (its
 * latest version), as `family` below decides it again.
 */
const lockFamilyText = (() => {
  const bundleSkips = new Set<string>(BUNDLE_SKIPS);
  const siblingSkips = new Set<string>(SIBLING_SKIPS);
  const cols = APP_COLUMNS.map((c) =>
    bundleSkips.has(c)
      ? `case when "id" = $2 or "state" = 'waiting' then "${c}" end as "${c}"`
      : siblingSkips.has(c)
        ? `case when "id" = $1 or "id" = $2 or "state" = 'waiting' then "${c}" end as "${c}"`
        : `"${c}"`,
  );
  return `select ${cols.join(', ')} from "applications" where "id" = $1 or "parent_id" = $1 order by "id" = $1 desc, "id" for no key update`;
})();
const lockFamilyQuery = (_db: Db, parentId: string, id: string) => CompiledQuery.raw(lockFamilyText, [parentId, id]);
const family = (rows: AppRow[], parentId: string, id: string) => {
  let parent: BundleRow | undefined;
  let app: AppRow | undefined;
  const siblings: SiblingRow[] = [];
  for (const r of rows) {
    if (r.id === parentId) parent = r;
    else if (r.id === id) app = r;
    else {
      if (r.state !== 'waiting') partialRows.add(r);
      siblings.push(r);
    }
  }
  return { parent, app, siblings };
};
const taskLockQuery = fixedShape((db: Db, id: string) => db.selectFrom('application_tasks').selectAll().where('id', '=', id).forNoKeyUpdate().compile());
const byIdQuery = fixedShape((db: Db, id: string) => db.selectFrom('applications').selectAll().where('id', '=', id).compile());
const childrenQuery = fixedShape((db: Db, parentId: string) => db.selectFrom('applications').selectAll().where('parent_id', '=', parentId).orderBy('number').compile());
/** The timeline of the application's root (its bundle's, or its own), found by the application's id. */
const timelineOfRootQuery = fixedShape((db: Db, id: string, publicOnly: boolean) => {
  let q = db
    .selectFrom('application_events')
    .selectAll()
    .where('root_id', '=', (eb) => eb.selectFrom('applications').select(sql<string>`coalesce(parent_id, id)`.as('root')).where('id', '=', id));
  if (publicOnly) q = q.where('visibility', '=', 'public');
  return q.orderBy('id').compile();
}, (_id, publicOnly) => String(publicOnly));

const appById = pendingFirst(async (db: Db, id: string) => (await db.executeQuery(byIdQuery(db, id))).rows[0] as AppRow | undefined);

export const appsRepo = {
  insert: (db: Db, row: NewApp) => db.insertInto('applications').values(encode(row) as never).execute(),
  /** Inserts and returns the row as stored (defaults filled); nobody else sees it before commit, so it needs no lock. */
  insertReturning: (db: Db, row: NewApp) => db.insertInto('applications').values(encode(row) as never).returningAll().executeTakeFirstOrThrow(),
  /** Several rows in one statement, returned as stored (in no particular order). */
  insertManyReturning: (db: Db, rows: NewApp[]) => db.insertInto('applications').values(rows.map((r) => encode(r)) as never).returningAll().execute(),
  byId: appById,
  /**
   * Row lock for a transition: every writer of an application takes it first (parent before child).
   * FOR NO KEY UPDATE (what an UPDATE of non-key columns takes anyway): it excludes other writers
   * but not the FOR KEY SHARE locks of foreign-key checks (rows that reference the application).
   */
  lock: pendingFirst((db: Db, id: string) => db.selectFrom('applications').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst()),
  /**
   * Locks an application's row and then one of its tasks', in one round trip (FOR NO KEY UPDATE OF
   * a, t: rows are locked in that order, as two statements would). Both undefined when the task is
   * not the application's (or, with `id` null, the task's application is taken, whatever it is).
   */
  lockWithTask: pendingFirst(async (db: Db, id: string | null, taskId: string) => withTask((await db.executeQuery(lockWithTaskQuery(db, null, id, taskId))).rows[0])),
  /**
   * A shared lock on the bundle's row (FOR SHARE: while it is held nobody can move the bundle, which
   * takes FOR NO KEY UPDATE, but other holders go on in parallel) and then `lockWithTask` of its
   * child, in one statement. The caller that finds the bundle still `submitted` gives up (rolls
   * back) and takes the bundle exclusively instead. All undefined when the task is not the child's.
   */
  lockSharedWithTask: pendingFirst(async (db: Db, parentId: string, id: string | null, taskId: string) => {
    const row = (await db.executeQuery(lockWithTaskQuery(db, parentId, id, taskId))).rows[0] as { p__state?: string } | undefined;
    return { parentState: row?.p__state, ...withTask(row) };
  }),
  /**
   * Locks a bundle's row and then all its children's in id order, in one round trip (rows are
   * locked in the ORDER BY's order): what an act or job that can move the bundle needs, `id`'s row
   * to change and its siblings for progressBundle (the bundle's and the siblings' rows without the
   * columns progressBundle does not read: BundleRow, SiblingRow). Same lock order as the bundle, then the child,
   * then the other children in id order; a holder of the bundle waits only for children.
   */
  lockFamily: pendingFirst(async (db: Db, parentId: string, id: string) => family((await db.executeQuery(lockFamilyQuery(db, parentId, id))).rows as AppRow[], parentId, id)),
  /** A sibling row of lockFamily as a whole row (read again if it lacks columns; the caller holds its lock). */
  full: async (db: Db, row: SiblingRow): Promise<AppRow> => (partialRows.has(row) ? ((await appById(db, row.id)) as AppRow) : (row as AppRow)),
  /** `lockFamily` and then the task's row (tasksRepo.lock), in one round trip on PostgreSQL. */
  lockFamilyAndTask: pendingFirst(async (db: Db, parentId: string, id: string, taskId: string) => {
    const [rows, t] = await executeAll(db, [lockFamilyQuery(db, parentId, id), taskLockQuery(db, taskId)], pipelinesIn(db));
    return { ...family(rows as AppRow[], parentId, id), task: t[0] as TaskRow | undefined };
  }),
  /** In a deferring transaction: merged with the row's other updates and written at commit (see above). */
  update: async (db: Db, id: string, patch: AppPatch): Promise<void> => {
    const set = encode(withBasis(patch));
    if (deferUpdate(db, `applications:${id}`, set, (trx, p, n) => appUpdate(trx as Db, id, p, n))) return;
    await db.executeQuery(appUpdate(db, id, set, 1));
  },
  /** Optimistic update of a draft: only when the caller saw the current version. */
  updateIfVersion: pendingFirst(async (db: Db, id: string, version: number, patch: AppPatch) => {
    const r = await db
      .updateTable('applications')
      .set({ ...(encode(patch) as object), version: sql`version + 1`, updated_at: sql`now()` } as never)
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }),
  delete: pendingFirst((db: Db, id: string) => db.deleteFrom('applications').where('id', '=', id).execute()),
  children: pendingFirst(async (db: Db, parentId: string) => (await db.executeQuery(childrenQuery(db, parentId))).rows as AppRow[]),
  /**
   * What an application's view shows, in one round trip on PostgreSQL (three statements that do
   * not depend on each other's results): the row, its children (a bundle's; none otherwise) and
   * its root's timeline (its bundle's for a child).
   */
  withFamilyAndTimeline: pendingFirst(async (db: Db, id: string, publicOnly: boolean) => {
    const [a, c, t] = await executeAll(db, [byIdQuery(db, id), childrenQuery(db, id), timelineOfRootQuery(db, id, publicOnly)], pipelinesIn(db));
    return { app: a[0] as AppRow | undefined, children: c as AppRow[], timeline: t as EventRow[] };
  }),
  /**
   * Locks a bundle's children (id order) but `exceptId`, a child the caller holds locked and
   * up to date in memory: its pending update need not be written first.
   */
  lockChildren: async (db: Db, parentId: string, exceptId?: string) => {
    await flushUpdates(db, (key) => key.startsWith('applications:') && key !== `applications:${exceptId}`);
    let q = db.selectFrom('applications').selectAll().where('parent_id', '=', parentId);
    if (exceptId) q = q.where('id', '!=', exceptId);
    return q.orderBy('id').forNoKeyUpdate().execute();
  },
  listOf: pendingFirst(async (db: Db, applicantId: string, f: { state?: string; limit: number; offset: number }) => {
    let q = db.selectFrom('applications').selectAll().where('applicant_id', '=', applicantId).where('parent_id', 'is', null);
    if (f.state) q = q.where('state', '=', f.state);
    return q.orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
  }),
  /**
   * A submission's first statements, in one round trip on PostgreSQL (none depends on another's
   * result): the Idempotency-Key's claim with the next application number, and the new row as
   * stored (and `also`'s rows: a read the submission needs that depends on none of them). `claimed`
   * is false when the key was already claimed (a retry, or a concurrent twin committed it first):
   * no number was drawn, and the caller must roll back, which takes the row away.
   */
  claimNumberAndInsert: async (db: Db, claim: { account_id: string; key: string; request_hash: string; application_id: string; status: number }, row: NewApp, also?: CompiledQuery) => {
    const [c, a, more] = await executeAll(
      db,
      [
        // The number is drawn only when the key is claimed here: a retry (which finds it claimed and rolls back) leaves no gap.
        sql<{ n: string | null }>`WITH c AS (${db
          .insertInto('application_idempotency')
          .values(claim)
          .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
          .returning('key')}) SELECT CASE WHEN EXISTS (SELECT 1 FROM c) THEN nextval('application_number_seq') END AS n`.compile(db),
        db.insertInto('applications').values(encode(row) as never).returningAll().compile(),
        ...(also ? [also] : []),
      ],
      pipelinesIn(db),
    );
    const n = (c[0] as { n: string | null }).n;
    return { claimed: n !== null, seq: Number(n), app: a[0] as AppRow, also: more ?? [] };
  },
  nextNumber: async (db: Db) => {
    const r = await sql<{ n: number }>`SELECT nextval('application_number_seq') AS n`.execute(db);
    return Number(r.rows[0].n);
  },
};

export const tasksRepo = {
  /** In a deferring transaction the rows are written at commit (see above). */
  insert: async (db: Db, rows: NewTask[]): Promise<void> => {
    if (!rows.length || rows.every((r) => deferInsert(db, 'application_tasks', r as Record<string, unknown>))) return;
    await db.insertInto('application_tasks').values(rows).execute();
  },
  byId: pendingFirst((db: Db, id: string) => db.selectFrom('application_tasks').selectAll().where('id', '=', id).executeTakeFirst()),
  lock: pendingFirst(async (db: Db, id: string) => (await db.executeQuery(taskLockQuery(db, id))).rows[0] as TaskRow | undefined),
  /** A task with its application's bundle (read before an act's transaction, to lock in order). */
  byIdWithParent: pendingFirst((db: Db, id: string) =>
    db
      .selectFrom('application_tasks as t')
      .innerJoin('applications as a', 'a.id', 't.application_id')
      .leftJoin('applications as p', 'p.id', 'a.parent_id')
      .selectAll('t')
      .select(['a.parent_id as app_parent_id', 'p.state as parent_state'])
      .where('t.id', '=', id)
      .executeTakeFirst(),
  ),
  /** In a deferring transaction: merged with the row's other updates and written at commit (see above). */
  update: async (db: Db, id: string, patch: Updateable<ApplicationTasksTable>): Promise<void> => {
    if (patchDeferredRow(db, 'application_tasks', id, patch as Record<string, unknown>)) return;
    if (deferUpdate(db, `application_tasks:${id}`, patch as Record<string, unknown>, (trx, p, n) => taskUpdate(trx as Db, id, p, n))) return;
    await db.executeQuery(taskUpdate(db, id, patch as Record<string, unknown>, 1));
  },
  ofStep: pendingFirst((db: Db, applicationId: string, stepIndex: number) =>
    db.selectFrom('application_tasks').selectAll().where('application_id', '=', applicationId).where('step_index', '=', stepIndex).orderBy('seq').execute(),
  ),
  ofApplications: pendingFirst(async (db: Db, ids: string[]) =>
    ids.length ? db.selectFrom('application_tasks').selectAll().where('application_id', 'in', ids).orderBy('created_at').orderBy('step_index').orderBy('seq').execute() : [],
  ),
  /** Cancels the tasks still to do (withdrawal, stop, a decided any-sign). Returns how many. */
  cancelLive: pendingFirst(async (db: Db, applicationId: string, stepIndex?: number) => {
    let q = db
      .updateTable('application_tasks')
      .set({ state: 'cancelled', version: sql`version + 1` } as never)
      .where('application_id', '=', applicationId)
      .where('state', 'in', ['waiting', 'open']);
    if (stepIndex !== undefined) q = q.where('step_index', '=', stepIndex);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }),
  /** Moves the due dates of the tasks still to do (after a pause). */
  setDueOfLive: pendingFirst((db: Db, applicationId: string, due: string) =>
    db.updateTable('application_tasks').set({ due_date: due, version: sql`version + 1` } as never).where('application_id', '=', applicationId).where('state', 'in', ['waiting', 'open']).execute(),
  ),
  setSlaOfLive: pendingFirst((db: Db, applicationId: string, stepIndex: number, sla: 'warning' | 'overdue') =>
    db.updateTable('application_tasks').set({ sla_state: sla }).where('application_id', '=', applicationId).where('step_index', '=', stepIndex).where('state', 'in', ['waiting', 'open']).execute(),
  ),
  /** An officer's queue: tasks of a department for some roles, with their applications. */
  queue: pendingFirst(async (db: Db, f: { departmentId: string; roles: string[] | null; scope: 'todo' | 'mine' | 'done'; accountId: string; limit: number; offset: number }) => {
    let q = db
      .selectFrom('application_tasks as t')
      .innerJoin('applications as a', 'a.id', 't.application_id')
      .leftJoin('applications as p', 'p.id', 'a.parent_id')
      .selectAll('t')
      .select([
        'p.state as parent_state',
        'a.number as app_number',
        'a.title as app_title',
        'a.state as app_state',
        'a.kind as app_kind',
        'a.parent_id as app_parent_id',
        'a.applicant_name as app_applicant_name',
        'a.applicant_kind as app_applicant_kind',
        'a.submitted_at as app_submitted_at',
        'a.promised_due as app_promised_due',
        'a.legal_due as app_legal_due',
        'a.promised_days as app_promised_days',
        'a.paused_at as app_paused_at',
        'a.pause_reason as app_pause_reason',
      ])
      .where('t.department_id', '=', f.departmentId);
    if (f.roles) q = q.where('t.role', 'in', f.roles);
    // The state as a constant: the partial indexes application_tasks_open / _done serve every call with one generic plan.
    if (f.scope === 'todo') q = q.where('t.state', '=', sql.lit('open'));
    if (f.scope === 'mine') q = q.where('t.state', '=', sql.lit('open')).where('t.assignee_id', '=', f.accountId);
    if (f.scope === 'done') q = q.where('t.state', '=', sql.lit('completed')).where('t.completed_by', '=', f.accountId);
    return (f.scope === 'done' ? q.orderBy('t.completed_at', 'desc') : q.orderBy('t.due_date', 'asc').orderBy('t.opened_at', 'asc'))
      .orderBy('t.id')
      .limit(f.limit)
      .offset(f.offset)
      .execute();
  }),
};

export const eventsRepo = {
  /** Deferred to the end of a deferring transaction (db/deferred). */
  insert: async (db: Db, row: Omit<Insertable<ApplicationEventsTable>, 'message' | 'data'> & { message: { zh: string; en: string }; data: Record<string, unknown> }) => {
    const r = { ...row, message: JSON.stringify(row.message), data: JSON.stringify(row.data) };
    if (!deferInsert(db, 'application_events', r)) await db.insertInto('application_events').values(r).execute();
  },
};

export const idempotencyRepo = {
  /** Claims the key for this request; false when it was already claimed (the caller then reads it). */
  claim: async (db: Db, row: { account_id: string; key: string; request_hash: string; application_id: string; status: number }) => {
    const r = await db.insertInto('application_idempotency').values(row).onConflict((oc) => oc.columns(['account_id', 'key']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },
  get: (db: Db, accountId: string, key: string) =>
    db.selectFrom('application_idempotency').selectAll().where('account_id', '=', accountId).where('key', '=', key).executeTakeFirst(),
};

export const escalationsRepo = {
  insert: async (db: Db, row: Insertable<ApplicationEscalationsTable>) => {
    const r = await db.insertInto('application_escalations').values(row).onConflict((oc) => oc.columns(['application_id', 'kind', 'due_date']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },
  list: (db: Db, f: { regionPattern: string | null; limit: number; offset: number }) => {
    let q = db
      .selectFrom('application_escalations as e')
      .innerJoin('applications as a', 'a.id', 'e.application_id')
      .selectAll('e')
      .select(['a.number as app_number', 'a.title as app_title', 'a.state as app_state', 'a.promised_due as app_promised_due', 'a.legal_due as app_legal_due']);
    if (f.regionPattern) q = q.where('e.region_code', 'like', f.regionPattern);
    return q.orderBy('e.created_at', 'desc').orderBy('e.id').limit(f.limit).offset(f.offset).execute();
  },
};
