import { lazy, Suspense, useEffect, useSyncExternalStore } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { SessionProvider, useSession } from './auth';
import { areasOf, type Area } from './session';
import { AreaLayout } from './components/AreaLayout';
import { RequireArea } from './components/RequireArea';
import { Loading, NotFound } from './components/States';
import { PrefsProvider, usePrefs } from './prefs';
import { themeFor } from './theme';
import { publicPageEntries } from './features/registry';

// Each audience area is its own chunk: a citizen never downloads the officers' workbench.
const areaChunks = {
  portal: () => import('./areas/portal'),
  workbench: () => import('./areas/workbench'),
  admin: () => import('./areas/admin'),
  oversight: () => import('./areas/oversight'),
} satisfies Record<Area, unknown>;
const PublicHome = lazy(() => import('./pages/PublicHome'));
const LoginPage = lazy(() => import('./pages/LoginPage'));
const PortalArea = lazy(areaChunks.portal);
const WorkbenchArea = lazy(areaChunks.workbench);
const AdminArea = lazy(areaChunks.admin);
const OversightArea = lazy(areaChunks.oversight);

/** Once we know who is signed in, fetch the code of their areas so moving there does not flash a spinner. */
function PreloadAreas() {
  const { me } = useSession();
  useEffect(() => {
    if (me) for (const area of areasOf(me.account)) void areaChunks[area]().catch(() => undefined);
  }, [me]);
  return null;
}

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';
/** Whether the system asks for reduced motion; follows a change while the page is open. */
function useReducedMotion(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const q = window.matchMedia(REDUCED_MOTION);
      q.addEventListener('change', changed);
      return () => q.removeEventListener('change', changed);
    },
    () => window.matchMedia(REDUCED_MOTION).matches,
    () => false,
  );
}

function Themed() {
  const { lang, elder } = usePrefs();
  const reducedMotion = useReducedMotion();
  useEffect(() => {
    dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  }, [lang]);
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={themeFor(elder, reducedMotion)} componentSize={elder ? 'large' : 'middle'} button={{ autoInsertSpace: false }}>
      <AntApp>
        <SessionProvider>
          <PreloadAreas />
          <BrowserRouter>
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<PublicHome />} />
                <Route path="/login" element={<LoginPage />} />
                {publicPageEntries().map(([name, Page]) => (
                  <Route key={name} path={`/${name}/*`} element={<Page />} />
                ))}
                <Route path="/portal/*" element={<RequireArea area="portal"><PortalArea /></RequireArea>} />
                <Route path="/workbench/*" element={<RequireArea area="workbench"><WorkbenchArea /></RequireArea>} />
                <Route path="/admin/*" element={<RequireArea area="admin"><AdminArea /></RequireArea>} />
                <Route path="/oversight/*" element={<RequireArea area="oversight"><OversightArea /></RequireArea>} />
                <Route path="*" element={<AreaLayout area="public"><NotFound /></AreaLayout>} />
              </Routes>
            </Suspense>
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

export default function App() {
  return (
    <PrefsProvider>
      <Themed />
    </PrefsProvider>
  );
}
