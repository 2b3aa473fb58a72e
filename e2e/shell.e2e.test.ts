/**
 * The web shell in a real browser against the real server: sign-in for every kind of user,
 * area guards, language and elder-mode switches, the phone drawer, sign-out.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  chooseUntil,
  demoAccounts,
  enterpriseSignIn,
  launchBrowser,
  newContext,
  personSignIn,
  PHONE,
  staffSignIn,
  startServer,
  type DemoAccounts,
  type RunningServer,
} from './harness';

const POLL = { timeout: 20_000, interval: 100 };

let server: RunningServer;
let browser: Browser;
let demo: DemoAccounts;

function staff(pred: (s: DemoAccounts['staff'][number]) => boolean) {
  const found = demo.staff.find(pred);
  if (!found) throw new Error('no such demo staff account');
  return found;
}

async function me(page: Page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/auth/me');
    return { status: r.status, body: r.ok ? await r.json() : null };
  });
}

describe('web shell', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    demo = await demoAccounts(server.url);
  }, 420_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`server output so far:\n${server?.output().slice(-4000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the public home in Chinese with landmarks and a skip link', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await page.goto('/');
    await expect.poll(() => page.getByTestId('public-home').isVisible(), POLL).toBe(true);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('header').count()).toBeGreaterThan(0);
    expect(await page.locator('main#main').count()).toBe(1);
    expect(await page.locator('nav').count()).toBeGreaterThan(0);
    expect(await page.locator('h1').count()).toBe(1);
    // The skip link is the first thing a keyboard reaches, and it lands on main.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe('跳到主要内容');
    await page.keyboard.press('Enter');
    expect(page.url()).toMatch(/#main$/);
    // The header names the node's region, from GET /api/node.
    const node = await (await fetch(`${server.url}/api/node`)).json();
    await expect.poll(() => page.locator('.yw-brand-region').textContent(), POLL).toBe(node.regionName);
    await context.close();
  });

  it('sends a signed-out visitor of each area to sign-in, and back after signing in', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    for (const area of ['portal', 'workbench', 'admin', 'oversight']) {
      await page.goto(`/${area}`);
      await page.waitForURL(/\/login\?returnTo=/);
      expect(decodeURIComponent(page.url())).toContain(`returnTo=/${area}`);
    }
    const officer = staff((s) => s.roles.includes('window_clerk'));
    await page.goto('/workbench/tasks');
    await page.waitForURL(/\/login/);
    await page.locator('input[autocomplete="username"]').fill(officer.username);
    await page.locator('input[autocomplete="current-password"]').fill(officer.password);
    await page.getByTestId('staff-submit').click();
    await page.waitForURL(/\/workbench\/tasks$/);
    await expect.poll(() => page.getByTestId('task-list-page').isVisible(), POLL).toBe(true);
    await context.close();
  });

  it('rejects a wrong staff password with the server message, in the current language', async () => {
    const context = await newContext(browser, server.url, { lang: 'en' });
    const page = await context.newPage();
    const officer = staff((s) => s.kind === 'officer');
    await staffSignIn(page, officer.username, 'wrong-password-1');
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('INVALID_CREDENTIALS');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await error.textContent()).toMatch(/[A-Za-z]/);
    expect(await error.textContent()).not.toMatch(/[\u4e00-\u9fff]/);
    expect(page.url()).toContain('/login');
    await context.close();
  });

  const staffCases: [string, (s: DemoAccounts['staff'][number]) => boolean, string][] = [
    ['window clerk', (s) => s.roles.includes('window_clerk'), 'workbench'],
    ['department admin', (s) => s.roles.includes('dept_admin'), 'admin'],
    ['data admin', (s) => s.kind === 'data_admin', 'admin'],
    ['supervisor', (s) => s.kind === 'supervisor', 'oversight'],
    ['platform admin', (s) => s.kind === 'platform_admin', 'admin'],
  ];
  for (const [who, pick, area] of staffCases) {
    it(`signs in a ${who} to the ${area} area, shows who it is, and guards the other areas`, async () => {
      const account = staff(pick);
      const context = await newContext(browser, server.url);
      const page = await context.newPage();
      await staffSignIn(page, account.username, account.password);
      await page.waitForURL(new RegExp(`/${area}$`));
      await page.getByTestId(`${area}-home`).waitFor();
      const session = await me(page);
      expect(session.status).toBe(200);
      expect(await page.getByTestId('whoami-name').textContent()).toBe(session.body.account.displayName);
      expect(await page.getByTestId('user-menu').textContent()).toContain(session.body.account.displayName);
      // Every other area answers 403, and the citizen portal too.
      for (const other of ['portal', 'workbench', 'admin', 'oversight'].filter((a) => a !== area)) {
        await page.goto(`/${other}`);
        await page.getByTestId('forbidden').waitFor();
        expect(page.url()).toContain(`/${other}`);
      }
      // Sign out from the user menu.
      await page.goto(`/${area}`);
      await page.getByTestId(`${area}-home`).waitFor();
      await chooseUntil(page, page.getByTestId('user-menu'), page.getByRole('menuitem', { name: '退出登录' }), async () => /\/login\?signedOut=1$/.test(page.url()));
      expect((await me(page)).status).toBe(401);
      await page.goto(`/${area}`);
      await page.waitForURL(/\/login\?returnTo=/);
      await context.close();
    });
  }

  it('guards sections limited to some roles of an area', async () => {
    const account = staff((s) => s.kind === 'data_admin');
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await staffSignIn(page, account.username, account.password);
    await page.waitForURL(/\/admin$/);
    await page.goto('/admin/audit');
    await page.getByTestId('admin-audit').waitFor();
    await page.goto('/admin/regions'); // platform admins only
    await page.getByTestId('forbidden').waitFor();
    await page.goto('/admin/no-such-page');
    await page.getByRole('heading', { name: /404/ }).waitFor();
    await context.close();
  });

  it('signs a citizen in through the identity provider to the portal, and refuses the workbench', async () => {
    const person = demo.people[0];
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await personSignIn(page, person.idNumber, person.password);
    await page.waitForURL(/\/portal$/);
    await page.getByTestId('portal-home').waitFor();
    const session = await me(page);
    expect(session.body.account.kind).toBe('citizen');
    expect(await page.getByTestId('whoami-name').textContent()).toBe(session.body.account.displayName);
    await page.goto('/workbench');
    await page.getByTestId('forbidden').waitFor();
    expect(await page.getByTestId('forbidden').textContent()).toContain(session.body.account.displayName);
    await context.close();
  });

  it('signs an enterprise in through the identity provider and shows whom it acts as', async () => {
    const enterprise = demo.enterprises[0];
    const person = demo.people.find((p) => p.idNumber === enterprise.legalRepIdNumber);
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await enterpriseSignIn(page, enterprise.uscc, enterprise.legalRepIdNumber, person?.password ?? 'Demo@2026');
    await page.waitForURL(/\/portal$/);
    await page.getByTestId('portal-home').waitFor();
    const session = await me(page);
    expect(session.status).toBe(200);
    expect(await page.locator('h1').textContent()).toContain(session.body.actingAs?.displayName ?? session.body.account.displayName);
    await context.close();
  });

  it('lets a citizen who represents an enterprise switch to act for it and back', async () => {
    const enterprise = demo.enterprises[0];
    const person = demo.people.find((p) => p.idNumber === enterprise.legalRepIdNumber);
    if (!person) return; // the demo data has no such person: nothing to switch
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await personSignIn(page, person.idNumber, person.password);
    await page.waitForURL(/\/portal$/);
    await page.getByTestId('portal-home').waitFor();
    const before = await me(page);
    if (before.body.options.enterprises.length === 0) return;
    const enterpriseId = before.body.options.enterprises[0].id;
    await chooseUntil(page, page.getByTestId('acting-switch'), page.getByRole('menuitem', { name: new RegExp(before.body.options.enterprises[0].displayName) }), async () => (await me(page)).body.actingAs?.id === enterpriseId);
    await expect.poll(() => page.locator('h1').textContent(), POLL).toContain(before.body.options.enterprises[0].displayName);
    await chooseUntil(page, page.getByTestId('acting-switch'), page.getByRole('menuitem', { name: /^本人/ }), async () => (await me(page)).body.actingAs === null);
    await context.close();
  });

  it('switches to English and elder mode from the header, and remembers both', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getAttribute('html', 'lang'), POLL).toBe('en');
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Sign in');
    // antd's own texts follow (e.g. the password visibility toggle's label).
    const elder = page.getByTestId('elder-switch');
    expect(await elder.getAttribute('aria-pressed')).toBe('false');
    const smallSize = await page.locator('h1').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    await elder.click();
    expect(await elder.getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => document.documentElement.classList.contains('elder'))).toBe(true);
    const bodySize = await page.locator('.yw-oidc-login p').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(bodySize).toBeGreaterThanOrEqual(18);
    const bigSize = await page.locator('h1').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(bigSize).toBeGreaterThan(smallSize);
    // Every button and link-button is at least 44 px tall.
    const heights = await page.locator('main button:visible, main a.yw-link-button:visible, header button:visible').evaluateAll((els) =>
      els.map((el) => el.getBoundingClientRect().height),
    );
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
    await page.reload();
    await expect.poll(() => page.getAttribute('html', 'lang'), POLL).toBe('en');
    expect(await page.evaluate(() => document.documentElement.classList.contains('elder'))).toBe(true);
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    // Elder mode shows fewer choices: only the main tasks in the navigation.
    await page.goto('/');
    const elderNav = await page.locator('nav.yw-top-nav a').count();
    await page.getByTestId('elder-switch').click();
    const normalNav = await page.locator('nav.yw-top-nav a').count();
    expect(elderNav).toBeLessThan(normalNav);
    await context.close();
  });

  it('on a phone, the navigation is a drawer opened from the header', async () => {
    const officer = staff((s) => s.roles.includes('window_clerk'));
    const context = await newContext(browser, server.url, { viewport: PHONE });
    const page = await context.newPage();
    await staffSignIn(page, officer.username, officer.password);
    await page.waitForURL(/\/workbench$/);
    await page.getByTestId('workbench-home').waitFor();
    expect(await page.locator('.yw-sider').count()).toBe(0);
    const button = page.getByTestId('nav-drawer-button');
    await button.waitFor({ state: 'visible' });
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    const box = await button.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    await button.click();
    const drawer = page.locator('.yw-drawer');
    await drawer.getByRole('link', { name: '待办任务' }).click();
    await page.waitForURL(/\/workbench\/tasks$/);
    await page.getByTestId('task-list-page').waitFor();
    // No horizontal scrolling at 390 px.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Language and sign-out live in the drawer on a phone.
    await button.click();
    await drawer.getByTestId('lang-switch').click();
    await expect.poll(() => page.getAttribute('html', 'lang'), POLL).toBe('en');
    await drawer.getByTestId('drawer-sign-out').click(); // the drawer stays open
    await page.waitForURL(/\/login\?signedOut=1$/);
    await context.close();
  });

  it('serves the app for deep links and answers unknown pages with a 404 page', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();
    const res = await page.goto('/no/such/page');
    expect(res?.status()).toBe(200); // the SPA fallback; the page itself says 404
    await page.getByRole('heading', { name: /404/ }).waitFor();
    await context.close();
  });
});
