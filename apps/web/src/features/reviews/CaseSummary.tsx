/**
 * One rectification case as the department (workbench / admin) and the supervisor (oversight)
 * both see it: what was complained of, the step and its deadline, what was found, done and fed
 * back, why it ended; and its timeline. Pages add their own rows (the appeal and its evidence).
 */
import { Card, Descriptions, type DescriptionsProps } from 'antd';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../prefs';
import { LevelTag, RvTag } from './components';
import { fmtTime, type CaseView } from './model';

export const SLA_TONE = { normal: 'good', warning: 'warn', overdue: 'bad' } as const;

export function CaseSummary({ c, showDepartment, extra = [] }: { c: CaseView; showDepartment?: boolean; extra?: DescriptionsProps['items'] }) {
  const { t } = useTranslation();
  const items: DescriptionsProps['items'] = [
    ...(showDepartment ? [{ key: 'dept', label: t('sv.department'), children: c.department ?? '—' }] : []),
    { key: 'subject', label: t('rv.rect.subject'), children: c.review.subject },
    { key: 'review', label: t('rv.rect.review'), children: <><LevelTag level={c.review.firstLevel} /> {c.review.comment}</> },
    { key: 'reviewer', label: t('rv.rect.reviewer'), children: c.review.reviewer },
    {
      key: 'due',
      label: t('rv.rect.due'),
      children: <><span data-testid="case-due">{c.stepDue ?? '—'}</span> {c.stepDue && <RvTag tone={SLA_TONE[c.slaState]}>{t(`rv.sla.${c.slaState}`)}</RvTag>}</>,
    },
    ...(c.verify ? [{ key: 'finding', label: t('rv.rect.finding'), children: `${t(`rv.rect.findingOpt.${c.verify.finding}`)} · ${c.verify.note}` }] : []),
    ...(c.measures ? [{ key: 'measures', label: t('rv.rect.measures'), children: c.measures }] : []),
    ...(c.feedback ? [{ key: 'feedback', label: t('rv.rect.message'), children: c.feedback }] : []),
    ...(c.lateSteps > 0 ? [{ key: 'late', label: t('rv.rect.sla'), children: t('rv.rect.lateSteps', { n: c.lateSteps }) }] : []),
    ...(c.closedReason ? [{ key: 'closed', label: t('rv.rect.closedReason'), children: <span data-testid="case-closed-reason" data-reason={c.closedReason}>{t(`rv.rect.closedReasons.${c.closedReason}`)}</span> }] : []),
    ...extra,
  ];
  return <Descriptions bordered size="small" column={1} className="yw-block-sm" items={items} />;
}

export function CaseEvents({ c }: { c: CaseView }) {
  const { t } = useTranslation();
  const { lang } = usePrefs();
  return (
    <Card title={<h2 className="rv-card-title">{t('rv.rect.events')}</h2>} className="yw-block-sm">
      <ul className="rv-list" data-testid="case-events">
        {c.events.map((e, i) => (
          <li key={i} data-type={e.type}>
            {fmtTime(e.at, lang)} {e.actor ? `· ${e.actor}` : ''} · {e.note}
          </li>
        ))}
      </ul>
    </Card>
  );
}
