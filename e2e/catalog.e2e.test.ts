/**
 * The service catalog in a real browser against the real server and the demo catalog:
 * - search as people ask: typed on the public home page (a life-event word, a synonym), a
 *   suggestion while typing, a facet that narrows the results to its count;
 * - a service guide: 免提交 on the material that comes from an e-licence and not on the one the
 *   applicant brings, the legal and promised time limits, the apply-online link;
 * - an edit-publish cycle by the market regulator's department admin: a change that breaks a
 *   linter rule shows the finding next to its field and blocks publishing, the fix clears it,
 *   publishing makes version 2, and the public guide shows the new version.
 * Every wait is on an effect (a row, a URL, a badge), never a fixed delay.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoItemId } from '../apps/server/src/modules/catalog/demo/seed';
import { staffSignIn, useBrowserRig } from './harness';

const POLL = { timeout: 60_000, interval: 250 };

const rig = useBrowserRig();
const open = () => rig.open();

const firstResultName = async (page: Page) => (await page.getByTestId('result').first().locator('h2').innerText()).trim();
const totalOf = async (page: Page) => Number(/(\d+)/.exec(await page.getByTestId('results-total').innerText())?.[1] ?? NaN);

describe('service catalog pages', { timeout: 300_000 }, () => {
  it('searches as people ask: life events, synonyms, suggestions, facets that narrow', async () => {
    const page = await open();
    await page.goto('/');
    const box = page.getByTestId('home-search').getByTestId('catalog-search-input');
    await box.fill('生孩子');
    await box.press('Enter');
    await page.waitForURL((u) => u.pathname === '/services' && u.searchParams.get('q') === '生孩子');
    await page.getByTestId('result').first().waitFor();
    expect(await firstResultName(page)).toBe('新生儿出生一件事');

    // A synonym: 身份证 is 居民身份证.
    const input = page.getByTestId('services-results').getByTestId('catalog-search-input');
    await input.fill('身份证补办');
    await page.getByTestId('services-results').getByTestId('catalog-search-submit').click();
    await page.waitForURL((u) => u.searchParams.get('q') === '身份证补办');
    await expect.poll(() => firstResultName(page), POLL).toBe('居民身份证遗失补领');
    expect(await page.getByTestId('result').first().locator('mark').count()).toBeGreaterThan(0);

    // Suggestions while typing.
    await input.fill('营业');
    await expect.poll(async () => (await page.getByTestId('suggestion').allInnerTexts()).join('|'), POLL).toContain('营业执照');

    // A facet narrows the results to exactly its count.
    await page.goto(`/services?q=${encodeURIComponent('营业执照')}`);
    await page.getByTestId('result').first().waitFor();
    const all = await totalOf(page);
    const option = page.getByTestId('facet-type').locator('a').last();
    const count = Number(/(\d+)\s*$/.exec(await option.innerText())?.[1]);
    expect(count).toBeLessThan(all);
    await option.click();
    await page.waitForURL((u) => u.searchParams.has('type'));
    await expect.poll(() => totalOf(page), POLL).toBe(count);
    expect(await page.getByTestId('result').count()).toBe(Math.min(count, 10));
    await expect.poll(() => page.getByTestId('active-filter').count(), POLL).toBe(1);
  });

  it('shows a guide in plain language: 免提交 on the right material, time limits, apply online', async () => {
    const page = await open();
    await page.goto(`/services?q=${encodeURIComponent('企业变更登记')}`);
    await page.getByTestId('result').first().waitFor();
    await page.getByTestId('result').filter({ hasText: '企业变更登记' }).first().locator('h2 a').click();
    await page.getByTestId('guide-title').waitFor();
    expect(await page.getByTestId('guide-title').innerText()).toBe('企业变更登记');
    const material = (name: string) => page.getByTestId('material').filter({ has: page.locator('strong', { hasText: new RegExp(`^${name}$`) }) });
    await expect.poll(() => material('营业执照').getByTestId('exempt-badge').count(), POLL).toBe(1);
    expect(await material('变更决议或决定').count()).toBe(1);
    expect(await material('变更决议或决定').getByTestId('exempt-badge').count()).toBe(0);
    expect(await page.getByTestId('legal-limit').innerText()).toContain('3 个工作日');
    expect(await page.getByTestId('promised-limit').innerText()).toContain('1 个工作日');
    expect(await page.getByTestId('apply-online').getAttribute('href')).toBe(`/portal/applications/new?item=${demoItemId('scjg.change')}`);
    expect(await page.getByTestId('stages').locator('li').count()).toBeGreaterThan(0);
  });

  it('edits, sees a linter finding inline, fixes it, publishes; the public guide shows the new version (scjg dept admin)', async () => {
    const admin = rig.demo.staff.find((s) => s.username === 'scjg.admin')!;
    const page = await open();
    await staffSignIn(page, admin.username, admin.password);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto('/admin/items');
    await page.locator('[data-testid="admin-row"][data-name="企业注销登记"] h2 a').click();
    await page.getByTestId('catalog-editor').waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    expect(id).toBe(demoItemId('scjg.deregistration'));

    // One visit on a fully online item, without a reason: findings next to the fields.
    await page.locator('#f-visits').fill('1');
    await page.getByTestId('save-draft').click();
    const reasonFinding = page.locator('[data-testid="field-findings"][data-field="visitsReason"] [data-rule="VISITS_REASON_MISSING"]');
    await reasonFinding.waitFor();
    await page.locator('[data-testid="field-findings"][data-field="visits"] [data-rule="DEPTH4_REQUIRES_ZERO_VISITS"]').waitFor();
    await page.getByTestId('publish-blocked').waitFor();
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);

    // Fix it, and say what the promise is.
    const note = '材料齐全的，当场受理、次日办结（E2E）';
    await page.locator('#f-visits').fill('0');
    await page.locator('[id="f-promisedLimit.note"]').fill(note);
    await page.getByTestId('save-draft').click();
    await expect.poll(() => reasonFinding.count(), POLL).toBe(0);
    await expect.poll(() => page.getByTestId('publish-blocked').count(), POLL).toBe(0);
    await expect.poll(() => page.getByTestId('publish').isDisabled(), POLL).toBe(false);
    await page.getByTestId('publish').click();
    await expect.poll(async () => (await page.getByTestId('editor-saved').allInnerTexts()).join(), POLL).toContain('已发布');

    // The public guide, signed out, shows version 2 with the new note.
    const visitor = await open();
    await expect
      .poll(async () => {
        await visitor.goto(`/services/items/${id}`);
        await visitor.getByTestId('guide-title').waitFor();
        return (await visitor.getByTestId('item-guide').innerText()).includes('第 2 版') && (await visitor.getByTestId('promised-limit').innerText()).includes(note);
      }, POLL)
      .toBe(true);
  });
});
