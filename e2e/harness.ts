/**
 * Browser-test harness: start the real server as a child process on a free port, and launch
 * Debian's Chromium through playwright-core (no downloaded browsers).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { READY_TIMEOUT_MS, ROOT, spawnServer, type RunningServer } from '../test/spawn-server';

export { ROOT, type RunningServer };
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A cross-process lock (a directory), for work that parallel test files must not do at once. */
async function withLock<T>(name: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const lock = join(ROOT, '.tmp', name);
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is stale after its maximum hold time.
      try {
        if (Date.now() - statSync(lock).mtimeMs > waitMs) rmdirSync(lock);
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Build apps/web when dist is missing or older than its sources (scripts/build-web.mjs decides);
 * test files run in parallel workers, so a lock makes one of them build while the others wait.
 */
export async function ensureWebBuilt(): Promise<void> {
  await withLock('web-build.lock', 180_000, async () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
  });
}

/**
 * The real server with an in-memory database and the demo data. The web app must be built first,
 * because the server reads index.html when it starts.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  await ensureWebBuilt();
  // Test files run in parallel workers; two servers booting at once on a small machine each take
  // twice as long, so boots take turns.
  const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-e2e-'));
  const server = await withLock('server-start.lock', 5 * READY_TIMEOUT_MS, () =>
    spawnServer({
      DATABASE_URL: 'memory://',
      DATA_DIR: dataDir,
      DEMO_DATA: 'true',
      LOG_LEVEL: 'warn',
      // Many sign-ins from one address in a test run: do not trip the rate limit.
      LOGIN_RATE_PER_MINUTE: '1000',
      ...extraEnv,
    }),
  );
  return {
    ...server,
    stop: async () => {
      const code = await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface Prefs {
  lang?: 'zh-CN' | 'en';
  elder?: boolean;
  viewport?: { width: number; height: number };
}

/** A fresh browser context (own cookies) with the UI preferences preset in localStorage. */
export async function newContext(browser: Browser, baseURL: string, prefs: Prefs = {}): Promise<BrowserContext> {
  const viewport = prefs.viewport ?? DESKTOP;
  const phone = viewport.width < 768;
  const context = await browser.newContext({
    baseURL,
    viewport,
    deviceScaleFactor: 1,
    isMobile: phone,
    hasTouch: phone,
    locale: prefs.lang === 'en' ? 'en-US' : 'zh-CN',
    // The system setting the app honours (antd motion off): a click can no longer land on a dialog
    // or menu still zooming in on a busy CI machine — lost clicks were this suite's flakes.
    reducedMotion: 'reduce',
  });
  const lang = prefs.lang ?? 'zh-CN';
  const elder = prefs.elder ? '1' : '0';
  await context.addInitScript(
    ([l, e]) => {
      try {
        if (!sessionStorage.getItem('yiwang.e2e.prefs')) {
          localStorage.setItem('yiwang.lang', l);
          localStorage.setItem('yiwang.elder', e);
          sessionStorage.setItem('yiwang.e2e.prefs', '1');
        }
      } catch {
        /* about:blank has no storage */
      }
    },
    [lang, elder] as const,
  );
  // Generous: the CI machines are small and often busy; a real hang still fails.
  context.setDefaultTimeout(30_000);
  return context;
}

export interface DemoAccounts {
  staff: { username: string; password: string; kind: string; roles: string[]; department: string | null; regionCode?: string | null }[];
  people: { idNumber: string; name: string; password: string; note?: string }[];
  enterprises: { uscc: string; name: string; legalRepIdNumber: string; staffIdNumbers?: string[] }[];
}

export async function demoAccounts(url: string): Promise<DemoAccounts> {
  const res = await fetch(`${url}/api/demo/accounts`);
  if (!res.ok) throw new Error(`GET /api/demo/accounts → ${res.status}`);
  return (await res.json()) as DemoAccounts;
}

/**
 * The usual set-up of a browser test file: before all its tests one server (demo data), one
 * browser and the demo accounts; `open()` gives a page in a fresh context (own cookies, the UI
 * preferences preset); after all, the contexts, the browser and the server are closed.
 * Call at the top of a describe block; read the fields inside tests and hooks.
 */
export interface BrowserRig {
  readonly server: RunningServer;
  readonly browser: Browser;
  readonly demo: DemoAccounts;
  open(prefs?: Prefs & { timeout?: number }): Promise<Page>;
  /** A page signed in through the staff form as a demo staff account, on its area's home. */
  staff(username: string, area?: string): Promise<Page>;
  /** A page signed in as a demo person (by name or ID number), on the portal. */
  person(who: string): Promise<Page>;
}

export function useBrowserRig(extraEnv: Record<string, string> = {}): BrowserRig {
  const contexts: BrowserContext[] = [];
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let demo: DemoAccounts | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not ready: use the rig inside tests and hooks`);
    return v;
  };
  beforeAll(async () => {
    server = await startServer(extraEnv);
    browser = await launchBrowser();
    demo = await demoAccounts(server.url);
  }, 420_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });
  const rig: BrowserRig = {
    get server() {
      return need(server, 'the server');
    },
    get browser() {
      return need(browser, 'the browser');
    },
    get demo() {
      return need(demo, 'the demo accounts');
    },
    async open({ timeout, ...prefs } = {}) {
      const c = await newContext(rig.browser, rig.server.url, { lang: 'zh-CN', ...prefs });
      contexts.push(c);
      const page = await c.newPage();
      if (timeout) page.setDefaultTimeout(timeout);
      return page;
    },
    async staff(username, area = 'workbench') {
      const s = rig.demo.staff.find((x) => x.username === username);
      if (!s) throw new Error(`no demo staff account ${username}`);
      const page = await rig.open();
      await staffSignIn(page, s.username, s.password);
      await page.waitForURL(new RegExp(`/${area}$`));
      return page;
    },
    async person(who) {
      const p = rig.demo.people.find((x) => x.name === who || x.idNumber === who);
      if (!p) throw new Error(`no demo person ${who}`);
      const page = await rig.open();
      await personSignIn(page, p.idNumber, p.password);
      await page.waitForURL(/\/portal$/);
      return page;
    },
  };
  return rig;
}

/** Sign in through the staff form of /login. */
export async function staffSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login?type=staff');
  const form = page.getByTestId('staff-form');
  await form.locator('input[autocomplete="username"]').fill(username);
  await form.locator('input[autocomplete="current-password"]').fill(password);
  await page.getByTestId('staff-submit').click();
}

/** Personal sign-in: /login → 个人登录 → the identity provider's own page → back to the portal. */
export async function personSignIn(page: Page, idNumber: string, password: string, returnTo = '/portal'): Promise<void> {
  await page.goto(`/login?type=person&returnTo=${encodeURIComponent(returnTo)}`);
  await page.getByTestId('oidc-person').click();
  await page.locator('#id_number').fill(idNumber);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
}

/** Enterprise sign-in: the legal representative (or staff) signs in for the enterprise. */
export async function enterpriseSignIn(page: Page, uscc: string, idNumber: string, password: string): Promise<void> {
  await page.goto('/login?type=enterprise');
  await page.getByTestId('oidc-enterprise').click();
  await page.locator('#uscc').fill(uscc);
  await page.locator('#id_number').fill(idNumber);
  await page.locator('#password').fill(password);
  await page.locator('form button[type="submit"]').click();
}

/** Set the UI preferences of an open page and reload it. */
export async function setPrefs(page: Page, prefs: { lang: 'zh-CN' | 'en'; elder: boolean }): Promise<void> {
  if (!page.url().startsWith('http')) await page.goto('/'); // about:blank has no localStorage
  await page.evaluate(([l, e]) => {
    localStorage.setItem('yiwang.lang', l);
    localStorage.setItem('yiwang.elder', e);
  }, [prefs.lang, prefs.elder ? '1' : '0'] as const);
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

let axeSource: string | undefined;

/**
 * Run axe-core with the WCAG 2.1 A/AA rules; return the serious and critical violations (and log
 * the rest). axe is injected once per document and run in it directly: @axe-core/playwright
 * re-injects it on every call and opens a blank page to merge frame results, which costs more
 * than the scan on a small machine, and our pages have no frames.
 */
export async function axeSerious(page: Page, label: string): Promise<AxeFinding[]> {
  axeSource ??= (createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright'))('axe-core') as { source: string }).source;
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary })) }));
  }, AXE_TAGS);
  const all = violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`.trim()),
  }));
  const minor = all.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (minor.length) console.warn(`[axe] ${label}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ ...v, help: `${label}: ${v.help}` }));
}

/**
 * Chooses a menu item until `done()` says its effect happened: on a busy machine a click can land
 * on a dropdown that is still animating in or out and do nothing, and the effect (a request to a
 * busy server, a re-render) can take seconds. Each choice gets a few seconds to show its effect
 * before the menu is opened again. Use for idempotent choices only.
 */
export async function chooseUntil(page: Page, trigger: Locator, item: Locator, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await chooseFromMenu(page, trigger, item).catch(() => undefined);
    const settle = Date.now() + 4_000;
    do {
      if (await done().catch(() => false)) return;
      await page.waitForTimeout(250);
    } while (Date.now() < settle);
    if (Date.now() > deadline) throw new Error(`the menu choice did not take effect (${await item.count()} matching items in the page)`);
  }
}

/** Open a dropdown menu and choose an item once the menu has finished opening. */
export async function chooseFromMenu(page: Page, trigger: Locator, anyItem: Locator): Promise<void> {
  // A popup of a re-rendered dropdown can linger hidden in the DOM with the same item: only the shown one counts.
  const item = anyItem.filter({ visible: true });
  for (let attempt = 0; ; attempt++) {
    try {
      if (!(await item.isVisible().catch(() => false))) {
        // A menu still closing would swallow the click that opens this one.
        await page.waitForFunction(() => !document.querySelector('.ant-dropdown:not(.ant-dropdown-hidden)'), null, { timeout: 5_000 }).catch(() => undefined);
        await trigger.click();
      }
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      // Fully open: shown, no antd motion class left (…-appear/-enter/-leave), opaque.
      const handle = await item.elementHandle({ timeout: 5_000 });
      await page.waitForFunction(
        (el) => {
          const d = el?.closest('.ant-dropdown');
          return !!d && !d.classList.contains('ant-dropdown-hidden') && !/-(appear|enter|leave)\b/.test(d.className) && getComputedStyle(d).opacity === '1';
        },
        handle,
        { timeout: 10_000 },
      );
      await item.click();
      return;
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
}
