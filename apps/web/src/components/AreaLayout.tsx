import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Button, Drawer, Grid, Layout, Menu, Space } from 'antd';
import { LoginOutlined, MenuOutlined } from '@ant-design/icons';
import { Link, NavLink, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth';
import { usePrefs } from '../prefs';
import { sectionHref, sectionsFor, type Section } from '../areas/nav';
import type { Area } from '../session';
import { Brand } from './Brand';
import { ElderButton, LanguageButton } from './Toggles';
import { ActingSwitch, UserMenu, useIdentityLabel, useSignOut } from './UserMenu';

const { Header, Sider, Content, Footer } = Layout;

interface Props {
  /** The audience area; 'public' is the signed-out portal home and the sign-in page. */
  area: Area | 'public';
  children: ReactNode;
}

/** Which section a path is in: the longest matching section path wins. */
function selectedKey(area: Area, sections: Section[], pathname: string): string | undefined {
  let best: Section | undefined;
  for (const s of sections) {
    const href = sectionHref(area, s);
    if (pathname === href || pathname.startsWith(`${href}/`)) {
      if (!best || href.length > sectionHref(area, best).length) best = s;
    }
  }
  return best?.key;
}

/**
 * The frame every page sits in: skip link, header (banner), navigation, main, footer.
 * Portal: horizontal navigation under the header. Back offices: a side menu. Under 768 px both
 * move into a drawer opened from the header. Elder mode keeps only the main sections.
 */
export function AreaLayout({ area, children }: Props) {
  const { t } = useTranslation();
  const { me, node } = useSession();
  const { elder } = usePrefs();
  const screens = Grid.useBreakpoint();
  // Before the first measurement useBreakpoint is empty: treat as desktop only once md is known.
  const mobile = screens.md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const lastPath = useRef<string | null>(null);
  const label = useIdentityLabel();
  const signOut = useSignOut();

  const navArea: Area = area === 'public' ? 'portal' : area;
  const roles = me ? me.account.roles : null;
  let sections = sectionsFor(navArea, area === 'public' ? null : roles);
  // Signed out: only the main tasks and open data; "my space" needs an account.
  if (area === 'public' && !me) sections = sections.filter((s) => s.main || s.key === 'openData');
  if (elder) sections = sections.filter((s) => s.main || s.path === '');
  const current = selectedKey(navArea, sections, location.pathname);
  const homeHref = area === 'public' || area === 'portal' ? '/' : `/${area}`;

  // After client-side navigation, move focus to the main region so screen readers start there.
  useEffect(() => {
    setDrawerOpen(false);
    const path = location.pathname + location.hash;
    const first = lastPath.current === null;
    const changed = lastPath.current !== path;
    lastPath.current = path;
    if (!first && changed && !location.hash) mainRef.current?.focus({ preventScroll: false });
  }, [location.pathname, location.hash]);

  const navLabel = t('nav.label', { area: t(`area.${navArea}`) });
  const menuItems = sections.map((s) => ({
    key: s.key,
    icon: s.icon,
    label: <Link to={sectionHref(navArea, s)}>{t(`nav.${navArea}.${s.key}`)}</Link>,
  }));

  const sideMenu = (
    <nav aria-label={navLabel} className="yw-side-nav">
      <Menu mode="inline" selectedKeys={current ? [current] : []} items={menuItems} />
    </nav>
  );

  const topNav = (
    <nav aria-label={navLabel} className="yw-top-nav">
      <ul>
        {sections.map((s) => (
          <li key={s.key}>
            <NavLink to={sectionHref(navArea, s)} end={s.path === ''}>
              <span className="yw-top-nav-icon" aria-hidden="true">
                {s.icon}
              </span>
              {t(`nav.portal.${s.key}`)}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );

  const who = me ? label(me) : null;

  return (
    <Layout className={`yw-layout yw-area-${area}`}>
      <a className="yw-skip-link" href="#main">
        {t('a11y.skipToContent')}
      </a>
      <Header className="yw-header">
        <div className="yw-header-inner">
          {mobile ? (
            <Button
              className="yw-header-btn yw-menu-btn"
              ghost
              icon={<MenuOutlined aria-hidden="true" />}
              aria-label={t('nav.open')}
              aria-expanded={drawerOpen}
              aria-controls="yw-nav-drawer"
              onClick={() => setDrawerOpen(true)}
              data-testid="nav-drawer-button"
            />
          ) : null}
          <Brand to={homeHref} regionName={node?.regionName} />
          {!mobile ? <span className="yw-area-title">{t(`area.${area}`)}</span> : null}
          <div className="yw-header-tools">
            {!mobile && area === 'portal' ? <ActingSwitch /> : null}
            {!mobile ? <LanguageButton /> : null}
            <ElderButton short={mobile} />
            {!mobile ? (
              me ? (
                <UserMenu area={area === 'public' ? null : area} />
              ) : (
                <Link to="/login" className="yw-header-link" data-testid="header-sign-in">
                  <LoginOutlined aria-hidden="true" /> {t('header.signIn')}
                </Link>
              )
            ) : null}
          </div>
        </div>
      </Header>
      {!mobile && (area === 'portal' || area === 'public') ? topNav : null}
      <Layout className="yw-body">
        {!mobile && area !== 'portal' && area !== 'public' ? (
          <Sider width={elder ? 280 : 228} className="yw-sider" theme="light">
            {sideMenu}
          </Sider>
        ) : null}
        <Content id="main" tabIndex={-1} ref={mainRef} className="yw-main">
          {children}
        </Content>
      </Layout>
      <Footer className="yw-footer">
        <p>
          {node?.name ?? t('brand.siteTitle')} · {t('footer.tagline')}
        </p>
        <p>
          <a href="/docs">{t('footer.apiDocs')}</a>
          <span aria-hidden="true"> · </span>
          <span>{t('footer.license')}</span>
        </p>
      </Footer>
      <Drawer
        id="yw-nav-drawer"
        open={mobile && drawerOpen}
        onClose={() => setDrawerOpen(false)}
        placement="left"
        size={elder ? 320 : 288}
        title={t('nav.drawerTitle')}
        closable={{ 'aria-label': t('nav.close') }}
        className="yw-drawer"
      >
        {who ? (
          <div className="yw-drawer-user">
            <div className="yw-drawer-user-name">{who.name}</div>
            <div className="yw-drawer-user-role">{who.dept ? `${who.role} · ${who.dept}` : who.role}</div>
          </div>
        ) : null}
        {area === 'portal' ? (
          <div className="yw-drawer-block">
            <ActingSwitch block />
          </div>
        ) : null}
        {sideMenu}
        <div className="yw-drawer-block">
          <Space orientation="vertical" style={{ width: '100%' }}>
            <LanguageButton className="yw-drawer-lang" block />
            {me ? (
              <Button block onClick={() => void signOut()} data-testid="drawer-sign-out">
                {t('header.signOut')}
              </Button>
            ) : (
              <Link to="/login" className="yw-link-button">
                {t('header.signIn')}
              </Link>
            )}
          </Space>
        </div>
      </Drawer>
    </Layout>
  );
}
