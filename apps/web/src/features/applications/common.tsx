/** Small pieces shared by the portal and workbench pages of applications: badges, days left, timeline, errors. */
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../prefs';
import { loc, type Clock, type Sla, type TimelineEvent } from './model';
import './applications.css';

const STATE_TONE: Record<string, string> = {
  draft: 'draft',
  concluded: 'done',
  approved: 'done',
  denied: 'bad',
  not_accepted: 'bad',
  withdrawn: 'draft',
  stopped: 'bad',
  supplement_requested: 'warning',
  special_procedure: 'paused',
  waiting: 'paused',
};

export function StateBadge({ state, label }: { state: string; label: { zh: string; en: string } }) {
  const { lang } = usePrefs();
  return (
    <span className={`ya-badge ya-badge-${STATE_TONE[state] ?? 'state'}`} data-testid="state-badge" data-state={state}>
      {loc(label, lang)}
    </span>
  );
}

export function SlaBadge({ sla, paused }: { sla: Sla | null; paused?: boolean }) {
  const { t } = useTranslation();
  if (paused) return <span className="ya-badge ya-badge-paused">{t('appl.sla.paused')}</span>;
  if (!sla) return null;
  return (
    <span className={`ya-badge ya-badge-${sla}`} data-testid="sla-badge" data-sla={sla}>
      {t(`appl.sla.${sla}`)}
    </span>
  );
}

/** 暂定: the date lies in a year whose official holiday arrangement is not published yet. */
export function ProvisionalMark({ on }: { on?: boolean }) {
  const { t } = useTranslation();
  if (!on) return null;
  return (
    <span className="ya-badge ya-badge-paused" data-testid="provisional" title={t('appl.clock.provisionalHint')}>
      {t('appl.clock.provisional')}
    </span>
  );
}

/** "3 working days left" / "overdue by 2 working days" / "due today". */
export function DaysLeft({ days, due, provisional }: { days: number | null | undefined; due?: string | null; provisional?: boolean }) {
  const { t } = useTranslation();
  if (days === null || days === undefined) return due ? <span className="ya-meta">{t('appl.clock.dueOn', { date: due })} <ProvisionalMark on={provisional} /></span> : null;
  const text = days > 0 ? t('appl.clock.daysLeft', { count: days }) : days === 0 ? t('appl.clock.dueToday') : t('appl.clock.overdueBy', { count: -days });
  return (
    <span className="ya-days" data-testid="days-left">
      {text}
      {due ? <span className="ya-meta"> · {t('appl.clock.dueOn', { date: due })}</span> : null}
      {provisional ? <> <ProvisionalMark on /></> : null}
    </span>
  );
}

/** The legal and promised clock, as the applicant and the officer both see it. */
export function ClockSummary({ clock }: { clock: Clock }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  if (!clock.promisedDue && !clock.legalDue) {
    return <p className="ya-meta">{clock.stopped ? t('appl.clock.stopped') : t('appl.clock.notStarted')}</p>;
  }
  return (
    <dl className="ya-kv" data-testid="clock">
      <dt>{t('appl.clock.promised')}</dt>
      <dd>
        <DaysLeft days={clock.daysLeft} due={clock.promisedDue} provisional={clock.promisedDueProvisional} /> <SlaBadge sla={clock.sla} paused={clock.paused} />
      </dd>
      <dt>{t('appl.clock.legal')}</dt>
      <dd>
        <DaysLeft days={clock.legalDaysLeft} due={clock.legalDue} provisional={clock.legalDueProvisional} />
      </dd>
      {clock.provisional && clock.provisionalNote ? (
        <dd className="ya-meta" data-testid="provisional-note" style={{ gridColumn: '1 / -1' }}>
          {loc(clock.provisionalNote, lang)}
        </dd>
      ) : null}
      {clock.paused ? (
        <>
          <dt>{t('appl.clock.pausedLabel')}</dt>
          <dd>{t(`appl.clock.pause.${clock.pauseReason ?? 'supplement'}`, { defaultValue: clock.pauseReason ?? '' })}</dd>
        </>
      ) : null}
      {clock.pausedDays ? (
        <>
          <dt>{t('appl.clock.pausedDays')}</dt>
          <dd>{t('appl.clock.days', { count: clock.pausedDays })}</dd>
        </>
      ) : null}
    </dl>
  );
}

export function formatTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(lang.startsWith('zh') ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function Timeline({ events, showInternal = false }: { events: TimelineEvent[]; showInternal?: boolean }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  const shown = events.filter((e) => showInternal || e.visibility === 'public');
  if (!shown.length) return <p className="ya-meta">{t('appl.timeline.empty')}</p>;
  return (
    <ol className="ya-timeline" data-testid="timeline">
      {shown.map((e) => (
        <li key={e.id} className={e.visibility === 'internal' ? 'ya-internal' : undefined}>
          <time dateTime={e.at}>{formatTime(e.at, lang)}</time>
          <div>{loc(e.message, lang)}</div>
          {e.actor.department || e.actor.name ? (
            <div className="ya-who">
              {[e.actor.department, e.actor.name].filter(Boolean).join(' · ')}
              {e.visibility === 'internal' ? ` · ${t('appl.timeline.internal')}` : ''}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

export { ErrorAlert } from '../../components/ErrorAlert';
export { useLoad } from '../../components/useLoad';

export function money(fen: number | undefined, lang: string): string {
  if (fen === undefined) return '';
  const yuan = (fen / 100).toFixed(2);
  return lang.startsWith('zh') ? `${yuan} 元` : `CNY ${yuan}`;
}
