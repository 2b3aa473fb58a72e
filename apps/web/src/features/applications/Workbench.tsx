/**
 * The officer's workbench: the task list of one's department and role (待办 / 我的 / 已办) with
 * SLA colours and working days left, claiming and releasing, and a task's page with the
 * application, its materials (免提交 ones with their verified evidence when present) and the
 * acts of its step: accept / not accept (reason codes), request a supplement (exactly which
 * fields and materials, with reasons), review with an opinion (审批意见, also in countersign),
 * decide (准予 / 不予 with reasons; the appeal route is added by the server), deliver.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Alert, Button, Card, Checkbox, Input, InputNumber, Modal, Radio, Segmented, Select, Space, Table, Grid } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useSession } from '../../auth';
import { usePrefs } from '../../prefs';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { ClockSummary, DaysLeft, ErrorAlert, formatTime, SlaBadge, StateBadge, Timeline, useLoad } from './common';
import { loadTarget, loc, orderedFields, tasksApi, type ApplyTarget, type TaskRow, type TaskView } from './model';
import { fileIdOf } from './SchemaForm';
import { MaterialsList } from './Materials';

type Scope = 'todo' | 'mine' | 'done';

function Who() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  if (!me) return null;
  const dept = me.account.department ? (lang === 'en' ? me.account.department.nameEn : me.account.department.name) : t('appl.wb.noDept');
  const roles = me.account.roles.filter((r) => ['window_clerk', 'reviewer', 'decider', 'dept_admin'].includes(r)).map((r) => t(`role.${r}`, { defaultValue: r }));
  return <p className="yw-lead">{t('appl.wb.scopeLine', { dept, roles: roles.join('、') })}</p>;
}

function TaskActionsInline({ task, onChanged }: { task: TaskRow; onChanged: () => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (task.state !== 'open') return null;
  const mine = task.assignee?.id === me?.account.id;
  const canAct = me?.account.roles.includes(task.role);
  if (!canAct) return null;
  const run = async (action: 'claim' | 'release') => {
    setBusy(true);
    setError(null);
    try {
      await tasksApi.act(task.id, action);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {!task.assignee ? (
        <Button size="small" loading={busy} onClick={() => void run('claim')} data-testid="claim">
          {t('appl.wb.claim')}
        </Button>
      ) : mine ? (
        <Button size="small" loading={busy} onClick={() => void run('release')} data-testid="release">
          {t('appl.wb.release')}
        </Button>
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
    </>
  );
}

/** A list of tasks: a table on wide screens, cards on a phone. */
export function TaskTable({ tasks, onChanged, empty }: { tasks: TaskRow[]; onChanged: () => void; empty: string }) {
  const { t } = useTranslation();
  const { lang, elder } = usePrefs();
  const screens = Grid.useBreakpoint();
  const phone = screens.md === false;
  if (!tasks.length) return <p className="ya-meta" data-testid="tasks-empty">{empty}</p>;
  if (phone || elder) {
    return (
      <ul className="ya-list" data-testid="task-list">
        {tasks.map((r) => (
          <li key={r.id} data-testid="task-row" data-application={r.applicationId} data-action={r.action}>
            <div className="ya-row">
              <h3 className="ya-list-title ya-grow">
                <Link to={`/workbench/tasks/${r.id}`}>{r.application.title}</Link>
              </h3>
              <SlaBadge sla={r.sla} paused={r.application.paused} />
            </div>
            <div className="ya-row ya-meta">
              <span>{r.application.number}</span>
              <span>{t('appl.wb.stageAction', { stage: r.stage.name, action: loc(r.actionLabel, lang) })}</span>
              <span>{r.application.applicant.name}</span>
              {r.state === 'open' ? <DaysLeft days={r.daysLeft} due={r.dueDate} provisional={r.dueProvisional} /> : <span>{loc(r.stateLabel, lang)}</span>}
              {r.assignee ? <span>{t('appl.wb.claimedBy', { name: r.assignee.name })}</span> : null}
              {r.blocked ? <span>{t(`appl.wb.blocked.${r.blocked}`)}</span> : null}
            </div>
            <div className="ya-actions">
              <Link to={`/workbench/tasks/${r.id}`} className="yw-link-button yw-link-button-primary">
                {t('appl.wb.open')}
              </Link>
              <TaskActionsInline task={r} onChanged={onChanged} />
            </div>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <Table<TaskRow>
      data-testid="task-list"
      rowKey="id"
      dataSource={tasks}
      pagination={tasks.length > 20 ? { pageSize: 20 } : false}
      onRow={(r) => ({ 'data-testid': 'task-row', 'data-application': r.applicationId, 'data-action': r.action }) as never}
      scroll={{ x: true }}
      columns={[
        {
          title: t('appl.wb.col.application'),
          key: 'app',
          render: (_, r) => (
            <div>
              <Link to={`/workbench/tasks/${r.id}`}>{r.application.title}</Link>
              <div className="ya-meta">{r.application.number}</div>
            </div>
          ),
        },
        { title: t('appl.wb.col.stage'), key: 'stage', render: (_, r) => `${t('appl.wb.stageAction', { stage: r.stage.name, action: loc(r.actionLabel, lang) })}${r.signKind !== 'single' ? ` · ${t(`appl.sign.${r.signKind}`, { defaultValue: r.signKind })}` : ''}` },
        { title: t('appl.wb.col.applicant'), key: 'applicant', render: (_, r) => r.application.applicant.name },
        { title: t('appl.wb.col.submitted'), key: 'submitted', render: (_, r) => formatTime(r.application.submittedAt, lang) },
        {
          title: t('appl.wb.col.due'),
          key: 'due',
          render: (_, r) =>
            r.state === 'open' ? (
              <Space orientation="vertical" size={2}>
                <SlaBadge sla={r.sla} paused={r.application.paused} />
                <DaysLeft days={r.daysLeft} due={r.dueDate} provisional={r.dueProvisional} />
              </Space>
            ) : (
              <span>
                {loc(r.stateLabel, lang)} {formatTime(r.completedAt, lang)}
              </span>
            ),
        },
        {
          title: t('appl.wb.col.status'),
          key: 'status',
          render: (_, r) => (
            <div>
              {r.assignee ? t('appl.wb.claimedBy', { name: r.assignee.name }) : r.state === 'open' ? t('appl.wb.unclaimed') : ''}
              {r.blocked ? <div className="ya-meta">{t(`appl.wb.blocked.${r.blocked}`)}</div> : null}
            </div>
          ),
        },
        { title: t('appl.wb.col.actions'), key: 'actions', render: (_, r) => <TaskActionsInline task={r} onChanged={onChanged} /> },
      ]}
    />
  );
}

export function TaskListPage() {
  const { t } = useTranslation();
  const { elder } = usePrefs();
  const [scope, setScope] = useState<Scope>('todo');
  usePageTitle(t('nav.workbench.tasks'));
  const { data, error, loading, reload } = useLoad(() => tasksApi.list(scope), [scope]);
  const counts = useMemo(() => {
    const c = { overdue: 0, warning: 0 };
    for (const r of data ?? []) if (r.state === 'open' && (r.sla === 'overdue' || r.sla === 'warning')) c[r.sla]++;
    return c;
  }, [data]);
  return (
    <div className="yw-page" data-testid="task-list-page">
      <h1 className="yw-page-title">{t('nav.workbench.tasks')}</h1>
      <Who />
      <div className="ya-row yw-block-sm">
        <Segmented<Scope>
          value={scope}
          onChange={setScope}
          options={(elder ? (['todo', 'mine'] as Scope[]) : (['todo', 'mine', 'done'] as Scope[])).map((s) => ({ value: s, label: t(`appl.wb.scope.${s}`) }))}
          aria-label={t('appl.wb.scopeLabel')}
          data-testid="task-scope"
        />
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()} data-testid="tasks-refresh">
          {t('appl.refresh')}
        </Button>
        {counts.overdue ? <span className="ya-badge ya-badge-overdue">{t('appl.wb.countOverdue', { count: counts.overdue })}</span> : null}
        {counts.warning ? <span className="ya-badge ya-badge-warning">{t('appl.wb.countWarning', { count: counts.warning })}</span> : null}
      </div>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : <TaskTable tasks={data ?? []} onChanged={() => void reload()} empty={t(`appl.wb.empty.${scope}`)} />}
    </div>
  );
}

// ---- a task ------------------------------------------------------------------------------------

export function TaskDetailPage() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const { me } = useSession();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { data: view, error, loading, reload, setData } = useLoad(() => tasksApi.get(id), [id]);
  const app = view?.application;
  const { data: item } = useLoad<ApplyTarget | null>(async () => (app?.item?.id ? loadTarget('item', app.item.id, app.item.version) : null), [app?.item?.id, app?.item?.version]);
  usePageTitle(app ? `${app.title} · ${view!.task.stage.name}` : t('nav.workbench.tasks'));
  const [done, setDone] = useState<string | null>(null);
  if (loading && !view) return <Loading />;
  if (!view || !app) {
    return (
      <div className="yw-page" data-testid="task-detail">
        <h1 className="yw-page-title">{t('nav.workbench.tasks')}</h1>
        <ErrorAlert error={error} />
        <Link to="/workbench/tasks">{t('appl.wb.backToList')}</Link>
      </div>
    );
  }
  const task = view.task;
  const mine = task.assignee?.id === me?.account.id;
  const myRole = !!me?.account.roles.includes(task.role);
  const actionable = task.state === 'open' && myRole && (!task.assignee || mine);
  const fieldTitle = (k: string) => item?.schema.properties?.[k]?.title ?? k;
  const fields = item ? orderedFields(item.schema).map(([k]) => k).filter((k) => app.formData[k] !== undefined) : Object.keys(app.formData);
  for (const k of Object.keys(app.formData)) if (!fields.includes(k)) fields.push(k);
  const signers = (app.tasks ?? []).filter((x) => x.step === task.step);
  const onActed = (v: TaskView, what: string) => {
    setData(v);
    setDone(what);
    window.scrollTo({ top: 0 });
  };

  return (
    <div className="yw-page" data-testid="task-detail" data-task-state={task.state} data-action={task.action}>
      <p>
        <Link to="/workbench/tasks">{t('appl.wb.backToList')}</Link>
      </p>
      <div className="ya-row">
        <h1 className="yw-page-title ya-grow">{app.title}</h1>
        <StateBadge state={app.state} label={app.stateLabel} />
      </div>
      <p className="yw-lead">
        {app.number} · {t('appl.wb.applicant', { name: app.applicant.name })}
        {app.applicant.onBehalf ? ` · ${t('appl.wb.byAgent')}` : ''}
      </p>
      {done ? <Alert className="yw-block-sm" type="success" showIcon role="status" title={t(`appl.wb.done.${done}`, { defaultValue: t('appl.wb.done.generic') })} data-testid="act-done" /> : null}
      <ErrorAlert error={error} />

      <Card className="yw-card">
        <div className="ya-row">
          <h2 className="yw-section-title ya-grow" style={{ marginBottom: 0 }}>
            {t('appl.wb.thisTask', { stage: task.stage.name, action: loc(task.actionLabel, lang) })}
          </h2>
          <SlaBadge sla={task.sla} paused={app.clock.paused} />
          <DaysLeft days={task.daysLeft} due={task.dueDate} provisional={task.dueProvisional} />
        </div>
        <div className="ya-row ya-meta yw-block-sm" style={{ marginTop: 8 }}>
          <span>{loc(task.stateLabel, lang)}</span>
          <span>{loc(task.roleLabel, lang)} · {task.department.name}</span>
          {task.signKind !== 'single' ? <span>{t(`appl.sign.${task.signKind}`, { defaultValue: task.signKind })}</span> : null}
          <span>{task.assignee ? t('appl.wb.claimedBy', { name: task.assignee.name }) : t('appl.wb.unclaimed')}</span>
        </div>
        {task.state === 'open' && myRole ? <ClaimButtons view={view} onChanged={(v) => setData(v)} /> : null}
        {task.state === 'open' && !myRole ? <Alert type="info" showIcon title={t('appl.wb.notYourRole', { role: loc(task.roleLabel, lang) })} /> : null}
        {task.state === 'open' && task.assignee && !mine ? <Alert type="info" showIcon title={t('appl.wb.claimedByOther', { name: task.assignee.name })} /> : null}
      </Card>

      {app.state === 'supplement_requested' && app.supplement ? (
        <Alert className="yw-block" type="warning" showIcon title={t('appl.wb.awaitingSupplement', { date: app.supplement.replyBy ?? '' })} description={app.supplement.items.map((i) => i.label ?? i.key).join('；')} />
      ) : null}
      {app.awaiting === 'payment' ? <Alert className="yw-block" type="warning" showIcon title={t('appl.wb.awaitingPayment')} /> : null}

      {actionable ? <ActPanel view={view} item={item ?? null} onActed={onActed} /> : null}

      {signers.length > 1 ? (
        <Card className="yw-card yw-block" data-testid="signers">
          <h2 className="yw-section-title">{t('appl.wb.signers', { kind: t(`appl.sign.${task.signKind}`, { defaultValue: task.signKind }) })}</h2>
          <ul className="ya-list">
            {signers.map((s) => (
              <li key={s.id}>
                <div className="ya-row">
                  <strong className="ya-grow">{s.department.name}</strong>
                  <span>{loc(s.stateLabel, lang)}</span>
                  {s.outcome ? <span className="ya-badge ya-badge-state">{t(`appl.wb.outcome.${s.outcome}`, { defaultValue: s.outcome })}</span> : null}
                </div>
                {s.opinion ? <div className="ya-meta">{s.opinion}</div> : null}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{t('appl.wb.formData')}</h2>
        <dl className="ya-kv" data-testid="form-data">
          {fields.map((k) => {
            const v = app.formData[k];
            const fid = fileIdOf(v);
            return (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{fieldTitle(k)}</dt>
                <dd data-field={k}>
                  {fid ? (
                    <a href={`/api/files/${fid}`} target="_blank" rel="noreferrer">
                      {t('appl.wb.viewFile')}
                    </a>
                  ) : (
                    String(v)
                  )}
                </dd>
              </div>
            );
          })}
        </dl>
        {app.received?.length ? (
          <>
            <h3 className="yw-card-title yw-block">{t('appl.wb.received')}</h3>
            <ul>
              {app.received.map((r, i) => (
                <li key={i}>
                  {r.result?.name}: {Object.entries(r.result?.fields ?? {}).map(([k, v]) => `${fieldTitle(k)} ${String(v)}`).join('，')}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Card>

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{t('appl.wb.materials')}</h2>
        <div data-testid="task-materials">
          <MaterialsList materials={view.materials} officer />
        </div>
      </Card>

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{t('appl.detail.clock')}</h2>
        <ClockSummary clock={app.clock} />
      </Card>

      <Card className="yw-card yw-block">
        <h2 className="yw-section-title">{t('appl.detail.timeline')}</h2>
        <Timeline events={app.timeline ?? []} showInternal />
      </Card>
      <div className="ya-actions">
        <Button onClick={() => void reload()} icon={<ReloadOutlined aria-hidden="true" />}>
          {t('appl.refresh')}
        </Button>
        <Button onClick={() => navigate('/workbench/tasks')}>{t('appl.wb.backToList')}</Button>
      </div>
    </div>
  );
}

function ClaimButtons({ view, onChanged }: { view: TaskView; onChanged: (v: TaskView) => void }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const task = view.task;
  const mine = task.assignee?.id === me?.account.id;
  if (task.assignee && !mine) return null;
  const run = async (a: 'claim' | 'release') => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await tasksApi.act(task.id, a));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="ya-actions" style={{ marginTop: 8 }}>
      <ErrorAlert error={error} />
      {mine ? (
        <Button loading={busy} onClick={() => void run('release')} data-testid="release">
          {t('appl.wb.release')}
        </Button>
      ) : (
        <Button loading={busy} onClick={() => void run('claim')} data-testid="claim">
          {t('appl.wb.claim')}
        </Button>
      )}
    </div>
  );
}

/** The acts of the task's step. */
function ActPanel({ view, item, onActed }: { view: TaskView; item: ApplyTarget | null; onActed: (v: TaskView, what: string) => void }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const task = view.task;
  const app = view.application;
  const [note, setNote] = useState('');
  const [choice, setChoice] = useState<'yes' | 'no'>('yes');
  const [reasonCode, setReasonCode] = useState<string | undefined>();
  const [reasons, setReasons] = useState('');
  const [result, setResult] = useState<Record<string, string>>({});
  const [needed, setNeeded] = useState<string[]>(app.resultFieldsNeeded ?? []);
  const [method, setMethod] = useState<'online' | 'window' | 'mail'>('online');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [suppOpen, setSuppOpen] = useState(false);
  const blocked = app.state === 'supplement_requested' || app.awaiting === 'payment';

  async function act(path: string, body: unknown, what: string) {
    setBusy(true);
    setError(null);
    try {
      onActed(await tasksApi.act(task.id, path, body), what);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'RESULT_FIELDS_MISSING') {
        const f = (e.body as { fields?: string[] })?.fields ?? [];
        setNeeded((p) => [...new Set([...p, ...f])]);
      }
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const noteBox = (label: string, required: boolean) => (
    <div className="yw-block-sm">
      <label htmlFor="act-note">
        {label}
        {required ? <span aria-hidden="true" style={{ color: '#b3261e' }}> *</span> : null}
      </label>
      <Input.TextArea id="act-note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} aria-required={required} data-testid="act-note" />
    </div>
  );

  let body: ReactNode = null;
  if (app.state === 'special_procedure') {
    body = (
      <>
        <Alert type="info" showIcon title={t('appl.wb.inSpecial')} className="yw-block-sm" />
        {noteBox(t('appl.wb.note'), false)}
        <Button type="primary" loading={busy} onClick={() => void act('special-procedure/end', note.trim() ? { note: note.trim() } : {}, 'specialEnded')}>
          {t('appl.wb.endSpecial')}
        </Button>
      </>
    );
  } else if (task.action === 'accept') {
    body = (
      <>
        <Radio.Group value={choice} onChange={(e) => setChoice(e.target.value)} className="yw-block-sm" data-testid="accept-choice" aria-label={t('appl.wb.acceptChoice')}>
          <Radio value="yes">{t('appl.wb.accept')}</Radio>
          <Radio value="no">{t('appl.wb.notAccept')}</Radio>
        </Radio.Group>
        {choice === 'no' ? (
          <div className="yw-block-sm">
            <label htmlFor="reason-code">{t('appl.wb.reasonCode')}</label>
            <Select
              id="reason-code"
              style={{ width: '100%', maxWidth: 560, display: 'block' }}
              value={reasonCode}
              onChange={setReasonCode}
              placeholder={t('appl.form.choose')}
              options={view.notAcceptedReasons.map((r) => ({ value: r.code, label: lang.startsWith('zh') ? r.zh : r.en }))}
              data-testid="reason-code"
            />
          </div>
        ) : null}
        {noteBox(choice === 'no' ? t('appl.wb.notAcceptReason') : t('appl.wb.acceptNote'), choice === 'no')}
        <div className="ya-actions">
          {choice === 'yes' ? (
            <Button type="primary" loading={busy} disabled={blocked} onClick={() => void act('accept', note.trim() ? { note: note.trim() } : {}, 'accepted')} data-testid="do-accept">
              {t('appl.wb.doAccept')}
            </Button>
          ) : (
            <Button type="primary" danger loading={busy} disabled={!reasonCode || note.trim().length < 2} onClick={() => void act('not-accept', { reasonCode, reason: note.trim() }, 'notAccepted')} data-testid="do-not-accept">
              {t('appl.wb.doNotAccept')}
            </Button>
          )}
          <Button onClick={() => setSuppOpen(true)} disabled={blocked} data-testid="open-supplement">
            {t('appl.wb.requestSupplement')}
          </Button>
        </div>
      </>
    );
  } else if (task.action === 'review') {
    body = (
      <>
        <Radio.Group value={choice} onChange={(e) => setChoice(e.target.value)} className="yw-block-sm" data-testid="review-choice" aria-label={t('appl.wb.reviewChoice')}>
          <Radio value="yes">{t('appl.wb.agree')}</Radio>
          <Radio value="no">{t('appl.wb.disagree')}</Radio>
        </Radio.Group>
        {noteBox(t('appl.wb.opinion'), true)}
        <div className="ya-actions">
          <Button type="primary" loading={busy} disabled={blocked || !note.trim()} onClick={() => void act('review', { agree: choice === 'yes', opinion: note.trim() }, 'reviewed')} data-testid="do-review">
            {t('appl.wb.doReview')}
          </Button>
          <Button onClick={() => setSuppOpen(true)} disabled={blocked} data-testid="open-supplement">
            {t('appl.wb.requestSupplement')}
          </Button>
          <SpecialButton view={view} onActed={onActed} />
        </div>
      </>
    );
  } else if (task.action === 'decide') {
    const reasonList = reasons.split('\n').map((r) => r.trim()).filter(Boolean);
    body = (
      <>
        <Radio.Group value={choice} onChange={(e) => setChoice(e.target.value)} className="yw-block-sm" data-testid="decide-choice" aria-label={t('appl.wb.decideChoice')}>
          <Radio value="yes">{t('appl.wb.approve')}</Radio>
          <Radio value="no">{t('appl.wb.deny')}</Radio>
        </Radio.Group>
        {noteBox(t('appl.wb.opinion'), true)}
        {choice === 'no' ? (
          <div className="yw-block-sm">
            <label htmlFor="deny-reasons">
              {t('appl.wb.denyReasons')}
              <span aria-hidden="true" style={{ color: '#b3261e' }}> *</span>
            </label>
            <Input.TextArea id="deny-reasons" rows={3} value={reasons} onChange={(e) => setReasons(e.target.value)} data-testid="deny-reasons" />
            <p className="ya-meta">{t('appl.wb.appealNote')}</p>
          </div>
        ) : needed.length ? (
          <fieldset className="yw-block-sm" data-testid="result-fields">
            <legend>{t('appl.wb.resultFields')}</legend>
            {needed.map((f) => (
              <div key={f} className="yw-block-sm">
                <label htmlFor={`result-${f}`}>{t(`appl.resultField.${f}`, { defaultValue: fieldTitleOf(item, f) })}</label>
                <Input id={`result-${f}`} value={result[f] ?? ''} onChange={(e) => setResult((p) => ({ ...p, [f]: e.target.value }))} style={{ maxWidth: 400 }} data-testid={`result-${f}`} />
              </div>
            ))}
          </fieldset>
        ) : null}
        <div className="ya-actions">
          {choice === 'yes' ? (
            <Button
              type="primary"
              loading={busy}
              disabled={blocked || !note.trim() || needed.some((f) => !result[f]?.trim())}
              onClick={() => {
                const r = Object.fromEntries(Object.entries(result).filter(([k, v]) => needed.includes(k) && v.trim()).map(([k, v]) => [k, v.trim()]));
                void act('decide', { approve: true, opinion: note.trim(), ...(Object.keys(r).length ? { result: r } : {}) }, 'approved');
              }}
              data-testid="do-approve"
            >
              {t('appl.wb.doApprove')}
            </Button>
          ) : (
            <Button type="primary" danger loading={busy} disabled={blocked || !note.trim() || !reasonList.length} onClick={() => void act('decide', { approve: false, opinion: note.trim(), reasons: reasonList }, 'denied')} data-testid="do-deny">
              {t('appl.wb.doDeny')}
            </Button>
          )}
          <Button onClick={() => setSuppOpen(true)} disabled={blocked} data-testid="open-supplement">
            {t('appl.wb.requestSupplement')}
          </Button>
          <SpecialButton view={view} onActed={onActed} />
        </div>
      </>
    );
  } else if (task.action === 'deliver') {
    body = (
      <>
        <div className="yw-block-sm">
          <span id="deliver-method">{t('appl.wb.deliverMethod')}</span>
          <Radio.Group aria-labelledby="deliver-method" value={method} onChange={(e) => setMethod(e.target.value)} style={{ display: 'block' }}>
            {(['online', 'window', 'mail'] as const).map((m) => (
              <Radio key={m} value={m}>
                {t(`appl.wb.deliver.${m}`)}
              </Radio>
            ))}
          </Radio.Group>
        </div>
        {noteBox(t('appl.wb.note'), false)}
        <Button type="primary" loading={busy} disabled={blocked} onClick={() => void act('deliver', { method, ...(note.trim() ? { note: note.trim() } : {}) }, 'delivered')} data-testid="do-deliver">
          {t('appl.wb.doDeliver')}
        </Button>
      </>
    );
  }

  return (
    <Card className="yw-card yw-block" data-testid="act-panel">
      <h2 className="yw-section-title">{t('appl.wb.act')}</h2>
      <ErrorAlert error={error} onClose={() => setError(null)} />
      {body}
      <SupplementRequestModal open={suppOpen} onClose={() => setSuppOpen(false)} view={view} item={item} onActed={onActed} />
    </Card>
  );
}

function fieldTitleOf(item: ApplyTarget | null, f: string): string {
  return item?.schema.properties?.[f]?.title ?? f;
}

function SpecialButton({ view, onActed }: { view: TaskView; onActed: (v: TaskView, what: string) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState<string>();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!view.specialProcedures.length) return null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t('appl.wb.startSpecial')}</Button>
      <Modal
        open={open}
        title={t('appl.wb.startSpecial')}
        okText={t('appl.wb.startSpecial')}
        cancelText={t('appl.cancel')}
        okButtonProps={{ disabled: !name, loading: busy }}
        onCancel={() => setOpen(false)}
        onOk={async () => {
          setBusy(true);
          setError(null);
          try {
            onActed(await tasksApi.act(view.task.id, 'special-procedure', { name, ...(note.trim() ? { note: note.trim() } : {}) }), 'specialStarted');
            setOpen(false);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <ErrorAlert error={error} />
        <p>{t('appl.wb.specialLead')}</p>
        <Radio.Group value={name} onChange={(e) => setName(e.target.value)} aria-label={t('appl.wb.startSpecial')}>
          <Space orientation="vertical">
            {view.specialProcedures.map((s) => (
              <Radio key={s.name} value={s.name}>
                {s.name}
                {s.limitDays ? `（${t('appl.clock.days', { count: s.limitDays })}）` : ''}
              </Radio>
            ))}
          </Space>
        </Radio.Group>
        <label htmlFor="special-note" style={{ display: 'block', marginTop: 12 }}>
          {t('appl.wb.note')}
        </label>
        <Input.TextArea id="special-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      </Modal>
    </>
  );
}

/** 一次性告知: choose exactly which fields and materials, each with its reason. */
function SupplementRequestModal({ open, onClose, view, item, onActed }: { open: boolean; onClose: () => void; view: TaskView; item: ApplyTarget | null; onActed: (v: TaskView, what: string) => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [days, setDays] = useState<number | null>(10);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields: [string, { title?: string }][] = item ? orderedFields(item.schema).filter(([, s]) => !s['x-material']) : Object.keys(view.application.formData).map((k) => [k, { title: k }]);
  const materials = view.materials.filter((m) => !m.exempt);
  const entries = Object.entries(chosen);
  const valid = entries.length > 0 && entries.every(([, r]) => r.trim().length > 0);
  const toggle = (key: string, on: boolean) =>
    setChosen((p) => {
      const n = { ...p };
      if (on) n[key] = n[key] ?? '';
      else delete n[key];
      return n;
    });
  const row = (key: string, label: string) => (
    <div key={key} className="yw-block-sm">
      <Checkbox checked={key in chosen} onChange={(e) => toggle(key, e.target.checked)} data-testid={`supp-${key}`}>
        {label}
      </Checkbox>
      {key in chosen ? (
        <Input
          aria-label={t('appl.wb.suppReasonFor', { name: label })}
          placeholder={t('appl.wb.suppReason')}
          value={chosen[key]}
          maxLength={300}
          onChange={(e) => setChosen((p) => ({ ...p, [key]: e.target.value }))}
          style={{ marginTop: 4 }}
          data-testid={`supp-reason-${key}`}
        />
      ) : null}
    </div>
  );
  return (
    <Modal
      open={open}
      title={t('appl.wb.requestSupplement')}
      okText={t('appl.wb.sendSupplement')}
      cancelText={t('appl.cancel')}
      okButtonProps={{ disabled: !valid, loading: busy, 'data-testid': 'send-supplement' } as never}
      onCancel={onClose}
      width={640}
      onOk={async () => {
        setBusy(true);
        setError(null);
        try {
          const items = entries.map(([k, reason]) => {
            const [kind, key] = k.split(':');
            return { kind: kind as 'field' | 'material', key, reason: reason.trim() };
          });
          onActed(await tasksApi.act(view.task.id, 'request-supplement', { items, ...(note.trim() ? { note: note.trim() } : {}), ...(days ? { replyWithinDays: days } : {}) }), 'supplementRequested');
          setChosen({});
          onClose();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p>{t('appl.wb.suppLead')}</p>
      <ErrorAlert error={error} />
      <fieldset>
        <legend>{t('appl.wb.suppFields')}</legend>
        {fields.map(([k, s]) => row(`field:${k}`, s.title ?? k))}
      </fieldset>
      {materials.length ? (
        <fieldset className="yw-block-sm">
          <legend>{t('appl.wb.suppMaterials')}</legend>
          {materials.map((m) => row(`material:${m.key}`, m.name))}
        </fieldset>
      ) : null}
      <label htmlFor="supp-note-officer">{t('appl.wb.note')}</label>
      <Input.TextArea id="supp-note-officer" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      <label htmlFor="supp-days" style={{ display: 'block', marginTop: 8 }}>
        {t('appl.wb.replyWithin')}
      </label>
      <InputNumber id="supp-days" min={1} max={60} value={days} onChange={(v) => setDays(v)} />
    </Modal>
  );
}
