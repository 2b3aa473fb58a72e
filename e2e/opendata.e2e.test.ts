/**
 * The open data portal in a real browser against the real server: search with a facet →
 * the dataset page → the preview table and chart → download the CSV (checked byte for byte
 * against the API); a citizen rates the dataset; the data admin's publishing page lists the
 * catalog's candidates. Axe finds nothing serious on the pages. Every wait is on an effect.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { axeSerious, personSignIn, useBrowserRig } from './harness';

const rig = useBrowserRig();
// A busy shared machine: the first render of a lazily loaded page can take a while.
const open = async (lang: 'zh-CN' | 'en' = 'zh-CN') => {
  const page = await rig.open({ lang, timeout: 90_000 });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return page;
};

describe('open data portal: search → dataset → preview → download', { timeout: 600_000 }, () => {
  it('finds a dataset, previews it, charts it and downloads it', async () => {
    const page = await open();
    await page.goto('/open-data');
    await page.getByTestId('od-search').waitFor();
    await page.getByTestId('od-result').first().waitFor();
    expect(await axeSerious(page, 'open-data search')).toEqual([]);
    // Full text, then a facet.
    await page.getByTestId('od-search-input').locator('input').fill('公交');
    await page.getByTestId('od-search-input').locator('input').press('Enter');
    await expect.poll(async () => page.getByTestId('od-result').count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('od-facet-res_format').locator('[data-testid="od-facet-item"][data-value="CSV"] input[type="checkbox"]').click();
    await page.waitForURL(/res_format=CSV/);
    await expect.poll(async () => page.getByTestId('od-result').getAttribute('data-name'), { timeout: 30_000 }).toBe('zjj-bus-routes');
    await page.getByTestId('od-result-link').click();
    await page.waitForURL(/\/open-data\/datasets\/zjj-bus-routes$/);
    await page.getByTestId('od-dataset').waitFor();
    // Preview table and chart.
    const preview = page.getByTestId('od-preview');
    await preview.locator('tbody tr.ant-table-row').first().waitFor();
    expect(await preview.locator('tbody tr.ant-table-row').count()).toBe(20);
    await expect.poll(async () => (await preview.locator('tbody tr.ant-table-row').first().innerText()).includes('0001'), { timeout: 10_000 }).toBe(true);
    await page.getByTestId('od-chart').locator('svg rect').first().waitFor();
    expect(await page.getByTestId('od-chart').locator('svg rect').count()).toBeGreaterThan(1);
    await expect.poll(async () => page.getByTestId('od-api-docs').innerText()).toContain('datastore_search');
    expect(await axeSerious(page, 'open-data dataset')).toEqual([]);
    // Download the CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('od-download-csv').click()]);
    const path = await download.path();
    const csv = readFileSync(path!, 'utf8');
    expect(csv.startsWith('\ufeffrouteNo,name,from,to')).toBe(true);
    expect(csv.trim().split('\r\n')).toHaveLength(241);
    // Bytes, not Response.text(), which drops the BOM.
    const api = Buffer.from(await (await fetch(`${rig.server.url}/api/opendata/datasets/zjj-bus-routes/download/csv`)).arrayBuffer()).toString('utf8');
    expect(csv).toBe(api);
  });

  it('a citizen rates the dataset; an account dataset asks a visitor to sign in; the data admin sees the publishing page', async () => {
    const visitor = await open('en');
    await visitor.goto('/open-data/datasets/xzspj-service-points');
    await visitor.getByTestId('od-dataset').waitFor();
    await visitor.getByText('Sign in to preview and download this dataset.').waitFor();
    expect(await visitor.getByTestId('od-preview').count()).toBe(0);

    const person = rig.demo.people.find((p) => p.name === '张伟')!;
    const page = await open();
    await personSignIn(page, person.idNumber, person.password, '/portal/open-data/datasets/dsj-air-quality');
    await page.waitForURL(/\/portal\/open-data\/datasets\/dsj-air-quality$/);
    const form = page.getByTestId('od-rate');
    await form.waitFor();
    await form.locator('.ant-rate-star').nth(3).click();
    await form.locator('textarea').fill('数据及时，很有用');
    await form.locator('button[type="submit"]').click();
    await page.getByTestId('od-done').waitFor();
    await expect.poll(async () => page.getByTestId('od-dataset').innerText(), { timeout: 20_000 }).toContain('数据及时，很有用');

    const staff = await rig.staff('dsj.data', 'admin');
    await staff.goto('/admin/open-data');
    await staff.getByTestId('od-admin').waitFor();
    await staff.getByTestId('od-candidates').locator('tbody tr').first().waitFor();
    expect(await staff.getByTestId('od-candidates').innerText()).toContain('公交线路');
    expect(await axeSerious(staff, 'admin open data')).toEqual([]);
  });
});
