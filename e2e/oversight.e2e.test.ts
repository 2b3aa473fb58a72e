/**
 * Oversight in a real browser against the real server with the demo history: a supervisor opens
 * the overview (figures with their provenance), drills from the map into a region and from the
 * ranking into a department, follows an alert to its work order and closes it; the public
 * evaluation page and its methodology are readable without signing in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { DemoAccounts, RunningServer } from './harness';

// The demo node with its oversight history takes long to load on a busy machine: allow more than the default.
process.env.E2E_READY_TIMEOUT_MS ??= '420000';
let h: typeof import('./harness');

const POLL = { timeout: 30_000, interval: 100 };

let server: RunningServer;
let browser: Browser;
let demo: DemoAccounts;

describe('oversight pages', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    h = await import('./harness');
    server = await h.startServer({ OVERSIGHT_DEMO_HISTORY: 'true' });
    browser = await h.launchBrowser();
    demo = await h.demoAccounts(server.url);
  }, 600_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(`server output so far:\n${server?.output().slice(-4000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lets a supervisor drill from the map into a region and a department, and follow an alert to its work order', async () => {
    const sup = demo.staff.find((s) => s.username === 'fz.supervisor')!;
    const context = await h.newContext(browser, server.url);
    const page = await context.newPage();
    await h.staffSignIn(page, sup.username, sup.password);
    await page.waitForURL(/\/oversight$/);

    const started = Date.now();
    const overview = page.waitForResponse((r) => r.url().includes('/api/oversight/dashboards/overview') && r.status() === 200);
    await page.goto('/oversight/dashboard');
    await overview;
    await expect.poll(() => page.getByTestId('kpi-application_volume').isVisible(), POLL).toBe(true);
    const loadMs = Date.now() - started;
    console.log(`overview shown in ${loadMs} ms`);
    const kpiText = await page.getByTestId('kpi-application_volume').innerText();
    expect(kpiText).toMatch(/\d/);
    // A figure's provenance: formula, data time, counts.
    await page.getByTestId('kpi-on_time_rate').getByRole('button').click();
    await expect.poll(() => page.getByTestId('provenance').first().innerText(), POLL).toMatch(/按时办结率 = /);
    await page.keyboard.press('Escape');
    // The map shows the schematic notice, and drills into a region.
    await expect.poll(() => page.getByTestId('map-notice').innerText(), POLL).toContain('示意图 非正式地图');
    await page.getByTestId('map-region-350102').click();
    await page.waitForURL(/\/oversight\/dashboard\/region\/350102/);
    await expect.poll(() => page.getByTestId('ov-region').isVisible(), POLL).toBe(true);
    await expect.poll(() => page.getByTestId('region-score').innerText(), POLL).toMatch(/得分/);
    // From the department ranking into a department.
    const ranking = page.getByTestId('ranking-rank-departments');
    await expect.poll(() => ranking.locator('a').count(), POLL).toBeGreaterThan(0);
    await ranking.locator('a').first().click();
    await page.waitForURL(/\/oversight\/dashboard\/department\//);
    await expect.poll(() => page.getByTestId('ov-department').isVisible(), POLL).toBe(true);
    await expect.poll(() => page.getByTestId('kpi-application_volume').innerText(), POLL).toMatch(/\d/);

    // An alert leads to its work order, which the supervisor closes.
    await page.goto('/oversight/overdue');
    const link = page.getByTestId('alert-work-order').first();
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.waitForURL(/\/oversight\/overdue\/work-orders\//);
    await expect.poll(() => page.getByTestId('wo-status').innerText(), POLL).toMatch(/待办理|已反馈/);
    // The responsible department accepts it (签收) and reports its handling, in its own area.
    const woId = new URL(page.url()).pathname.split('/').pop()!;
    const deptCode = await page.evaluate(async (id) => {
      const w = await (await fetch(`/api/oversight/work-orders/${id}`)).json();
      return (await (await fetch(`/api/departments/${w.departmentId}`)).json()).code as string;
    }, woId);
    const handler = demo.staff.find((s) => s.department === deptCode && s.roles.includes('dept_admin'));
    if (!handler) throw new Error(`no department admin of ${deptCode} in the demo data`);
    {
      const deptContext = await h.newContext(browser, server.url);
      const dp = await deptContext.newPage();
      await h.staffSignIn(dp, handler.username, handler.password);
      await dp.waitForURL((u) => !u.pathname.startsWith('/login'));
      await dp.goto(`/admin/work-orders/${woId}`);
      const wo = dp.getByTestId('dept-work-order');
      await wo.waitFor();
      if (await dp.getByTestId('wo-accept').count()) {
        await dp.getByTestId('wo-accept').click();
        await expect.poll(() => wo.getAttribute('data-accepted'), POLL).toBe('yes');
      }
      await dp.getByTestId('wo-response').fill('已逐件督办，三日内办结');
      await dp.getByTestId('wo-respond').click();
      await expect.poll(() => wo.getAttribute('data-status'), POLL).toBe('responded');
      await deptContext.close();
      await page.reload();
      await expect.poll(() => page.getByTestId('wo-status').innerText(), POLL).toBe('已反馈');
    }
    await page.getByRole('textbox', { name: '办结意见' }).fill('经核实已督促整改');
    await page.getByTestId('wo-close').click();
    await expect.poll(() => page.getByTestId('wo-status').innerText(), POLL).toBe('已办结');
    await context.close();
  });

  it('publishes the evaluation index and its methodology without signing in', async () => {
    const context = await h.newContext(browser, server.url);
    const page = await context.newPage();
    await page.goto('/evaluation');
    await expect.poll(() => page.getByTestId('self-assessment').innerText(), POLL).toMatch(/自评估/);
    await expect.poll(() => page.getByTestId('ov-eval-ranking').locator('tbody tr').count(), POLL).toBeGreaterThan(0);
    await page.goto('/evaluation/methodology');
    await expect.poll(() => page.getByTestId('ov-methodology-table').innerText(), POLL).toMatch(/指南准确度/);
    await context.close();
  });
});
