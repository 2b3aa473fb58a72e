import { BankOutlined, IdcardOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { oidcLoginUrl, useSession } from '../auth';
import { AreaLayout } from '../components/AreaLayout';
import { TaskTiles } from '../components/AreaPages';
import { usePageTitle } from '../components/usePageTitle';
import { usePrefs } from '../prefs';
import { SearchBox } from '../features/catalog/common';
import { SECTIONS } from '../areas/nav';
import { areaPath, homeAreaOf } from '../session';

/** `/`: the public front page of the portal, readable before signing in. */
export default function PublicHome() {
  const { t } = useTranslation();
  const { me, node } = useSession();
  const { elder } = usePrefs();
  usePageTitle(null);
  const main = SECTIONS.portal.filter((s) => s.main);
  const region = node?.regionName ?? '';

  return (
    <AreaLayout area="public">
      <div className="yw-hero" data-testid="public-home">
        <div className="yw-hero-inner">
          <h1 className="yw-hero-title">{region ? t('public.titleWithRegion', { region }) : t('public.title')}</h1>
          <p className="yw-hero-slogan">{t('public.slogan')}</p>
          <div className="yc-hero-search" data-testid="home-search">
            <SearchBox base="/services" large />
          </div>
          <div className="yw-hero-actions">
            {me ? (
              <Link to={areaPath(homeAreaOf(me.account))} className="yw-link-button yw-link-button-inverse yw-link-button-large">
                {t('public.enter', { name: me.account.displayName })}
              </Link>
            ) : (
              <>
                <a href={oidcLoginUrl('person', '/portal')} className="yw-link-button yw-link-button-inverse yw-link-button-large" data-testid="hero-person">
                  <IdcardOutlined aria-hidden="true" /> {t('login.personButton')}
                </a>
                <a href={oidcLoginUrl('enterprise', '/portal')} className="yw-link-button yw-link-button-outline-inverse yw-link-button-large" data-testid="hero-enterprise">
                  <BankOutlined aria-hidden="true" /> {t('login.enterpriseButton')}
                </a>
              </>
            )}
          </div>
        </div>
      </div>
      <div className="yw-page">
        <section aria-labelledby="main-tasks" className="yw-block">
          <h2 id="main-tasks" className="yw-section-title">
            {t('public.mainTasks')}
          </h2>
          <TaskTiles area="portal" sections={main} headingLevel={3} />
        </section>
        {!elder ? (
          <section aria-labelledby="how-it-works" className="yw-block">
            <h2 id="how-it-works" className="yw-section-title">
              {t('public.howTitle')}
            </h2>
            <ol className="yw-steps">
              {[1, 2, 3, 4].map((n) => (
                <li key={n} className="yw-step">
                  <span className="yw-step-num" aria-hidden="true">
                    {n}
                  </span>
                  <span>
                    <strong>{t(`public.step${n}Title`)}</strong>
                    <span className="yw-step-text">{t(`public.step${n}Text`)}</span>
                  </span>
                </li>
              ))}
            </ol>
          </section>
        ) : null}
        <section aria-labelledby="other-entrances" className="yw-block">
          <h2 id="other-entrances" className="yw-section-title">
            {t('public.otherEntrances')}
          </h2>
          <ul className="yw-link-list">
            <li>
              <Link to="/login?type=staff">{t('public.staffEntrance')}</Link>
            </li>
            <li>
              <Link to="/portal/open-data">{t('nav.portal.openData')}</Link>
            </li>
            <li>
              <a href="/docs">{t('footer.apiDocs')}</a>
            </li>
          </ul>
        </section>
      </div>
    </AreaLayout>
  );
}
