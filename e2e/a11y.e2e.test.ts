/**
 * WCAG 2.1 A/AA with axe-core on every page of the shell, as each kind of user, on desktop and
 * phone: no serious or critical violation, and nothing wider than the screen (reflow).
 * Every page is scanned in the two opposite modes — Chinese normal, and English elder-friendly
 * (the widest text, the largest type); each visitor's home page in all four modes. Within a mode
 * the pages are reached by in-app navigation (as a user does), so the app and axe load once per
 * mode. A11Y_ONLY=/path,/path limits the scan to those pages while fixing them.
 * Screenshots of a few of them go to /tmp/yiwang-e2e-*.png for a human to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { demoBundleId, demoItemId } from '../apps/server/src/modules/catalog/demo/seed';
import {
  axeSerious,
  demoAccounts,
  DESKTOP,
  launchBrowser,
  newContext,
  personSignIn,
  PHONE,
  setPrefs,
  staffSignIn,
  startServer,
  type AxeFinding,
  type DemoAccounts,
  type RunningServer,
} from './harness';

let server: RunningServer;
let browser: Browser;
let demo: DemoAccounts;

type Mode = { lang: 'zh-CN' | 'en'; elder: boolean };
/** Every page in these two. */
const EVERY_PAGE: Mode[] = [
  { lang: 'zh-CN', elder: false },
  { lang: 'en', elder: true },
];
/** The home page in these too. */
const HOME_ONLY: Mode[] = [
  { lang: 'zh-CN', elder: true },
  { lang: 'en', elder: false },
];
const ONLY = process.env.A11Y_ONLY?.split(',').filter(Boolean);
const VIEWPORTS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

interface Visitor {
  name: string;
  signIn(page: Page): Promise<void>;
  /** Paths to check, and the test id that shows each has loaded. */
  pages: [string, string][];
}

const SHOTS = new Set(['citizen desktop zh-CN elder /portal', 'officer desktop en normal /workbench', 'anonymous phone zh-CN normal /', 'supervisor phone zh-CN elder /oversight']);

/**
 * What makes a page wider than the screen (to name in a finding): the outermost elements that
 * stick out past its right edge, and the innermost ones whose text does. Content inside a
 * scrolling region cannot widen the page and is skipped.
 */
