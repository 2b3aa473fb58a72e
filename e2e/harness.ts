/**
 * Browser-test harness: start the real server as a child process on a free port, and launch
 * Debian's Chromium through playwright-core (no downloaded browsers).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Build apps/web when dist is missing or older than its sources (test files run in parallel
 * workers, so a lock directory makes one of them build while the others wait).
 */
export async function ensureWebBuilt(): Promise<void> {
  const web = join(ROOT, 'apps/web');
  const index = join(web, 'dist/index.html');
  const stale = () =>
    !existsSync(index) ||
    statSync(index).mtimeMs < Math.max(newestMtime(join(web, 'src')), statSync(join(web, 'index.html')).mtimeMs, statSync(join(web, 'vite.config.ts')).mtimeMs);
  if (!stale()) return;
  const lock = join(ROOT, '.tmp/web-build.lock');
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no build is running)`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!stale()) return;
    const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
    const r = spawnSync(process.execPath, [vite, 'build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
  /** Everything the server wrote so far (for failure messages). */
  output(): string;
}

/**
 * Spawn `node --import tsx apps/server/src/main.ts` with an in-memory database and the demo
 * data, wait for GET /readyz → 200 (60 s at most), and kill it on stop(). The web app must be
 * built first (apps/web/dist), because the server reads index.html when it starts.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  await ensureWebBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'yiwang-e2e-'));
  let log = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_URL: 'memory://',
      DATA_DIR: dataDir,
      DEMO_DATA: 'true',
      LOG_LEVEL: 'warn',
      // Many sign-ins from one address in a test run: do not trip the rate limit.
      LOGIN_RATE_PER_MINUTE: '1000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));

  const stop = async () => {
    if (exited === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`server exited with code ${exited} before it was ready:\n${log}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server not ready within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop, output: () => log };
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
  context.setDefaultTimeout(15_000);
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

/** Run axe-core with the WCAG 2.1 A/AA rules; return the serious and critical violations (and log the rest). */
export async function axeSerious(page: Page, label: string): Promise<AxeFinding[]> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const all = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`.trim()),
  }));
  const minor = all.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (minor.length) console.warn(`[axe] ${label}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ ...v, help: `${label}: ${v.help}` }));
}
