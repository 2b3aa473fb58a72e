import { Suspense, type ReactNode } from 'react';
import { Alert, Card, Tag } from 'antd';
import { Link, Route, Routes } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth';
import { usePrefs } from '../prefs';
import { SECTIONS, sectionHref, sectionsFor, type Section } from '../areas/nav';
import type { Area } from '../session';
import { Forbidden, Loading, NotFound } from './States';
import { sectionPage } from '../features/registry';
import { usePageTitle } from './usePageTitle';
import { WhoAmI } from './WhoAmI';

/** A grid of big task tiles: the main choices of a screen, readable at a glance. */
export function TaskTiles({ area, sections, headingLevel = 2 }: { area: Area; sections: Section[]; headingLevel?: 2 | 3 }) {
  const { t } = useTranslation();
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <ul className="yw-tiles" data-testid="task-tiles">
      {sections.map((s) => (
        <li key={s.key}>
          <Link to={sectionHref(area, s)} className="yw-tile">
            <span className="yw-tile-icon" aria-hidden="true">
              {s.icon}
            </span>
            <span className="yw-tile-body">
              <H className="yw-tile-title">{t(`nav.${area}.${s.key}`)}</H>
              <span className="yw-tile-desc">{t(`feature.${area}.${s.key}`)}</span>
              {!s.ready ? <Tag className="yw-soon-tag">{t('common.comingSoon')}</Tag> : null}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** The home page of an audience area: who is signed in and what they may do here. */
export function AreaHome({ area, intro }: { area: Area; intro?: ReactNode }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const { elder } = usePrefs();
  usePageTitle(t(`area.${area}`));
  if (!me) return null;
  const who = me.actingAs?.displayName ?? me.actingFor?.displayName ?? me.account.displayName;
  let sections = sectionsFor(area, me.account.roles).filter((s) => s.path !== '');
  if (elder) sections = sections.filter((s) => s.main);
  return (
    <div className="yw-page" data-testid={`${area}-home`}>
      <h1 className="yw-page-title">{t('home.greeting', { name: who })}</h1>
      <p className="yw-lead">{intro ?? t(`home.intro.${area}`)}</p>
      {me.actingFor ? (
        <Alert
          className="yw-block"
          type="warning"
          showIcon
          title={t('home.actingForNotice', { principal: me.actingFor.displayName, agent: me.account.displayName })}
        />
      ) : null}
      <section aria-labelledby="tasks-heading" className="yw-block">
        <h2 id="tasks-heading" className="yw-section-title">
          {t('home.whatYouCanDo')}
        </h2>
        <TaskTiles area={area} sections={sections} headingLevel={3} />
      </section>
      {!elder || area !== 'portal' ? (
        <section className="yw-block">
          <WhoAmI />
        </section>
      ) : null}
    </div>
  );
}

/** A section whose feature is not built yet: say so plainly, and say what it will do. */
export function ComingSoon({ area, section }: { area: Area; section: Section }) {
  const { t } = useTranslation();
  const title = t(`nav.${area}.${section.key}`);
  usePageTitle(title);
  return (
    <div className="yw-page" data-testid="coming-soon">
      <h1 className="yw-page-title">{title}</h1>
      <p className="yw-lead">{t(`feature.${area}.${section.key}`)}</p>
      <Alert className="yw-block" type="info" showIcon title={t('common.comingSoonTitle')} description={t('common.comingSoonText')} />
      <Card className="yw-card yw-block">
        <Link to={sectionHref(area, SECTIONS[area][0])}>{t('common.backToAreaHome', { area: t(`area.${area}`) })}</Link>
      </Card>
    </div>
  );
}

/** The section's page from the feature registry, or an honest "coming soon". */
function SectionPage({ area, section }: { area: Area; section: Section }) {
  const Page = sectionPage(area, section.key);
  if (!Page) return <ComingSoon area={area} section={section} />;
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}

/** Guard for sections limited to some roles of an area. */
function SectionGuard({ area, section, children }: { area: Area; section: Section; children: ReactNode }) {
  const { me } = useSession();
  const { t } = useTranslation();
  if (section.roles && me && !section.roles.some((r) => me.account.roles.includes(r))) {
    return <Forbidden area={area} section={t(`nav.${area}.${section.key}`)} />;
  }
  return <>{children}</>;
}

/**
 * The routes of an area: its home, and one route per section. A section's page comes from
 * `pages` or else from the feature registry (areas/<area>/sections/<key>.tsx); without either it
 * shows ComingSoon.
 */
export function AreaRoutes({ area, home, pages = {} }: { area: Area; home: ReactNode; pages?: Record<string, ReactNode> }) {
  return (
    <Routes>
      <Route index element={home} />
      {SECTIONS[area]
        .filter((s) => s.path !== '')
        .map((s) => (
          <Route
            key={s.key}
            path={`${s.path}/*`}
            element={<SectionGuard area={area} section={s}>{pages[s.key] ?? <SectionPage area={area} section={s} />}</SectionGuard>}
          />
        ))}
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