function outermostOverflowing(): string[] {
  const width = document.documentElement.clientWidth;
  const boxOut = (el: Element) => el.getBoundingClientRect().right > width + 0.5;
  const out = (el: Element) => boxOut(el) || (getComputedStyle(el).overflowX === 'visible' && el.getBoundingClientRect().left + el.scrollWidth > width + 0.5);
  const clipped = (el: Element) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true;
    return false;
  };
  const found: string[] = [];
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const culprit = boxOut(el) ? !(el.parentElement && boxOut(el.parentElement)) : out(el) && !Array.from(el.children).some(out);
    if (!culprit || clipped(el)) continue;
    const cls = typeof el.className === 'string' ? el.className.split(/\s+/).filter(Boolean).slice(0, 3).join('.') : '';
    found.push(`${el.tagName.toLowerCase()}${cls ? `.${cls}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`);
    if (found.length >= 5) break;
  }
  return found;
}

/** Go to a path inside the app without reloading it (react-router follows popstate). */
async function navigate(page: Page, path: string) {
  await page.evaluate((p) => {
    window.history.pushState({}, '', p);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function check(page: Page, visitor: Visitor, viewport: string, findings: AxeFinding[]) {
  const scan = async (mode: Mode, pages: [string, string][]) => {
    await setPrefs(page, mode);
    let previous = '';
    for (const [index, [path, ready]] of pages.entries()) {
      // A full load for the first page of a mode (the preferences are read at start) and when
      // the previous page shows the same test id (it would count as loaded too early).
      if (index === 0 || ready === previous) await page.goto(path);
      else await navigate(page, path);
      previous = ready;
      // Generous: a dashboard computed on a busy machine can take a while; a broken page still fails.
      await page.locator(`[data-testid="${ready}"]`).first().waitFor({ timeout: 90_000 });
      await page.waitForFunction((lang) => document.documentElement.lang === lang, mode.lang);
      expect(await page.evaluate(() => document.documentElement.classList.contains('elder'))).toBe(mode.elder);
      const label = `${visitor.name} ${viewport} ${mode.lang} ${mode.elder ? 'elder' : 'normal'} ${path}`;
      findings.push(...(await axeSerious(page, label)));
      // Reflow (WCAG 1.4.10): nothing wider than the screen, in any language or mode.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) findings.push({ id: 'horizontal-overflow', impact: 'serious', help: `${label}: page is ${overflow}px wider than the viewport`, targets: await page.evaluate(outermostOverflowing) });
      if (SHOTS.has(label)) await page.screenshot({ path: `/tmp/yiwang-e2e-${label.replace(/[^a-zA-Z0-9-]+/g, '_')}.png`, fullPage: true });
    }
  };
  const pages = ONLY ? visitor.pages.filter(([path]) => ONLY.includes(path)) : visitor.pages;
  if (pages.length === 0) return;
  for (const mode of EVERY_PAGE) await scan(mode, pages);
  if (!ONLY) for (const mode of HOME_ONLY) await scan(mode, visitor.pages.slice(0, 1));
}

describe('accessibility (axe, WCAG 2.1 AA)', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    demo = await demoAccounts(server.url);
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const staffVisitor = (name: string, pick: (s: DemoAccounts['staff'][number]) => boolean, area: string, extra: [string, string][] = []): Visitor => ({
    name,
    async signIn(page) {
      const s = demo.staff.find(pick)!;
      await staffSignIn(page, s.username, s.password);
      await page.waitForURL(new RegExp(`/${area}$`));
    },
    pages: [[`/${area}`, `${area}-home`], ...extra],
  });

  const visitors = (): Visitor[] => [
    {
      name: 'anonymous',
      async signIn() {},
      pages: [
        ['/', 'public-home'],
        ['/login', 'oidc-person'],
        ['/login?type=staff', 'staff-form'],
        ['/services', 'services-home'],
        [`/services?q=${encodeURIComponent('营业执照')}`, 'result'],
        [`/services/items/${demoItemId('scjg.change')}`, 'materials'],
        [`/services/bundles/${demoBundleId('newborn')}`, 'materials'],
        ['/ratings', 'ratings-summary'],
        ['/open-data', 'od-result'],
        ['/open-data/datasets/zjj-bus-routes', 'od-preview'],
        ['/open-data/requests', 'od-requests'],
        ['/ask', 'map-picker'],
        ['/knowledge', 'public-knowledge'],
        ['/verify', 'verify-page'],
        ['/evaluation', 'ov-evaluation'],
        ['/evaluation/methodology', 'ov-methodology'],
      ],
    },
    {
      name: 'citizen',
      async signIn(page) {
        const p = demo.people[0];
        await personSignIn(page, p.idNumber, p.password);
        await page.waitForURL(/\/portal$/);
      },
      pages: [
        ['/portal', 'portal-home'],
        ['/portal/mandates', 'md-views'],
        ['/portal/licences', 'licence-wallet'],
        ['/portal/licences/uses', 'licence-uses'],
        ['/portal/data-usage', 'ex-usage'],
        ['/portal/applications', 'my-applications'],
        ['/portal/reviews', 'my-reviews'],
        ['/portal/inquiries', 'my-inquiries'],
        ['/portal/inquiries/new', 'map-picker'],
        ['/workbench', 'forbidden'],
      ],
    },
    staffVisitor('officer', (s) => s.roles.includes('window_clerk'), 'workbench', [['/workbench/tasks', 'task-list-page'], ['/workbench/intake', 'intake-page'], ['/workbench/deadlines', 'deadlines-page'], ['/workbench/rectification', 'rectification-page'], ['/workbench/inquiries', 'dept-inquiries'], ['/workbench/work-orders', 'dept-work-orders']]),
    staffVisitor('data admin', (s) => s.kind === 'data_admin', 'admin', [['/admin/regions', 'forbidden'], ['/admin/audit', 'au-result'], ['/admin/open-data', 'od-candidates'], ['/admin/catalog', 'ex-resources'], ['/admin/sharing', 'ex-requests'], ['/admin/exchange', 'ex-stats-table']]),
    staffVisitor('dept admin', (s) => s.roles.includes('dept_admin'), 'admin', [['/admin/staff', 'st-list'], ['/admin/audit', 'au-result']]),
    staffVisitor('platform admin', (s) => s.kind === 'platform_admin', 'admin', [['/admin/audit', 'au-result'], ['/admin/accounts', 'st-list'], ['/admin/regions', 'rg-children'], ['/admin/federation', 'fd-none'], ['/admin/items', 'admin-row'], [`/admin/items/${demoItemId('scjg.change')}`, 'catalog-editor']]),
    staffVisitor('supervisor', (s) => s.kind === 'supervisor', 'oversight', [['/oversight/audit', 'au-result'], ['/oversight/practices', 'practices-page'], ['/oversight/reviews/flags', 'flags-page'], ['/oversight/reviews/appeals', 'appeals-page'], ['/oversight/reviews/follow-ups', 'follow-ups-page'], ['/oversight/inquiries/dispatch', 'dispatch-page'], ['/oversight/dashboard', 'ov-overview'], ['/oversight/overdue', 'ov-overdue'], ['/oversight/evaluation', 'ov-evaluation']]),
  ];

  for (const [viewportName, viewport] of VIEWPORTS) {
    it(`has no serious or critical violations on ${viewportName}`, async () => {
      const started = Date.now();
      const findings: AxeFinding[] = [];
      for (const visitor of visitors()) {
        if (ONLY && !visitor.pages.some(([path]) => ONLY.includes(path))) continue;
        const context = await newContext(browser, server.url, { viewport });
        const page = await context.newPage();
        await visitor.signIn(page);
        await check(page, visitor, viewportName, findings);
        await context.close();
      }
      console.log(`a11y ${viewportName}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
    });
  }
});
