/**
 * Workbench boards built on the task list: 窗口收件 (the acceptance queue of the window clerk),
 * 办件查询 (the applications the department holds or held, by task), 时限预警 (warning and
 * overdue tasks, most urgent first).
 */
import { useMemo, useState } from 'react';
import { Alert, Button, Card, Input } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../prefs';
import { Loading } from '../../components/States';
import { usePageTitle } from '../../components/usePageTitle';
import { DaysLeft, ErrorAlert, SlaBadge, StateBadge, useLoad } from './common';
import { tasksApi, type TaskRow } from './model';
import { TaskTable } from './Workbench';
import { WindowIntakeForm } from './WindowIntake';

const urgency = (r: TaskRow) => (r.daysLeft ?? 1e6) + (r.sla === 'overdue' ? -1e7 : r.sla === 'warning' ? -1e6 : 0);

export function IntakePage() {
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.intake'));
  const { data, error, loading, reload } = useLoad(async () => {
    const [todo, mine] = await Promise.all([tasksApi.list('todo'), tasksApi.list('mine')]);
    const seen = new Set<string>();
    return [...mine, ...todo].filter((r) => r.action === 'accept' && !seen.has(r.id) && seen.add(r.id)).sort((a, b) => urgency(a) - urgency(b));
  }, []);
  return (
    <div className="yw-page" data-testid="intake-page">
      <h1 className="yw-page-title">{t('nav.workbench.intake')}</h1>
      <p className="yw-lead">{t('appl.intake.lead')}</p>
      <Alert className="yw-block-sm" type="info" showIcon title={t('appl.intake.windowNote')} />
      <div className="ya-row yw-block-sm">
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('appl.refresh')}
        </Button>
      </div>
      <WindowIntakeForm onDone={() => void reload()} />
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : <TaskTable tasks={data ?? []} onChanged={() => void reload()} empty={t('appl.intake.empty')} />}
    </div>
  );
}

interface AppGroup {
  id: string;
  row: TaskRow;
  open: TaskRow | null;
  tasks: number;
}

export function DeptApplicationsPage() {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const [q, setQ] = useState('');
  usePageTitle(t('nav.workbench.applications'));
  const { data, error, loading, reload } = useLoad(async () => {
    const [todo, mine, done] = await Promise.all([tasksApi.list('todo', 200), tasksApi.list('mine', 200), tasksApi.list('done', 200)]);
    return [...mine, ...todo, ...done];
  }, []);
  const groups = useMemo(() => {
    const m = new Map<string, AppGroup>();
    for (const r of data ?? []) {
      const g = m.get(r.applicationId) ?? { id: r.applicationId, row: r, open: null, tasks: 0 };
      g.tasks++;
      if (r.state === 'open' && !g.open) g.open = r;
      m.set(r.applicationId, g);
    }
    const needle = q.trim().toLowerCase();
    return [...m.values()].filter((g) => !needle || [g.row.application.number, g.row.application.title, g.row.application.applicant.name].some((s) => s?.toLowerCase().includes(needle)));
  }, [data, q]);
  return (
    <div className="yw-page" data-testid="dept-applications">
      <h1 className="yw-page-title">{t('nav.workbench.applications')}</h1>
      <p className="yw-lead">{t('appl.deptApps.lead')}</p>
      <div className="ya-row yw-block-sm">
        <Input.Search aria-label={t('appl.deptApps.search')} placeholder={t('appl.deptApps.search')} allowClear value={q} onChange={(e) => setQ(e.target.value)} style={{ maxWidth: 360 }} />
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('appl.refresh')}
        </Button>
      </div>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      {data && !groups.length ? <p className="ya-meta">{t('appl.deptApps.empty')}</p> : null}
      <ul className="ya-list">
        {groups.map((g) => {
          const a = g.row.application;
          const link = g.open ?? g.row;
          return (
            <li key={g.id}>
              <div className="ya-row">
                <h2 className="ya-list-title ya-grow">
                  <Link to={`/workbench/tasks/${link.id}`}>{a.title}</Link>
                </h2>
                <StateBadge state={a.state} label={{ zh: t(`appl.state.${a.state}`, { lng: 'zh-CN', defaultValue: a.state }), en: t(`appl.state.${a.state}`, { lng: 'en', defaultValue: a.state }) }} />
              </div>
              <div className="ya-row ya-meta">
                <span>{a.number}</span>
                <span>{a.applicant.name}</span>
                {a.promisedDue ? <span>{t('appl.clock.dueOn', { date: a.promisedDue })}</span> : null}
                {g.open ? (
                  <span>
                    {t('appl.deptApps.openAt', { stage: g.open.stage.name })} <SlaBadge sla={g.open.sla} paused={a.paused} />
                  </span>
                ) : (
                  <span>{t('appl.deptApps.noOpen')}</span>
                )}
                <span lang={lang}>{t('appl.deptApps.tasks', { count: g.tasks })}</span>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function DeadlinesPage() {
  const { t } = useTranslation();
  usePageTitle(t('nav.workbench.deadlines'));
  const { data, error, loading, reload } = useLoad(async () => {
    const [todo, mine] = await Promise.all([tasksApi.list('todo', 200), tasksApi.list('mine', 200)]);
    const seen = new Set<string>();
    return [...mine, ...todo].filter((r) => r.state === 'open' && !seen.has(r.id) && seen.add(r.id)).sort((a, b) => urgency(a) - urgency(b));
  }, []);
  const overdue = (data ?? []).filter((r) => r.sla === 'overdue');
  const warning = (data ?? []).filter((r) => r.sla === 'warning');
  const normal = (data ?? []).filter((r) => r.sla !== 'overdue' && r.sla !== 'warning');
  return (
    <div className="yw-page" data-testid="deadlines-page">
      <h1 className="yw-page-title">{t('nav.workbench.deadlines')}</h1>
      <p className="yw-lead">{t('appl.deadlines.lead')}</p>
      <div className="ya-row yw-block-sm">
        <Button icon={<ReloadOutlined aria-hidden="true" />} onClick={() => void reload()}>
          {t('appl.refresh')}
        </Button>
      </div>
      <ErrorAlert error={error} />
      {loading && !data ? <Loading /> : null}
      <div className="ya-board">
        {(
          [
            ['overdue', overdue],
            ['warning', warning],
            ['normal', normal],
          ] as const
        ).map(([k, list]) => (
          <Card key={k} className="yw-card" data-testid={`board-${k}`}>
            <h2 className="yw-card-title">
              <SlaBadge sla={k} /> {t(`appl.deadlines.${k}`)}
            </h2>
            <div className="ya-big-number" aria-label={t('appl.deadlines.count', { count: list.length })}>
              {list.length}
            </div>
            <ul className="ya-list yw-block-sm">
              {list.slice(0, 20).map((r) => (
                <li key={r.id}>
                  <Link to={`/workbench/tasks/${r.id}`}>{r.application.title}</Link>
                  <div className="ya-meta">
                    {r.application.number} · {r.stage.name}
                  </div>
                  <DaysLeft days={r.daysLeft} due={r.dueDate} provisional={r.dueProvisional} />
                </li>
              ))}
            </ul>
          </Card>
        ))}
      </div>
    </div>
  );
}
